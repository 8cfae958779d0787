import { createHash } from 'node:crypto';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { AWS_CLIENT_DEFAULTS } from '../config/awsClients';
import { conversationKey, type TurnJob } from './job';

export interface SendOptions {
  /**
   * Overrides the deduplication id (the job id by default). A redrive from the dead-letter queue
   * passes a fresh one: SQS would otherwise drop a job sent again within 5 minutes as a duplicate.
   */
  deduplicationId?: string;
}

export interface JobQueue {
  send(job: TurnJob, options?: SendOptions): Promise<void>;
}

/**
 * Jobs go to a FIFO queue: the message group is the conversation (its turns run one at a time, in
 * order) and the deduplication id is the job id (a webhook retried within 5 minutes enqueues once)
 * unless the caller names another one.
 */
export function createJobQueue(queueUrl: string, sqs: SQSClient = new SQSClient(AWS_CLIENT_DEFAULTS)): JobQueue {
  return {
    async send(job, options = {}) {
      await sqs.send(
        new SendMessageCommand({
          QueueUrl: queueUrl,
          MessageBody: JSON.stringify(job),
          MessageGroupId: digest(conversationKey(job)),
          MessageDeduplicationId: digest(options.deduplicationId ?? job.jobId),
        }),
      );
    },
  };
}

/** SQS ids allow 128 characters of a limited set: a hex digest fits any channel's ids. */
function digest(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}
