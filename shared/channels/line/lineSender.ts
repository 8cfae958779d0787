import type { messagingApi } from '@line/bot-sdk';
import type { ResolvedMessage } from '../../messages/message';
import { deterministicUuid } from '../deterministicUuid';
import type { ChannelSender, Delivery, DeliveryContext, DeliveryProgress, SendingTurn } from '../sender';
import { LineApiError, type LineClient } from './lineClient';
import { renderLineMessages } from './renderLineMessages';

/** LINE takes at most 5 messages per reply or push. */
const MESSAGES_PER_REQUEST = 5;
/** A reply token lives 1 minute from receipt; past this age we push instead of racing its expiry. */
export const REPLY_TOKEN_SAFE_AGE_MS = 50_000;
/** The loading animation is one-on-one only and lasts 5..60 s in steps of 5. */
const LOADING_SECONDS = 20;

/** Tries of one reply when LINE answers 5xx or not at all, before the answer is pushed instead. */
const REPLY_ATTEMPTS = 2;

/**
 * Sends a turn's messages on LINE: everything in one reply while the token lives (5 a request, the rest
 * pushed after it in order), otherwise pushes with a retry key stable across retries of the job.
 *
 * A reply token is single-use and lives one minute, and only callcard holds it; so within that minute
 * LINE's `Invalid reply token` after an earlier try of ours (a 5xx or timeout in this process, or an
 * outbox that says a killed process had sent its reply) proves that try landed, and nothing more is sent. The same answer on a
 * token never tried before means LINE refused it: that is recorded in the outbox before the push that
 * replaces the reply, so a retry pushes again under the same retry key, which LINE deduplicates.
 */
export function createLineSender(client: LineClient, job: SendingTurn, now: () => number = Date.now): ChannelSender {
  const tokenAlive = () => job.replyToken !== undefined && now() - job.receivedAt < REPLY_TOKEN_SAFE_AGE_MS;

  /** `reply` or `earlier-reply` when the customer has the messages, `push` when they must be pushed. */
  async function reply(
    replyToken: string,
    messages: messagingApi.Message[],
    context: DeliveryContext,
  ): Promise<'reply' | 'earlier-reply' | 'push'> {
    let triedBefore = context.replyTokenSpent;
    for (let attempt = 1; ; attempt += 1) {
      try {
        await client.reply(replyToken, messages);
        return 'reply';
      } catch (error) {
        if (!(error instanceof LineApiError)) throw error;
        if (error.isInvalidReplyToken) {
          if (triedBefore) return 'earlier-reply';
          await context.recordRefusal();
          return 'push';
        }
        // 429 and other 4xx: LINE did not take it and the token is still ours; the job is retried.
        if (error.status !== undefined && error.status < 500) throw error;
        // 5xx or no answer: it may have landed. Asking again with the token tells which.
        triedBefore = true;
        if (attempt >= REPLY_ATTEMPTS || !tokenAlive()) return 'push';
      }
    }
  }

  return {
    safeBeforeRecord: true,
    render(messages: ResolvedMessage[]): Delivery[] {
      const rendered = renderLineMessages(messages);
      const deliveries: Delivery[] = [];
      for (let i = 0; i < rendered.length; i += MESSAGES_PER_REQUEST)
        deliveries.push({ messages: rendered.slice(i, i + MESSAGES_PER_REQUEST) });
      return deliveries;
    },
    async showWaiting(seconds = LOADING_SECONDS) {
      // The loading animation is one-on-one only: never for a group or room (whose ids start C / R).
      if ((job.chat ?? 'user') !== 'user' || !job.userId.startsWith('U')) return;
      // LINE takes 5..60 in steps of 5.
      await client.startLoading(job.userId, Math.min(60, Math.max(5, Math.ceil(seconds / 5) * 5)));
    },
    issueLinkToken: () => client.issueLinkToken(job.userId),
    async deliver(index, delivery, context): Promise<DeliveryProgress> {
      const messages = toLineMessages(delivery.messages);
      // Only the first request can be the reply; the token is spent by it either way.
      const canReply = index === 0 && !context.replyRefused && tokenAlive();
      if (canReply && job.replyToken) {
        // (A 5xx that persists is pushed: it may hide an accepted reply, and LINE offers no retry key
        // for replies, so a rare duplicate beats silence.)
        const outcome = await reply(job.replyToken, messages, context);
        if (outcome !== 'push') return { replyTokenSpent: true, via: outcome };
      }
      await client.push(job.userId, messages, deterministicUuid(`${job.jobId}#${index}`));
      return { replyTokenSpent: context.replyTokenSpent || canReply, via: 'push' };
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
