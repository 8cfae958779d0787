import type { Logger } from '@aws-lambda-powertools/logger';
import type { ChannelAdapter } from '../channels/adapter';
import type { ChannelOf } from '../channels/channel';
import type { ChannelKind } from '../domain/channelKinds';
import { isId } from '../domain/ids';
import { lookUpChannel, type ChannelLookup, type SessionReads } from '../intake/queueTurns';
import type { JobQueue } from '../jobs/jobQueue';
import { forLog } from '../logging/logValues';
import type { WebhookStore } from '../store/webhookStore';
import { headerValue, parseJson } from './apiGateway';

/** A delivery at a channel's webhook URL (`/webhooks/<kind>/{channelId}`). */
export interface WebhookRequest {
  channelId: string;
  rawBody: Buffer;
  headers: Record<string, string | undefined>;
}

export interface WebhookResponse {
  statusCode: number;
  body: Record<string, unknown>;
}

/** What every channel's webhook needs: the repositories a webhook may touch, the queue, the log, the clock. */
export interface WebhookDeps {
  store: WebhookStore;
  queue: JobQueue;
  logger: Logger;
  now?: () => number;
}

/** What one channel's webhook does besides the skeleton every channel shares ({@link receiveWebhook}). */
export interface WebhookChannel<K extends ChannelKind> {
  adapter: ChannelAdapter<K>;
  /**
   * Find the URL's channel and check the signature (`verify` tells whether a secret signs the delivery).
   * Absent: the channel's own secret, by {@link lookUpChannel}. Messenger pages under an app use the app's.
   */
  lookUp?(
    verify: (secret: string | undefined) => boolean,
    conversationIds: () => string[],
    receivedAt: number,
  ): Promise<ChannelLookup<ChannelOf<K>>>;
  /** Serve the delivery once its signature holds (`json` may still be {@link NOT_JSON}). */
  serve(json: unknown, found: { channel: ChannelOf<K>; sessions: SessionReads | undefined }, receivedAt: number): Promise<WebhookResponse>;
}

/**
 * The skeleton of every channel's webhook: verify the signature over the raw bytes before anything
 * else, then let the channel serve the delivery. Nothing is written before the signature holds, so a
 * forged request leaves no trace. An id no channel can have (past its bound or charset) is not even
 * looked up, and an unknown channel is answered exactly like a bad signature (401), so the answer does
 * not tell a prober which channels exist; the log says which. The body is parsed at once but trusted
 * only once the signature holds: when the channel must be read, the conversations it names have their
 * sessions read beside it (reads only).
 */
export async function receiveWebhook<K extends ChannelKind>(
  request: WebhookRequest,
  deps: WebhookDeps,
  channelWebhook: WebhookChannel<K>,
): Promise<WebhookResponse> {
  const { adapter } = channelWebhook;
  const receivedAt = (deps.now ?? Date.now)();
  const signature = headerValue(request.headers, adapter.signatureHeader);
  const refused: WebhookResponse = {
    statusCode: 401,
    body: { error: signature === undefined ? `missing ${adapter.signatureHeader}` : 'invalid signature' },
  };
  const rejected = (why: string, channelId: string) =>
    deps.logger.warn(`rejected ${adapter.label} webhook: ${why}`, { channelId, hasSignature: signature !== undefined });
  if (!isId(request.channelId)) {
    rejected('not a channel id', forLog(request.channelId));
    return refused;
  }
  const json = parseJson(request.rawBody);
  const conversationIds = () => adapter.conversationIds(json);
  const verify = (secret: string | undefined) => secret !== undefined && adapter.verifySignature(request.rawBody, secret, signature);
  const found = channelWebhook.lookUp
    ? await channelWebhook.lookUp(verify, conversationIds, receivedAt)
    : await lookUpChannel(deps.store, adapter.kind, request.channelId, conversationIds, receivedAt, (channel) => verify(channel.secret));
  if (found.status === 'unknown') {
    rejected('unknown channel', request.channelId);
    return refused;
  }
  if (found.status === 'forged') {
    rejected('bad or missing signature', request.channelId);
    return refused;
  }
  return channelWebhook.serve(json, found, receivedAt);
}
