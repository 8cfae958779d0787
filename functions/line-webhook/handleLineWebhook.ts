import type { Logger } from '@aws-lambda-powertools/logger';
import { lineAdapter } from '../../shared/channels/line/lineAdapter';
import { isId } from '../../shared/domain/ids';
import { lookUpChannel, queueTurns, type InboundTurn } from '../../shared/intake/queueTurns';
import type { JobQueue } from '../../shared/jobs/jobQueue';
import { headerValue, NOT_JSON, parseJson } from '../../shared/lambda/apiGateway';
import { forLog } from '../../shared/logging/logValues';
import type { WebhookStore } from '../../shared/store/webhookStore';

export interface WebhookRequest {
  channelId: string;
  rawBody: Buffer;
  headers: Record<string, string | undefined>;
}

export interface WebhookResponse {
  statusCode: number;
  body: Record<string, unknown>;
}

export interface LineWebhookDeps {
  store: WebhookStore;
  queue: JobQueue;
  logger: Logger;
  now?: () => number;
}

/**
 * Take one LINE webhook delivery: verify the signature over the raw bytes before anything else, then
 * queue one turn job per new event one of the channel's active flows answers. Nothing is written before the
 * signature holds, so a forged request leaves no trace. An unknown channel is answered exactly like a
 * bad signature (401), so the answer does not tell a prober which channels exist; the log says which.
 * A signed event that breaks its bounds (ids, text, tokens) is skipped and logged, and the rest of the
 * delivery is served; only a body that is not a LINE webhook at all is a 400.
 */
export async function handleLineWebhook(request: WebhookRequest, deps: LineWebhookDeps): Promise<WebhookResponse> {
  const now = deps.now ?? Date.now;
  const receivedAt = now();
  const signature = headerValue(request.headers, lineAdapter.signatureHeader);
  const refused: WebhookResponse = {
    statusCode: 401,
    body: { error: signature === undefined ? `missing ${lineAdapter.signatureHeader}` : 'invalid signature' },
  };
  // A channel id no channel can have (past its bound or charset) is not even looked up.
  if (!isId(request.channelId)) {
    deps.logger.warn('rejected LINE webhook: not a channel id', {
      channelId: forLog(request.channelId),
      hasSignature: signature !== undefined,
    });
    return refused;
  }
  // Parsed now, trusted only once the signature holds: when the channel must be read, the customers
  // it names have their sessions read beside it (reads only; nothing is written before the check).
  const json = parseJson(request.rawBody);
  const found = await lookUpChannel(
    deps.store,
    'line',
    request.channelId,
    () => lineAdapter.conversationIds(json),
    receivedAt,
    (channel) => lineAdapter.verifySignature(request.rawBody, channel.secret, signature),
  );
  if (found.status === 'unknown') {
    deps.logger.warn('rejected LINE webhook: unknown channel', { channelId: request.channelId, hasSignature: signature !== undefined });
    return refused;
  }
  const { channel } = found;
  if (found.status === 'forged') {
    deps.logger.warn('rejected LINE webhook: bad or missing signature', {
      channelId: request.channelId,
      hasSignature: signature !== undefined,
    });
    return refused;
  }

  if (json === NOT_JSON) return { statusCode: 400, body: { error: 'body is not valid JSON' } };
  const parsed = lineAdapter.parseDelivery(json);
  if (!parsed.ok) return { statusCode: 400, body: parsed.answer };

  // LINE's Verify button (in the LINE Developers console) posts a signed delivery without events: the
  // one request that notes the channel's URL as verified. A delivery with events writes nothing more.
  if (parsed.verification) {
    await deps.store.webhookChecks.record('line', channel.channelId, channel.workspaceId, new Date(receivedAt)).catch((error: unknown) => {
      deps.logger.warn('LINE verification passed but was not recorded', { channelId: channel.channelId, error });
    });
    return { statusCode: 200, body: { ok: true, queued: 0 } };
  }

  const turns: InboundTurn[] = [];
  for (const action of parsed.events) {
    if (action.kind === 'skip') {
      if (action.malformed)
        deps.logger.warn('skipped malformed LINE event', { channelId: channel.channelId, eventId: action.eventId, reason: action.reason });
      else deps.logger.info('skipped LINE event', { channelId: channel.channelId, eventId: action.eventId, reason: action.reason });
      continue;
    }
    if (action.kind === 'turn') turns.push(action.turn);
  }
  const queued = await queueTurns(channel, turns, receivedAt, deps, found.sessions);
  return { statusCode: 200, body: { ok: true, queued } };
}
