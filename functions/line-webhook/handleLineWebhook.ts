import type { Logger } from '@aws-lambda-powertools/logger';
import { lineWebhookSchema, toInboundEvent } from '../../shared/channels/line/lineWebhook';
import { verifyLineSignature } from '../../shared/channels/line/verifyLineSignature';
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
  const signature = headerValue(request.headers, 'x-line-signature');
  const refused: WebhookResponse = {
    statusCode: 401,
    body: { error: signature === undefined ? 'missing x-line-signature' : 'invalid signature' },
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
    () => lineConversationIds(json),
    receivedAt,
    (channel) => verifyLineSignature(request.rawBody, channel.secret, signature),
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
  const parsed = lineWebhookSchema.safeParse(json);
  if (!parsed.success) {
    return {
      statusCode: 400,
      body: {
        error: 'not a LINE webhook',
        problems: parsed.error.issues.slice(0, 5).map((i) => `${i.path.map((p) => forLog(String(p), 32)).join('.')}: ${i.message}`),
      },
    };
  }

  // LINE's Verify button (in the LINE Developers console) posts a signed delivery without events: the
  // one request that notes the channel's URL as verified. A delivery with events writes nothing more.
  if (parsed.data.events.length === 0) {
    await deps.store.webhookChecks.record('line', channel.channelId, channel.workspaceId, new Date(receivedAt)).catch((error: unknown) => {
      deps.logger.warn('LINE verification passed but was not recorded', { channelId: channel.channelId, error });
    });
    return { statusCode: 200, body: { ok: true, queued: 0 } };
  }

  const turns: InboundTurn[] = [];
  for (const lineEvent of parsed.data.events) {
    const action = toInboundEvent(lineEvent);
    if (action.kind === 'skip') {
      if (action.malformed)
        deps.logger.warn('skipped malformed LINE event', { channelId: channel.channelId, eventId: action.eventId, reason: action.reason });
      else deps.logger.info('skipped LINE event', { channelId: channel.channelId, eventId: action.eventId, reason: action.reason });
      continue;
    }
    turns.push({
      eventId: action.eventId,
      userId: action.userId,
      chat: action.chat,
      ...(action.speakerId ? { speakerId: action.speakerId } : {}),
      event: action.event,
      ...(action.replyToken ? { replyToken: action.replyToken } : {}),
    });
  }
  const queued = await queueTurns(channel, turns, receivedAt, deps, found.sessions);
  return { statusCode: 200, body: { ok: true, queued } };
}

/** The conversations a LINE delivery names (users; groups and rooms), as far as the unverified body says. */
function lineConversationIds(json: unknown): string[] {
  const events = (json as { events?: unknown } | null)?.events;
  if (!Array.isArray(events)) return [];
  return events.flatMap((event: unknown) => {
    const source = (event as { source?: { type?: unknown; userId?: unknown; groupId?: unknown; roomId?: unknown } } | null)?.source;
    const id =
      source?.type === 'user'
        ? source.userId
        : source?.type === 'group'
          ? source.groupId
          : source?.type === 'room'
            ? source.roomId
            : undefined;
    return isId(id) ? [id] : [];
  });
}
