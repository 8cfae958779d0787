import type { Logger } from '@aws-lambda-powertools/logger';
import type { ResolvedMessage } from '../../messages/message';
import type { ChannelSender, Delivery, DeliveryProgress, SendingTurn } from '../sender';
import { echoMetadata } from './echoReceipt';
import { MessengerApiError, type MessengerClient } from './messengerClient';
import { renderMessengerMessages, type MessengerMessage } from './renderMessengerMessages';

/** Standard messaging: a page may answer for 24 hours after the person's last message. */
export const MESSAGING_WINDOW_MS = 24 * 60 * 60 * 1000;

export interface MessengerSenderOptions {
  logger: Logger;
  /** The page's access token: it tags each message's receipt, so only callcard's echoes count (echoReceipt.ts). */
  pageToken: string;
  now?: () => number;
}

/**
 * Sends a turn's messages on Messenger: one Send API request per message, in flow order, each a
 * `RESPONSE` to the message being answered. Once the 24-hour window is closed (the job is older than
 * that, or Meta says so) the remaining deliveries resolve without sending: retrying could never
 * succeed, so the job ends instead. Other failures throw, and the job is retried from its outbox.
 */
export function createMessengerSender(client: MessengerClient, job: SendingTurn, options: MessengerSenderOptions): ChannelSender {
  const now = options.now ?? Date.now;
  const log = options.logger;
  let windowClosed = false;

  const outsideWindow = (): boolean => windowClosed || now() - job.receivedAt >= MESSAGING_WINDOW_MS;
  const noteWindowClosed = (index: number | undefined, how: 'job_age' | 'meta'): void => {
    if (!windowClosed) log.warn('Messenger messaging window closed: the rest of this turn is not sent', { jobId: job.jobId, index, how });
    windowClosed = true;
  };

  return {
    // The Send API has no idempotency key: a message goes out only once the outbox holds it.
    safeBeforeRecord: false,
    render(messages: ResolvedMessage[]): Delivery[] {
      return renderMessengerMessages(messages).map((message) => ({ messages: [message] }));
    },
    async showWaiting() {
      if (outsideWindow()) return;
      try {
        await client.typingOn(job.userId);
      } catch (error) {
        if (error instanceof MessengerApiError && error.isOutsideWindow) {
          noteWindowClosed(undefined, 'meta');
          return;
        }
        throw error;
      }
    },
    async deliver(index, delivery, context): Promise<DeliveryProgress> {
      const result: DeliveryProgress = { replyTokenSpent: context.replyTokenSpent, via: 'send' };
      const messages = delivery.messages.filter(isMessengerMessage);
      if (outsideWindow()) {
        noteWindowClosed(index, 'job_age');
        log.info('delivery outcome', { jobId: job.jobId, index, outcome: 'outside_window' });
        return result;
      }
      for (const message of messages) {
        try {
          // The metadata comes back in Meta's echo of the message: the delivery's receipt (echoReceipt.ts).
          await client.send(
            job.userId,
            { ...message, metadata: echoMetadata(job.jobId, index, options.pageToken) },
            { messagingType: 'RESPONSE' },
          );
        } catch (error) {
          if (!(error instanceof MessengerApiError && error.isOutsideWindow)) throw error;
          noteWindowClosed(index, 'meta');
          log.info('delivery outcome', { jobId: job.jobId, index, outcome: 'outside_window' });
          return result;
        }
      }
      return result;
    },
  };
}

/** Deliveries are stored as plain JSON; they were produced by renderMessengerMessages above. */
function isMessengerMessage(value: unknown): value is MessengerMessage {
  return typeof value === 'object' && value !== null && ('text' in value || 'attachment' in value);
}
