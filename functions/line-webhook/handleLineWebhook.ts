import { lineAdapter } from '../../shared/channels/line/lineAdapter';
import { queueTurns, type InboundTurn } from '../../shared/intake/queueTurns';
import { NOT_JSON } from '../../shared/lambda/apiGateway';
import { receiveWebhook, type WebhookDeps, type WebhookRequest, type WebhookResponse } from '../../shared/lambda/receiveWebhook';

export type { WebhookRequest, WebhookResponse } from '../../shared/lambda/receiveWebhook';

export type LineWebhookDeps = WebhookDeps;

/**
 * Take one LINE webhook delivery: verify the signature over the raw bytes before anything else
 * (shared/lambda/receiveWebhook.ts: an unknown channel is answered like a bad signature, 401), then
 * queue one turn job per new event one of the channel's active flows answers. A signed event that
 * breaks its bounds (ids, text, tokens) is skipped and logged, and the rest of the delivery is served;
 * only a body that is not a LINE webhook at all is a 400.
 */
export async function handleLineWebhook(request: WebhookRequest, deps: LineWebhookDeps): Promise<WebhookResponse> {
  return receiveWebhook(request, deps, {
    adapter: lineAdapter,
    async serve(json, { channel, sessions }, receivedAt) {
      if (json === NOT_JSON) return { statusCode: 400, body: { error: 'body is not valid JSON' } };
      const parsed = lineAdapter.parseDelivery(json);
      if (!parsed.ok) return { statusCode: 400, body: parsed.answer };

      // LINE's Verify button (in the LINE Developers console) posts a signed delivery without events: the
      // one request that notes the channel's URL as verified. A delivery with events writes nothing more.
      if (parsed.verification) {
        await deps.store.webhookChecks
          .record('line', channel.channelId, channel.workspaceId, new Date(receivedAt))
          .catch((error: unknown) => {
            deps.logger.warn('LINE verification passed but was not recorded', { channelId: channel.channelId, error });
          });
        return { statusCode: 200, body: { ok: true, queued: 0 } };
      }

      const turns: InboundTurn[] = [];
      for (const action of parsed.events) {
        if (action.kind === 'skip') {
          if (action.malformed)
            deps.logger.warn('skipped malformed LINE event', {
              channelId: channel.channelId,
              eventId: action.eventId,
              reason: action.reason,
            });
          else deps.logger.info('skipped LINE event', { channelId: channel.channelId, eventId: action.eventId, reason: action.reason });
          continue;
        }
        if (action.kind === 'turn') turns.push(action.turn);
      }
      const queued = await queueTurns(channel, turns, receivedAt, deps, sessions);
      return { statusCode: 200, body: { ok: true, queued } };
    },
  });
}
