import { createHash, timingSafeEqual } from 'node:crypto';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Channel } from '../../shared/channels/channel';
import type { EchoReceipt } from '../../shared/channels/messenger/echoReceipt';
import { messengerWebhookSchema, toInboundEvents } from '../../shared/channels/messenger/messengerWebhook';
import { verifyMessengerSignature } from '../../shared/channels/messenger/verifyMessengerSignature';
import { forLog, isId } from '../../shared/jobs/job';
import type { JobQueue } from '../../shared/jobs/jobQueue';
import { lookUpChannel, queueTurns, type InboundTurn } from '../../shared/jobs/queueTurns';
import type { Store } from '../../shared/store/store';
import { headerValue, NOT_JSON, parseJson } from '../../shared/lambda/apiGateway';

export interface MessengerWebhookRequest {
  /** The page id of the webhook URL. */
  channelId: string;
  rawBody: Buffer;
  headers: Record<string, string | undefined>;
}

export interface MessengerWebhookResponse {
  statusCode: number;
  body: Record<string, unknown>;
}

/** The subscription check's answer: the challenge as plain text, or a JSON error. */
export type VerificationResponse = { statusCode: 200; text: string } | { statusCode: 403; body: { error: string } };

export interface MessengerWebhookDeps {
  store: Store;
  queue: JobQueue;
  logger: Logger;
  now?: () => number;
}

/** Meta's challenge is a short number; anything much longer is not Meta and is not echoed back. */
const MAX_CHALLENGE_LENGTH = 256;

/**
 * Meta's subscription check: `GET ?hub.mode=subscribe&hub.verify_token=…&hub.challenge=…`. The
 * challenge is echoed only when the token equals the page's verify token; a page without one can
 * never be subscribed by guessing. An unknown page (`channel` undefined) is answered exactly like a
 * wrong verify token, so the answer does not tell a prober which pages exist; `logger`, when given,
 * records which it was.
 */
export function handleVerification(query: Record<string, string | undefined>, channel: Channel | undefined, logger?: Pick<Logger, 'warn'>, channelId = channel?.channelId): VerificationResponse {
  const mode = query['hub.mode'];
  const token = query['hub.verify_token'];
  const challenge = query['hub.challenge'];
  if (mode !== 'subscribe') return { statusCode: 403, body: { error: 'hub.mode must be subscribe' } };
  // Compared even for an unknown page, so that both take the same time.
  const matches = sameSecret(token ?? '', channel?.verifyToken ?? '');
  if (!channel || !channel.verifyToken || token === undefined || !matches) {
    logger?.warn(channel ? 'refused Messenger subscription check: verify token does not match' : 'refused Messenger subscription check: unknown channel', {
      channelId: forLog(channelId),
    });
    return { statusCode: 403, body: { error: 'verify token does not match' } };
  }
  if (!challenge || challenge.length > MAX_CHALLENGE_LENGTH) return { statusCode: 403, body: { error: 'missing or invalid hub.challenge' } };
  return { statusCode: 200, text: challenge };
}

/**
 * The whole subscription check for the page of the webhook URL: a page id no page can have is not looked
 * up (it could not be a table key), and the answer is {@link handleVerification}'s, logged.
 */
export async function handleVerificationRequest(channelId: string, query: Record<string, string | undefined>, deps: Pick<MessengerWebhookDeps, 'store' | 'logger'>): Promise<VerificationResponse> {
  const channel = isId(channelId) ? await deps.store.channels.get('messenger', channelId) : undefined;
  return handleVerification(query, channel, deps.logger, channelId);
}

/**
 * Take one Messenger webhook delivery: verify `X-Hub-Signature-256` over the raw bytes before
 * anything else, then queue one turn job per new event for the page's active flow. Nothing is written
 * before the signature holds, so a forged request leaves no trace. An unknown page is answered exactly
 * like a bad signature (401), so the answer does not tell a prober which pages exist; the log says
 * which. A signed event that breaks its bounds (ids, text, payloads) is skipped and logged, and the
 * rest of the delivery is served; only a body that is not a Messenger webhook at all is a 400.
 */
