import * as z from 'zod';
import { idSchema, INBOUND_LIMITS, isId, isToken, tokenSchema } from '../../domain/ids';
import type { InboundEvent } from '../../domain/inboundEvents';
import { describeIssues, forLog } from '../../logging/logValues';
import { METADATA_MAX_LENGTH, parseEchoMetadata } from '../messenger/echoReceipt';
import type { MessengerEventAction } from '../messenger/messengerWebhook';
import { fromPayload } from '../messenger/payload';

/**
 * The parts of an Instagram messaging webhook callcard acts on (docs/INSTAGRAM.md, F1–F13). Instagram
 * Direct runs on Meta's Messenger Platform: the same envelope as Messenger's with `object: 'instagram'`,
 * the professional account's id where Messenger has the page's, and the customer's Instagram-scoped id
 * (IGSID) where Messenger has the PSID. Unknown fields are ignored and every messaging event is parsed on
 * its own, so a new, odd or oversized event is skipped instead of failing the delivery.
 */

/**
 * Bounds on what a person sends. How long a customer's Instagram message may be is not confirmed
 * (Meta's 1,000 is what a business may send, docs/INSTAGRAM.md F17), so text gets callcard's general
 * bound rather than a guess that would skip a real message as malformed; the payload limit is
 * Messenger's (F18).
 */
export const INSTAGRAM_INBOUND_LIMITS = {
  text: INBOUND_LIMITS.text,
  payload: 1_000,
} as const;

/** Meta's docs say every property of a notification may arrive as a string, timestamps and flags included. */
const numberish = z.union([z.number(), z.string().max(32, 'longer than 32 characters')]);
const flag = z.union([z.boolean(), z.string().max(8, 'longer than 8 characters')]);
const payload = z.string().max(INSTAGRAM_INBOUND_LIMITS.payload, `longer than ${INSTAGRAM_INBOUND_LIMITS.payload} characters`);

/**
 * One messaging event, each field it uses bounded: IGSIDs and account ids become table keys, mids the
 * dedupe key, text and payloads go into a queued job, and all of it may reach a log line.
 */
const messagingEventSchema = z.object({
  sender: z.object({ id: idSchema.optional() }).optional(),
  recipient: z.object({ id: idSchema.optional() }).optional(),
  timestamp: numberish.optional(),
  message: z
    .object({
      mid: tokenSchema.optional(),
      text: z.string().max(INSTAGRAM_INBOUND_LIMITS.text, `longer than ${INSTAGRAM_INBOUND_LIMITS.text} characters`).optional(),
      /** Instagram echoes come on the `messages` field itself (docs/INSTAGRAM.md F3). */
      is_echo: flag.optional(),
      /** The customer unsent the message (F10). */
      is_deleted: flag.optional(),
      /** Media Instagram cannot deliver to apps, such as gifs and stickers (F10). */
      is_unsupported: flag.optional(),
      /** On echoes, if Instagram returns it as Messenger does (not confirmed, F4): callcard's delivery receipt. */
      metadata: z.string().max(METADATA_MAX_LENGTH).optional(),
      app_id: numberish.optional(),
      quick_reply: z.object({ payload: payload.optional() }).optional(),
      /** Only their types are read, to say why a message is not answered (and to spot a story mention). */
      attachments: z.array(z.unknown()).optional(),
      /** A reply to a story of the account (`story`) or to an earlier message (`mid`): only whether it is a story is read. */
      reply_to: z.object({ story: z.unknown().optional(), mid: z.unknown().optional() }).optional(),
    })
    .optional(),
  postback: z.object({ mid: tokenSchema.optional(), title: z.string().optional(), payload: payload.optional() }).optional(),
});
type MessagingEvent = z.infer<typeof messagingEventSchema>;

const entrySchema = z.object({
  /** The Instagram professional account id. */
  id: z.string().optional(),
  /** Not read. */
  time: z.unknown().optional(),
  /** Parsed one by one in {@link toInstagramEvents}. */
  messaging: z.array(z.unknown()).optional(),
  /** Events of a thread another app owns (handover): never answered. */
  standby: z.array(z.unknown()).optional(),
  /** Comments, mentions and other non-messaging fields (`changes`, or `field`/`value` on the entry itself). */
  changes: z.array(z.unknown()).optional(),
  field: z.string().optional(),
});

