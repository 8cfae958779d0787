import * as z from 'zod';
import { describeIssues, forLog, ID_PATTERN, idSchema, INBOUND_LIMITS, isId, TOKEN_PATTERN, type InboundEvent } from '../../jobs/job';

/** LINE's own limits on what a customer can send (Messaging API reference). */
export const LINE_LIMITS = {
  /** A text message: 5,000 characters. */
  text: 5_000,
  /** Postback data: 300 characters. */
  postbackData: 300,
  /** Reply tokens are ~32 characters; anything longer than this is not LINE. */
  replyToken: INBOUND_LIMITS.id,
} as const;

/** A type or mode name: short, so it can go into a skip reason and a log line. */
const name = z.string().max(64, 'longer than 64 characters');

/**
 * The parts of a LINE event callcard acts on, each bounded: ids become table keys, text and tokens go
 * into a queued job (SQS: 256 KiB), and all of it may reach a log line. Unknown event types and extra
 * fields pass through (LINE adds new ones), so a new event type never turns a whole delivery into an error.
 */
const userIdSchema = z
  .string()
  .max(INBOUND_LIMITS.id, `longer than ${INBOUND_LIMITS.id} characters`)
  .refine((id) => id === '' || ID_PATTERN.test(id), 'not a plain id (letters, digits, . _ -)');
const sourceSchema = z.object({ type: name, userId: userIdSchema.optional() }).passthrough();

export const lineEventSchema = z
  .object({
    type: name,
    mode: name.optional(),
    timestamp: z.number(),
    webhookEventId: idSchema,
    deliveryContext: z.object({ isRedelivery: z.boolean() }).passthrough().optional(),
    source: sourceSchema.optional(),
    replyToken: z.string().max(LINE_LIMITS.replyToken, `longer than ${LINE_LIMITS.replyToken} characters`).regex(TOKEN_PATTERN, 'not printable ASCII').optional(),
    message: z.object({ type: name, text: z.string().max(LINE_LIMITS.text, `longer than ${LINE_LIMITS.text} characters`).optional() }).passthrough().optional(),
    postback: z.object({ data: z.string().max(LINE_LIMITS.postbackData, `longer than ${LINE_LIMITS.postbackData} characters`) }).passthrough().optional(),
  })
  .passthrough();
export type LineEvent = z.infer<typeof lineEventSchema>;

/**
 * A LINE webhook body: its envelope. Each event is read on its own by {@link toInboundEvent}, so one
 * malformed or oversized event is skipped without losing the others of its delivery.
 */
export const lineWebhookSchema = z.object({
  destination: z.string().optional(),
  events: z.array(z.unknown()),
});
export type LineWebhook = z.infer<typeof lineWebhookSchema>;

/** What callcard does with one LINE event. */
export type LineEventAction =
  | { kind: 'handle'; eventId: string; userId: string; replyToken: string | undefined; event: InboundEvent; occurredAt: number }
  /**
   * `eventId` is absent when the event had no usable one. `malformed`: the event broke the webhook's
   * shape or bounds (worth a warning), rather than being an event callcard does not answer.
   */
  | { kind: 'skip'; eventId: string | undefined; reason: string; malformed?: true };

/**
 * Turn one LINE event (as delivered, unchecked) into a channel-neutral inbound event, or say why it is
 * skipped. The reason never holds a full value from the event: only field paths, bounds, and names
 * that passed their bounds.
 */
export function toInboundEvent(raw: unknown): LineEventAction {
  const parsed = lineEventSchema.safeParse(raw);
  if (!parsed.success) {
    const webhookEventId = (raw as { webhookEventId?: unknown } | null)?.webhookEventId;
    return { kind: 'skip', eventId: isId(webhookEventId) ? webhookEventId : undefined, reason: `malformed event: ${describeIssues(parsed.error)}`, malformed: true };
  }
  const event = parsed.data;
  const eventId = event.webhookEventId;
  // Standby: another channel (e.g. a chat module) owns the conversation; there is no reply token.
  if (event.mode === 'standby') return { kind: 'skip', eventId, reason: 'standby' };
  // Group and room chats would need their own conversation key and push target: not served yet.
  if (event.source?.type !== 'user') return { kind: 'skip', eventId, reason: `source ${forLog(event.source?.type ?? 'missing')} not served` };
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
  return { kind: 'skip', eventId, reason: `unsupported event ${forLog(event.type)}${event.message ? `/${forLog(event.message.type)}` : ''}` };
}