export async function handleMessengerWebhook(request: MessengerWebhookRequest, deps: MessengerWebhookDeps): Promise<MessengerWebhookResponse> {
  const now = deps.now ?? Date.now;
  const receivedAt = now();
  const signature = headerValue(request.headers, 'x-hub-signature-256');
  const refused: MessengerWebhookResponse = { statusCode: 401, body: { error: signature === undefined ? 'missing x-hub-signature-256' : 'invalid signature' } };
  // A page id no page can have (past its bound or charset) is not even looked up.
  if (!isId(request.channelId)) {
    deps.logger.warn('rejected Messenger webhook: not a channel id', { channelId: forLog(request.channelId), hasSignature: signature !== undefined });
    return refused;
  }
  // Parsed now, trusted only once the signature holds: when the page must be read, the people it
  // names have their sessions read beside it (reads only; nothing is written before the check).
  const json = parseJson(request.rawBody);
  const found = await lookUpChannel(deps.store, 'messenger', request.channelId, () => messengerSenderIds(json), receivedAt, (channel) =>
    verifyMessengerSignature(request.rawBody, channel.secret, signature),
  );
  if (found.status === 'unknown') {
    deps.logger.warn('rejected Messenger webhook: unknown channel', { channelId: request.channelId, hasSignature: signature !== undefined });
    return refused;
  }
  const { channel } = found;
  if (found.status === 'forged') {
    deps.logger.warn('rejected Messenger webhook: bad or missing signature', { channelId: request.channelId, hasSignature: signature !== undefined });
    return refused;
  }

  if (json === NOT_JSON) return { statusCode: 400, body: { error: 'body is not valid JSON' } };
  const parsed = messengerWebhookSchema.safeParse(json);
  if (!parsed.success) return { statusCode: 400, body: { error: 'not a Messenger webhook' } };

  const turns: InboundTurn[] = [];
  const receipts: EchoReceipt[] = [];
  for (const action of toInboundEvents(parsed.data)) {
    if (action.kind === 'echo') {
      if (action.pageId === channel.channelId) receipts.push(action.receipt);
      continue;
    }
    if (action.kind === 'skip') {
      if (action.malformed) deps.logger.warn('skipped malformed Messenger event', { channelId: channel.channelId, eventId: action.eventId, reason: action.reason });
      else deps.logger.debug('skipped Messenger event', { eventId: action.eventId, reason: action.reason });
      continue;
    }
    // One app can be subscribed to several pages, but a PSID only means something to its own page:
    // another page's event cannot be answered with this page's token.
    if (action.pageId !== undefined && action.pageId !== channel.channelId) {
      deps.logger.info('Messenger event for another page ignored', { channelId: channel.channelId, eventId: action.eventId });
      continue;
    }
    turns.push({ eventId: action.eventId, userId: action.psid, event: action.event });
  }
  // The sender checks the 24-hour window against the receive time. The window really opened at the
  // person's message, a moment (or, for a redelivery, longer) before; Meta's own window error covers the gap.
  const [queued] = await Promise.all([queueTurns(channel, turns, receivedAt, deps, found.sessions), recordEchoes(receipts, deps)]);
  return { statusCode: 200, body: { ok: true, queued } };
}

/**
 * Meta's echoes of callcard's own messages: each marks its delivery as landed in the job's outbox, so a
 * retried job does not send it again (see echoReceipt.ts). An echo for an outbox that is gone is noted.
 */
async function recordEchoes(receipts: EchoReceipt[], deps: MessengerWebhookDeps): Promise<void> {
  await Promise.all(
    receipts.map(async ({ jobId, index }) => {
      const recorded = await deps.store.jobStates.recordEcho(jobId, index);
      deps.logger.debug(recorded ? 'Messenger echo recorded' : 'Messenger echo for no outbox', { jobId: forLog(jobId), index });
    }),
  );
}

/** Compares digests, so neither the content nor the length of the expected token leaks through timing. */
function sameSecret(given: string, expected: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();
  return timingSafeEqual(digest(given), digest(expected));
}

/** The sender ids of a Messenger delivery's messaging events, as far as the unverified body says. */
function messengerSenderIds(json: unknown): string[] {
  const entries = (json as { entry?: unknown } | null)?.entry;
  if (!Array.isArray(entries)) return [];
  return entries.flatMap((entry: unknown) => {
    const messaging = (entry as { messaging?: unknown } | null)?.messaging;
    if (!Array.isArray(messaging)) return [];
    return messaging.flatMap((event: unknown) => {
      const id = (event as { sender?: { id?: unknown } } | null)?.sender?.id;
      return isId(id) ? [id] : [];
    });
  });
}
