import type { Logger } from '@aws-lambda-powertools/logger';
import { lineWebhookSchema, toInboundEvent } from '../../shared/channels/line/lineWebhook';
import { verifyLineSignature } from '../../shared/channels/line/verifyLineSignature';
import type { JobQueue } from '../../shared/jobs/jobQueue';
import { queueTurns, type InboundTurn } from '../../shared/jobs/queueTurns';
import type { Store } from '../../shared/store/store';
import { headerValue } from '../../shared/lambda/apiGateway';

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
  store: Store;
  queue: JobQueue;
  logger: Logger;
  now?: () => number;
}

/**
 * Take one LINE webhook delivery: verify the signature over the raw bytes before anything else, then
 * queue one turn job per new event for the channel's active flow. Nothing is written before the
 * signature holds, so a forged request leaves no trace.
 */
export async function handleLineWebhook(request: WebhookRequest, deps: LineWebhookDeps): Promise<WebhookResponse> {
  const now = deps.now ?? Date.now;
  const receivedAt = now();
  const channel = await deps.store.channels.get('line', request.channelId);
  if (!channel) return { statusCode: 404, body: { error: 'unknown channel' } };

  const signature = headerValue(request.headers, 'x-line-signature');
  if (!verifyLineSignature(request.rawBody, channel.secret, signature)) {
    deps.logger.warn('rejected LINE webhook: bad or missing signature', { channelId: request.channelId, hasSignature: signature !== undefined });
    return { statusCode: 401, body: { error: signature === undefined ? 'missing x-line-signature' : 'invalid signature' } };
  }

  let json: unknown;
  try {
    json = JSON.parse(request.rawBody.toString('utf8'));
  } catch {
    return { statusCode: 400, body: { error: 'body is not valid JSON' } };
  }
  const parsed = lineWebhookSchema.safeParse(json);
  if (!parsed.success) {
    return { statusCode: 400, body: { error: 'not a LINE webhook', problems: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`) } };
  }

  const turns: InboundTurn[] = [];
  for (const lineEvent of parsed.data.events) {
    const action = toInboundEvent(lineEvent);
    if (action.kind === 'skip') {
      deps.logger.debug('skipped LINE event', { eventId: action.eventId, reason: action.reason });
      continue;
    }
    turns.push({ eventId: action.eventId, userId: action.userId, event: action.event, ...(action.replyToken ? { replyToken: action.replyToken } : {}) });
  }
  const queued = await queueTurns(channel, turns, receivedAt, deps);
  return { statusCode: 200, body: { ok: true, queued } };
}
