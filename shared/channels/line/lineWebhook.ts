import * as z from 'zod';
import type { ChatType } from '../../domain/channelKinds';
import { ID_PATTERN, idSchema, INBOUND_LIMITS, isId, TOKEN_PATTERN } from '../../domain/ids';
import type { InboundEvent } from '../../domain/inboundEvents';
import { describeIssues, forLog } from '../../logging/logValues';

/** LINE's own limits on what a customer can send (Messaging API reference). */
export const LINE_LIMITS = {
  /** A text message: 5,000 characters. */
  text: 5_000,
  /** Postback data: 300 characters. */
  postbackData: 300,
  /** Reply tokens are ~32 characters; anything longer than this is not LINE. */
  replyToken: INBOUND_LIMITS.id,
  /** What LINE adds to a postback (`date`, `time`, `datetime`; a rich menu alias and status): a few short strings. */
  postbackParams: 8,
  postbackParamValue: 128,
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
/** Who an event came from: a user (one-to-one), or a group or room with the member who spoke when LINE names them. */
const sourceSchema = z
  .object({ type: name, userId: userIdSchema.optional(), groupId: userIdSchema.optional(), roomId: userIdSchema.optional() })
  .passthrough();
const postbackParamsSchema = z
  .record(name, z.string().max(LINE_LIMITS.postbackParamValue, `longer than ${LINE_LIMITS.postbackParamValue} characters`))
  .refine((params) => Object.keys(params).length <= LINE_LIMITS.postbackParams, `more than ${LINE_LIMITS.postbackParams} parameters`);

export const lineEventSchema = z
  .object({
    type: name,
    mode: name.optional(),
    timestamp: z.number(),
    webhookEventId: idSchema,
    deliveryContext: z.object({ isRedelivery: z.boolean() }).passthrough().optional(),
    source: sourceSchema.optional(),
    replyToken: z
      .string()
      .max(LINE_LIMITS.replyToken, `longer than ${LINE_LIMITS.replyToken} characters`)
      .regex(TOKEN_PATTERN, 'not printable ASCII')
      .optional(),
    message: z
      .object({ type: name, text: z.string().max(LINE_LIMITS.text, `longer than ${LINE_LIMITS.text} characters`).optional() })
      .passthrough()
      .optional(),
    postback: z
      .object({
        data: z.string().max(LINE_LIMITS.postbackData, `longer than ${LINE_LIMITS.postbackData} characters`),
        params: postbackParamsSchema.optional(),
      })
      .passthrough()
      .optional(),
    /** An `accountLink` event's outcome: `ok` or `failed`, and the nonce the brand put in its redirect to LINE. */
    link: z
      .object({
        result: name,
        nonce: z
          .string()
          .max(INBOUND_LIMITS.token, `longer than ${INBOUND_LIMITS.token} characters`)
          .regex(TOKEN_PATTERN, 'not printable ASCII')
          .optional(),
      })
      .passthrough()
      .optional(),
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
  | {
      kind: 'handle';
      eventId: string;
      /** The conversation: the user in a one-to-one chat, the group or room id in a group or room chat. */
      userId: string;
      chat: ChatType;
      /** In a group or room, the member who spoke, when LINE names them (only in message events, and not for every app). */
      speakerId?: string;
      replyToken: string | undefined;
      event: InboundEvent;
      occurredAt: number;
    }
  /**
   * `eventId` is absent when the event had no usable one. `malformed`: the event broke the webhook's
   * shape or bounds (worth a warning), rather than being an event callcard does not answer.
   */
  | { kind: 'skip'; eventId: string | undefined; reason: string; malformed?: true };

const NOT_A_MODULE = 'callcard is not a module channel';

/**
 * The event types of LINE's webhook schema that callcard does not answer, each with why (logged as
 * `type: why`, {@link skipReason}). Whatever is not here and not handled below is skipped as
 * unsupported, so a type LINE adds later is never an error.
 */
export const SKIPPED_LINE_EVENTS: Readonly<Record<string, string>> = {
  join: 'answers come when a member writes',
  memberJoined: 'new members are not greeted',
  memberLeft: 'the group goes on',
  unsend: 'no message is kept to take back',
  messageEdited: 'an edit is not a new message',
  beacon: 'no beacon trigger',
  things: 'LINE Things is not used',
  videoPlayComplete: 'no video trigger',
  membership: 'no membership trigger',
  module: NOT_A_MODULE,
  activated: NOT_A_MODULE,
  deactivated: NOT_A_MODULE,
  botSuspended: NOT_A_MODULE,
  botResumed: NOT_A_MODULE,
  delivery: 'notification receipts are not used',
};

/** Why an event of this type is skipped (`join: answers come when a member writes`), if callcard skips the type. */
export function skipReason(type: string): string | undefined {
  return Object.hasOwn(SKIPPED_LINE_EVENTS, type) ? `${type}: ${SKIPPED_LINE_EVENTS[type]}` : undefined;
}

/** Message types a customer can send that callcard does not read: flows answer text (and postbacks). */
const UNREAD_MESSAGE_TYPES: ReadonlySet<string> = new Set(['image', 'video', 'audio', 'file', 'location', 'sticker']);

type Source = z.infer<typeof sourceSchema>;

/** The conversation an event belongs to, or why it has none callcard can answer in. */
function conversationOf(source: Source | undefined): { chat: ChatType; id: string; speakerId?: string } | { skip: string } {
  const type = source?.type;
  if (type !== 'user' && type !== 'group' && type !== 'room') return { skip: `source ${forLog(type ?? 'missing')} not served` };
  const id = type === 'user' ? source?.userId : type === 'group' ? source?.groupId : source?.roomId;
  if (!id) return { skip: `no ${type} id` };
  // In a group or room, `userId` is the member who spoke (LINE gives it in message events only).
  return type === 'user' || !source?.userId ? { chat: type, id } : { chat: type, id, speakerId: source.userId };
}

/**
 * Turn one LINE event (as delivered, unchecked) into a channel-neutral inbound event, or say why it is
 * skipped. The reason never holds a full value from the event: only field paths, bounds, and names
 * that passed their bounds.
 *
 * A group or room chat is one conversation (its id is the `userId` the job carries); the member who
 * spoke is `speakerId`. A text, a postback, a follow or a one-to-one `accountLink` (a linkAccount
 * block's outcome: `ok` with the brand's nonce, or `failed`) is a turn; an `unfollow` (the customer blocked
 * the account) or a `leave` (the bot left a group or room) closes the conversation; every other event
 * type is skipped with its reason ({@link skipReason}).
 */
export function toInboundEvent(raw: unknown): LineEventAction {
  const parsed = lineEventSchema.safeParse(raw);
  if (!parsed.success) {
    const webhookEventId = (raw as { webhookEventId?: unknown } | null)?.webhookEventId;
    return {
      kind: 'skip',
      eventId: isId(webhookEventId) ? webhookEventId : undefined,
      reason: `malformed event: ${describeIssues(parsed.error)}`,
      malformed: true,
    };
  }
  const event = parsed.data;
  const eventId = event.webhookEventId;
  // Standby: another channel (e.g. a chat module) owns the conversation; there is no reply token.
  if (event.mode === 'standby') return { kind: 'skip', eventId, reason: 'standby' };
  const skipped = skipReason(event.type);
  if (skipped) return { kind: 'skip', eventId, reason: skipped };
  if (event.type === 'message' && event.message && UNREAD_MESSAGE_TYPES.has(event.message.type)) {
    return { kind: 'skip', eventId, reason: `message/${event.message.type}: only text messages are answered` };
  }
  const conversation = conversationOf(event.source);
  if ('skip' in conversation) return { kind: 'skip', eventId, reason: conversation.skip };
  const base = {
    kind: 'handle' as const,
    eventId,
    userId: conversation.id,
    chat: conversation.chat,
    ...(conversation.speakerId ? { speakerId: conversation.speakerId } : {}),
    replyToken: event.replyToken,
    occurredAt: event.timestamp,
  };
  const oneToOne = conversation.chat === 'user';
  if (event.type === 'message' && event.message?.type === 'text' && event.message.text !== undefined) {
    return { ...base, event: { type: 'text', text: event.message.text } };
  }
  if (event.type === 'postback' && event.postback) {
    const { data, params } = event.postback;
    return { ...base, event: { type: 'postback', data, ...(params && Object.keys(params).length ? { params } : {}) } };
  }
  if (event.type === 'follow' && oneToOne) return { ...base, event: { type: 'follow' } };
  if (event.type === 'accountLink' && oneToOne && event.link) {
    // A linkAccount block's button was used: `ok` with the brand's nonce, or `failed` (no reply token then).
    const { result, nonce } = event.link;
    if (result === 'ok' && nonce) return { ...base, event: { type: 'accountLink', result: 'ok', nonce } };
    if (result === 'failed' || result === 'ok') return { ...base, event: { type: 'accountLink', result: 'failed' } };
    return { kind: 'skip', eventId, reason: `accountLink: unknown result ${forLog(result)}` };
  }
  if (event.type === 'unfollow' && oneToOne) return { ...base, event: { type: 'closed', by: 'unfollow' } };
  if (event.type === 'leave' && !oneToOne) return { ...base, event: { type: 'closed', by: 'leave' } };
  return {
    kind: 'skip',
    eventId,
    reason: `unsupported event ${forLog(event.type)}${event.message ? `/${forLog(event.message.type)}` : ''}`,
  };
}

/** The conversations a LINE delivery names (users; groups and rooms), as far as the unverified body says. */
export function lineConversationIds(json: unknown): string[] {
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
