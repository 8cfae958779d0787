import type { messagingApi } from '@line/bot-sdk';
import { LineApiError, type LineClient } from '../../shared/channels/line/lineClient';
import { renderLineMessages } from '../../shared/channels/line/renderLineMessages';
import type { TurnJob } from '../../shared/jobs/job';
import type { ResolvedMessage } from '../../shared/messages/message';
import type { Delivery } from '../../shared/store/jobStates';
import { deterministicUuid } from './deterministicUuid';
import type { ChannelSender, DeliveryProgress } from './channelSender';

/** LINE takes at most 5 messages per reply or push. */
const MESSAGES_PER_REQUEST = 5;
/** A reply token lives 1 minute from receipt; past this age we push instead of racing its expiry. */
export const REPLY_TOKEN_SAFE_AGE_MS = 50_000;
/** The loading animation is one-on-one only and lasts 5..60 s in steps of 5. */
const LOADING_SECONDS = 20;

/**
 * Sends a turn's messages on LINE: everything in one reply while the token lives (5 a request, the rest
 * pushed after it in order), otherwise pushes with a retry key stable across retries of the job.
 */
export function createLineSender(client: LineClient, job: TurnJob, now: () => number = Date.now): ChannelSender {
  return {
    safeBeforeRecord: true,
    render(messages: ResolvedMessage[]): Delivery[] {
      const rendered = renderLineMessages(messages);
      const deliveries: Delivery[] = [];
      for (let i = 0; i < rendered.length; i += MESSAGES_PER_REQUEST) deliveries.push({ messages: rendered.slice(i, i + MESSAGES_PER_REQUEST) });
      return deliveries;
    },
    async showWaiting() {
      if (!job.userId.startsWith('U')) return;
      await client.startLoading(job.userId, LOADING_SECONDS);
    },
    async deliver(index, delivery, progress): Promise<DeliveryProgress> {
      const messages = toLineMessages(delivery.messages);
      const canReply = !progress.replyTokenSpent && job.replyToken !== undefined && now() - job.receivedAt < REPLY_TOKEN_SAFE_AGE_MS;
      if (canReply && job.replyToken) {
        try {
          await client.reply(job.replyToken, messages);
          return { replyTokenSpent: true, via: 'reply' };
        } catch (error) {
          // Used or expired token, or LINE unreachable or failing: push now, while the customer waits,
          // rather than retry the job minutes later with a dead token. (A 5xx may hide an accepted
          // reply; LINE offers no retry key for replies, so a rare duplicate beats a late answer.)
          const pushInstead = error instanceof LineApiError && (error.isInvalidReplyToken || error.status === undefined || error.status >= 500);
          if (!pushInstead) throw error;
        }
      }
      await client.push(job.userId, messages, deterministicUuid(`${job.jobId}#${index}`));
      return { replyTokenSpent: progress.replyTokenSpent || canReply, via: 'push' };
    },
  };
}

/** Deliveries are stored as plain JSON; they were produced by renderLineMessages above. */
function toLineMessages(messages: unknown[]): messagingApi.Message[] {
  return messages.filter(isLineMessage);
}

function isLineMessage(value: unknown): value is messagingApi.Message {
  return typeof value === 'object' && value !== null && 'type' in value && typeof value.type === 'string';
}
