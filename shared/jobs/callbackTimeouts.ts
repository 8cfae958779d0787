import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import * as z from 'zod';
import { AWS_CLIENT_DEFAULTS } from '../config/awsClients';

/** The message that, `timeoutSeconds` after a brand's 202, resumes a conversation no callback resumed. */
export const callbackTimeoutSchema = z.object({ workspaceId: z.string().min(1).max(256), callbackId: z.string().min(1).max(64) });
export type CallbackTimeout = z.infer<typeof callbackTimeoutSchema>;

export interface CallbackTimeouts {
  schedule(timeout: CallbackTimeout, delaySeconds: number): Promise<void>;
}

/**
 * Timeouts go to a standard queue with a per-message DelaySeconds (0..900: the card's
 * `callback.timeoutSeconds` is bounded by it). Not the jobs' FIFO queue: a FIFO queue delays only at the
 * queue level, never per message. Its consumer turns a timeout into a turn job in the conversation's
 * FIFO group, only when the callback was not used (functions/callbacks/handleCallback.ts), so a
 * standard queue's occasional duplicate resumes nothing twice.
 */
export function createCallbackTimeouts(queueUrl: string, sqs: SQSClient = new SQSClient(AWS_CLIENT_DEFAULTS)): CallbackTimeouts {
  return {
    async schedule(timeout, delaySeconds) {
      await sqs.send(
        new SendMessageCommand({
          QueueUrl: queueUrl,
          MessageBody: JSON.stringify(timeout),
          DelaySeconds: Math.max(0, Math.min(900, Math.ceil(delaySeconds))),
        }),
      );
    },
  };
}