/** An Instagram webhook body: `{object: 'instagram', entry: [...]}`. */
export const instagramWebhookSchema = z.object({ object: z.string(), entry: z.array(entrySchema) });
export type InstagramWebhook = z.infer<typeof instagramWebhookSchema>;

/**
 * What callcard does with one Instagram messaging event: Messenger's action type, so one intake serves
 * both Meta channels. On `handle`, `psid` is the customer's IGSID and `pageId` the professional
 * account id; on `echo`, `pageId` is the account id and the claim names an `instagram:<accountId>:…` job.
 */
export type InstagramEventAction = MessengerEventAction;

/**
 * Turn an Instagram webhook into channel-neutral inbound events, one action per messaging event, in
 * order. Text becomes `text`; a quick-reply tap, a postback button or an ice breaker becomes what its
 * payload means (`fromPayload`: `action=…` is a `postback`, anything else the text of a "message" button),
 * exactly as on Messenger. A reply to one of the account's stories is answered as the text the customer
 * wrote (the story itself is not passed on). Echoes of the account's own messages, story mentions,
 * unsent and unsupported messages, attachments without text, reactions, seen receipts, referrals,
 * standby events and non-messaging entries (comments, mentions) are skipped, each with its reason.
 */
export function toInstagramEvents(body: InstagramWebhook): InstagramEventAction[] {
  if (body.object !== 'instagram') return [{ kind: 'skip', eventId: undefined, reason: `unsupported object ${forLog(body.object)}` }];
  return body.entry.flatMap((entry): InstagramEventAction[] => [
    ...(entry.messaging ?? []).map((raw) => toAction(raw, entry.id)),
    ...(entry.standby ?? []).map(standbyAction),
    ...(entry.changes !== undefined || entry.field !== undefined ? [notMessaging(entry.changes, entry.field)] : []),
  ]);
}

function notMessaging(changes: unknown[] | undefined, field: string | undefined): InstagramEventAction {
  const first = changes?.[0] as { field?: unknown } | null | undefined;
  const name = field ?? (typeof first?.field === 'string' ? first.field : 'unknown');
  return { kind: 'skip', eventId: undefined, reason: `field ${forLog(name, 32)}: not a messaging event` };
}

function midOf(raw: unknown): string | undefined {
  const event = raw as { message?: { mid?: unknown }; postback?: { mid?: unknown } } | null;
  const mid = typeof event === 'object' ? (event?.message?.mid ?? event?.postback?.mid) : undefined;
  return isToken(mid) ? mid : undefined;
}

function standbyAction(raw: unknown): InstagramEventAction {
  return { kind: 'skip', eventId: midOf(raw), reason: 'standby: another app owns the thread (handover), never answered' };
}

function toAction(raw: unknown, entryAccountId: string | undefined): InstagramEventAction {
  const parsed = messagingEventSchema.safeParse(raw);
  if (!parsed.success)
    return { kind: 'skip', eventId: midOf(raw), reason: `malformed messaging event: ${describeIssues(parsed.error)}`, malformed: true };
  if (entryAccountId !== undefined && !isId(entryAccountId))
    return { kind: 'skip', eventId: undefined, reason: 'malformed entry: id is not a plain id', malformed: true };
  const event = parsed.data;
  const igsid = event.sender?.id;
  const occurredAt = toEpochMs(event.timestamp);
  const mid = event.message?.mid ?? event.postback?.mid;
  const eventId = mid ?? (igsid !== undefined && occurredAt !== undefined ? `${igsid}@${occurredAt}` : undefined);

  // The account's own messages come back as echoes: answering them would have the bot talk to itself.
  // One that carries callcard's receipt for a job of this account is its delivery receipt.
  if (isTrue(event.message?.is_echo)) {
    const accountId = igsid ?? entryAccountId;
    const appId = event.message?.app_id;
    const claim =
      accountId === undefined
        ? undefined
        : parseEchoMetadata(event.message?.metadata, accountId, appId === undefined ? undefined : String(appId), 'instagram');
    return claim && accountId !== undefined ? { kind: 'echo', pageId: accountId, claim } : { kind: 'skip', eventId, reason: 'echo' };
  }
  if (igsid === undefined) return { kind: 'skip', eventId, reason: 'no sender id' };
  const skipped = notATurn(event);
  if (skipped !== undefined) return { kind: 'skip', eventId, reason: skipped };
  const inbound = toInbound(event);
  if (inbound === undefined) return { kind: 'skip', eventId, reason: unansweredReason(raw, event) };
  if (eventId === undefined) return { kind: 'skip', eventId, reason: 'no mid and no timestamp to deduplicate on' };
  return { kind: 'handle', eventId, pageId: event.recipient?.id ?? entryAccountId, psid: igsid, event: inbound, occurredAt };
}

