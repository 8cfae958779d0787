import * as z from 'zod';
import type { InboundEvent } from '../../jobs/job';

/**
 * The parts of a LINE webhook callcard acts on. Unknown event types and extra fields pass through
 * (LINE adds new ones), so a new event type never turns a whole delivery into an error.
 */
const sourceSchema = z.object({ type: z.string(), userId: z.string().optional() }).passthrough();

const lineEventSchema = z
  .object({
    type: z.string(),
    mode: z.string().optional(),
    timestamp: z.number(),
    webhookEventId: z.string().min(1),
    deliveryContext: z.object({ isRedelivery: z.boolean() }).passthrough().optional(),
    source: sourceSchema.optional(),
    replyToken: z.string().optional(),
    message: z.object({ type: z.string(), text: z.string().optional() }).passthrough().optional(),
    postback: z.object({ data: z.string() }).passthrough().optional(),
  })
  .passthrough();
export type LineEvent = z.infer<typeof lineEventSchema>;

export const lineWebhookSchema = z.object({
  destination: z.string().optional(),
  events: z.array(lineEventSchema),
});
export type LineWebhook = z.infer<typeof lineWebhookSchema>;

/** What callcard does with one LINE event. */
export type LineEventAction =
  | { kind: 'handle'; eventId: string; userId: string; replyToken: string | undefined; event: InboundEvent; occurredAt: number }
  | { kind: 'skip'; eventId: string; reason: string };

/** Turn a LINE event into a channel-neutral inbound event, or say why it is skipped. */
export function toInboundEvent(event: LineEvent): LineEventAction {
  const eventId = event.webhookEventId;
  // Standby: another channel (e.g. a chat module) owns the conversation; there is no reply token.
  if (event.mode === 'standby') return { kind: 'skip', eventId, reason: 'standby' };
  // Group and room chats would need their own conversation key and push target: not served yet.
  if (event.source?.type !== 'user') return { kind: 'skip', eventId, reason: `source ${event.source?.type ?? 'missing'} not served` };
  const userId = event.source.userId;
  if (!userId) return { kind: 'skip', eventId, reason: 'no user id' };
  const base = { kind: 'handle' as const, eventId, userId, replyToken: event.replyToken, occurredAt: event.timestamp };
  if (event.type === 'message' && event.message?.type === 'text' && event.message.text !== undefined) {
    return { ...base, event: { type: 'text', text: event.message.text } };
  }
  if (event.type === 'postback' && event.postback) {
    return { ...base, event: { type: 'postback', data: event.postback.data } };
  }
  if (event.type === 'follow') return { ...base, event: { type: 'follow' } };
  return { kind: 'skip', eventId, reason: `unsupported event ${event.type}${event.message ? `/${event.message.type}` : ''}` };
}