/** Messages that are never a turn, whatever else they carry. */
function notATurn(event: MessagingEvent): string | undefined {
  const message = event.message;
  if (!message) return undefined;
  if (isTrue(message.is_deleted)) return 'message deleted by the customer';
  if (isTrue(message.is_unsupported)) return 'unsupported message (Instagram could not deliver its content)';
  // A story mention is a notification that someone tagged the account, not something said to it.
  if (attachmentKinds(message).includes('story_mention')) return 'story mention, not a message to answer';
  if (message.reply_to?.story !== undefined && !hasText(message.text) && !hasText(message.quick_reply?.payload))
    return 'story reply without text';
  return undefined;
}

function toInbound(event: MessagingEvent): InboundEvent | undefined {
  const { message, postback } = event;
  if (message) {
    // A quick-reply tap also carries its title as `text`; the payload is what the flow listens for.
    const quickReply = message.quick_reply?.payload;
    if (quickReply !== undefined && quickReply !== '') return fromPayload(quickReply);
    if (message.text !== undefined && message.text !== '') return { type: 'text', text: message.text };
    return undefined;
  }
  if (postback?.payload !== undefined && postback.payload !== '') return fromPayload(postback.payload);
  return undefined;
}

/**
 * Instagram's messaging events that carry no customer turn, by their key, and why none is answered
 * (webhook fields message_reactions, messaging_seen, messaging_referral, messaging_optins, message_edit).
 */
const NOT_A_TURN: Readonly<Record<string, string>> = {
  read: 'a read receipt, nothing to answer',
  reaction: 'an emoji on a message, not a trigger',
  referral: 'an ig.me link or an ad opened an existing thread, not a trigger',
  optin: 'an opt-in (marketing messages), not a trigger',
  message_edit: 'an edit of an earlier message, not a new turn',
  pass_thread_control: 'handover gave this app the thread: it answers when the person writes',
  take_thread_control: 'handover: another app took the thread',
  request_thread_control: 'handover: another app asks for the thread',
};

/** For logs: why an event with an IGSID is not answered. Never quotes a value. */
function unansweredReason(raw: unknown, event: MessagingEvent): string {
  if (event.message) {
    const kinds = attachmentKinds(event.message);
    return kinds.length ? `message with ${kinds.join(', ')} attachment, no text` : 'message without text or attachment';
  }
  if (event.postback) return 'postback without payload';
  if (typeof raw !== 'object' || raw === null) return 'unsupported event unknown';
  const key = Object.keys(raw).find((k) => !['sender', 'recipient', 'timestamp'].includes(k)) ?? 'unknown';
  const why = Object.hasOwn(NOT_A_TURN, key) ? NOT_A_TURN[key] : undefined;
  return why ? `${key}: ${why}` : `unsupported event ${forLog(key)}`;
}

/** The types of a message's attachments, at most 3, bounded for logs. */
function attachmentKinds(message: NonNullable<MessagingEvent['message']>): string[] {
  const types = (message.attachments ?? []).map((a) => {
    const attachment = a as { type?: unknown } | null;
    return typeof attachment?.type === 'string' ? forLog(attachment.type, 32) : 'unknown';
  });
  return [...new Set(types)].slice(0, 3);
}

function hasText(value: string | undefined): boolean {
  return value !== undefined && value !== '';
}

function isTrue(value: boolean | string | undefined): boolean {
  return value === true || value === 'true';
}

/** Meta sends epoch milliseconds; a string of epoch seconds is read as seconds. */
function toEpochMs(value: number | string | undefined): number | undefined {
  const n = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isFinite(n) || n <= 0) return undefined;
  return n < 1e12 ? n * 1000 : n;
}
