import * as z from 'zod';
import { idSchema, isId, isToken, tokenSchema } from '../../domain/ids';
import type { InboundEvent } from '../../domain/inboundEvents';
import { describeIssues, forLog } from '../../logging/logValues';
import { METADATA_MAX_LENGTH, parseEchoMetadata, type EchoClaim } from './echoReceipt';
import { fromPayload } from './payload';

/**
 * The parts of a Messenger webhook callcard acts on. Unknown fields are ignored and every messaging
 * event is parsed on its own, so a new, odd or oversized event is skipped instead of failing the delivery.
 */

/** Meta's limits on what a person can send (Messenger Platform docs; the text limit is unverified). */
export const MESSENGER_LIMITS = {
  /** A text message: 2,000 characters. */
  text: 2_000,
  /** Postback and quick-reply payloads: 1,000 characters. */
  payload: 1_000,
} as const;

/** Meta's docs say every property of a notification may arrive as a string, timestamps and flags included. */
const numberish = z.union([z.number(), z.string().max(32, 'longer than 32 characters')]);
const flag = z.union([z.boolean(), z.string().max(8, 'longer than 8 characters')]);
const payload = z.string().max(MESSENGER_LIMITS.payload, `longer than ${MESSENGER_LIMITS.payload} characters`);

/**
 * One messaging event, each field it uses bounded: PSIDs and page ids become table keys, mids the
 * dedupe key, text and payloads go into a queued job (SQS: 256 KiB), and all of it may reach a log line.
 */
const messagingEventSchema = z.object({
  sender: z.object({ id: idSchema.optional(), user_ref: z.string().optional() }).optional(),
  recipient: z.object({ id: idSchema.optional() }).optional(),
  timestamp: numberish.optional(),
  message: z
    .object({
      mid: tokenSchema.optional(),
      text: z.string().max(MESSENGER_LIMITS.text, `longer than ${MESSENGER_LIMITS.text} characters`).optional(),
      is_echo: flag.optional(),
      /** On echoes: what the sending app put on the message (callcard's delivery receipt, see echoReceipt.ts). */
      metadata: z.string().max(METADATA_MAX_LENGTH).optional(),
      /** On echoes: the app that sent the message (a receipt counts only from the page's app). */
      app_id: numberish.optional(),
      quick_reply: z.object({ payload: payload.optional() }).optional(),
      /** Images, stickers, locations, shared links (`fallback`), ...: only their types are read, to say why they are not answered. */
      attachments: z.array(z.unknown()).optional(),
      /** A sticker (Meta's legacy field beside the attachment; the thumbs-up "like" is one). */
      sticker_id: numberish.optional(),
    })
    .optional(),
  postback: z.object({ mid: tokenSchema.optional(), title: z.string().optional(), payload: payload.optional() }).optional(),
  /** `messaging_account_linking`: a Log In button's outcome (the brand's `authorization_code`), or the person unlinked. */
  account_linking: z
    .object({ status: z.string().max(32, 'longer than 32 characters'), authorization_code: tokenSchema.optional() })
    .optional(),
});
type MessagingEvent = z.infer<typeof messagingEventSchema>;

const entrySchema = z.object({
  /** The page id. */
  id: z.string().optional(),
  /** Not read. */
  time: z.unknown().optional(),
  /** Parsed one by one in {@link toInboundEvents}. */
  messaging: z.array(z.unknown()).optional(),
  /**
   * Handover protocol / conversation routing: events of a thread another app owns. Never answered
   * (only the thread owner may send), each skipped with its reason.
   */
  standby: z.array(z.unknown()).optional(),
});

/**
 * A Messenger webhook body: the delivered `{object: 'page', entry: [...]}` form, or the `{field, value}`
 * form Meta's reference pages and dashboard tests show.
 */
export const messengerWebhookSchema = z.union([
  z.object({ object: z.string(), entry: z.array(entrySchema) }),
  z.object({ field: z.string(), value: z.unknown() }),
]);
export type MessengerWebhook = z.infer<typeof messengerWebhookSchema>;

/** What callcard does with one messaging event. */
export type MessengerEventAction =
  | {
      kind: 'handle';
      /** `message.mid` / `postback.mid`, or `<psid>@<timestamp>` when Meta sent no mid: the dedupe key. */
      eventId: string;
      /** The page the event was sent to (`recipient.id`, else the entry id); absent in bare `{field, value}` bodies. */
      pageId: string | undefined;
      psid: string;
      event: InboundEvent;
      /** Epoch milliseconds, when Meta gave a timestamp. */
      occurredAt: number | undefined;
    }
  /**
   * `malformed`: the event broke the webhook's shape or bounds (worth a warning), rather than being an
   * event callcard does not answer. A reason never quotes a full value from the event.
   */
  | { kind: 'skip'; eventId: string | undefined; reason: string; malformed?: true }
  /**
   * An echo whose metadata claims to be callcard's receipt for delivery `index` of `jobId`: it is one
   * once its page's check holds (echoReceipt.ts: the page's app, the tag).
   */
  | { kind: 'echo'; pageId: string; claim: EchoClaim };

/**
 * Turn a Messenger webhook into channel-neutral inbound events, one action per messaging event, in
 * order. A quick-reply tap and a postback both become `postback` events carrying their payload, so a
 * flow's `action=…` triggers serve LINE and Messenger alike (a payload that is not in that data syntax
 * is the text of a "message" button, and becomes `text`); plain text becomes `text`. Echoes of the
 * page's own messages, events without a PSID (`user_ref` senders), standby events (another app owns the
 * thread) and event types callcard does not answer (attachments only, reads, deliveries, reactions,
 * referrals, opt-ins, handovers, ...) are skipped, each with its reason. Account linking
 * (`messaging_account_linking`) becomes an `accountLink` event: `linked` as `ok` with the brand's
 * `authorization_code` as its nonce, `unlinked`.
 */
export function toInboundEvents(body: MessengerWebhook): MessengerEventAction[] {
  if ('field' in body) {
    // Only the messaging fields carry a messaging event as their value.
    if (!/^messag/.test(body.field)) return [{ kind: 'skip', eventId: undefined, reason: `unsupported field ${forLog(body.field)}` }];
    return [toAction(body.value, undefined)];
  }
  if (body.object !== 'page') return [{ kind: 'skip', eventId: undefined, reason: `unsupported object ${forLog(body.object)}` }];
  return body.entry.flatMap((entry) => [
    ...(entry.messaging ?? []).map((raw) => toAction(raw, entry.id)),
    ...(entry.standby ?? []).map(standbyAction),
  ]);
}

/**
 * A standby event: the thread belongs to another app (a person in the page inbox, another bot), so
 * callcard never answers it, whatever it holds; not even an echo of it is a receipt of callcard's.
 */
function standbyAction(raw: unknown): MessengerEventAction {
  const event = raw as { message?: { mid?: unknown }; postback?: { mid?: unknown } } | null;
  const mid = typeof event === 'object' ? (event?.message?.mid ?? event?.postback?.mid) : undefined;
  return {
    kind: 'skip',
    eventId: isToken(mid) ? mid : undefined,
    reason: 'standby: another app owns the thread (handover), never answered',
  };
}

function toAction(raw: unknown, entryPageId: string | undefined): MessengerEventAction {
  const parsed = messagingEventSchema.safeParse(raw);
  if (!parsed.success) {
    const event = raw as { message?: { mid?: unknown }; postback?: { mid?: unknown } } | null;
    const mid = typeof event === 'object' ? (event?.message?.mid ?? event?.postback?.mid) : undefined;
    return {
      kind: 'skip',
      eventId: isToken(mid) ? mid : undefined,
      reason: `malformed messaging event: ${describeIssues(parsed.error)}`,
      malformed: true,
    };
  }
  if (entryPageId !== undefined && !isId(entryPageId))
    return { kind: 'skip', eventId: undefined, reason: 'malformed entry: id is not a plain id', malformed: true };
  const event = parsed.data;
  const psid = event.sender?.id;
  const occurredAt = toEpochMs(event.timestamp);
  const mid = event.message?.mid ?? event.postback?.mid;
  const eventId = mid ?? (psid !== undefined && occurredAt !== undefined ? `${psid}@${occurredAt}` : undefined);

  // The page's own messages come back as echoes; answering them would have the bot talk to itself.
  // An echo of callcard's own message is its delivery receipt; the others (a person answering from
  // the page inbox, another app) are skipped.
  if (isTrue(event.message?.is_echo)) {
    const pageId = psid ?? entryPageId;
    const appId = event.message?.app_id;
    const claim =
      pageId === undefined
        ? undefined
        : parseEchoMetadata(event.message?.metadata, pageId, appId === undefined ? undefined : String(appId));
    return claim && pageId !== undefined ? { kind: 'echo', pageId, claim } : { kind: 'skip', eventId, reason: 'echo' };
  }
  if (psid === undefined)
    return { kind: 'skip', eventId, reason: event.sender?.user_ref !== undefined ? 'user_ref sender, no PSID' : 'no sender id' };
  const inbound = toInbound(event);
  if (inbound === undefined) return { kind: 'skip', eventId, reason: unansweredReason(raw, event) };
  if (eventId === undefined) return { kind: 'skip', eventId, reason: 'no mid and no timestamp to deduplicate on' };
  return { kind: 'handle', eventId, pageId: event.recipient?.id ?? entryPageId, psid, event: inbound, occurredAt };
}

function toInbound(event: MessagingEvent): InboundEvent | undefined {
  const { message, postback, account_linking: linking } = event;
  if (linking && !message && !postback) {
    // A linkAccount block's Log In button was used (linked, with what the brand passed through), or the person unlinked.
    if (linking.status === 'unlinked') return { type: 'accountLink', result: 'unlinked' };
    if (linking.status === 'linked')
      return linking.authorization_code
        ? { type: 'accountLink', result: 'ok', nonce: linking.authorization_code }
        : { type: 'accountLink', result: 'failed' };
    return undefined;
  }
  if (message) {
    // A quick-reply tap also carries its title as `text`; the payload is what the flow listens for.
    const payload = message.quick_reply?.payload;
    if (payload !== undefined && payload !== '') return fromPayload(payload);
    if (message.text !== undefined && message.text !== '') return { type: 'text', text: message.text };
    return undefined;
  }
  if (postback?.payload !== undefined && postback.payload !== '') return fromPayload(postback.payload);
  return undefined;
}

/**
 * Meta's messaging events that carry no customer turn, by their key, and why none is answered. Each is a
 * webhook field an app may subscribe to (message_reads, message_deliveries, message_reactions,
 * messaging_referrals, messaging_optins, messaging_handovers, messaging_account_linking, message_edits).
 */
const NOT_A_TURN: Readonly<Record<string, string>> = {
  read: 'a read receipt, nothing to answer',
  delivery: 'a delivery receipt, nothing to answer',
  reaction: 'an emoji on a message, not a trigger',
  referral: 'an m.me link or an ad opened an existing thread, not a trigger',
  optin: 'an opt-in (marketing messages, plugin), not a trigger',
  pass_thread_control: 'handover gave this app the thread: it answers when the person writes',
  take_thread_control: 'handover: another app took the thread',
  request_thread_control: 'handover: another app asks for the thread',
  app_roles: 'handover: app roles changed',
  account_linking: 'an account-linking status callcard does not know',
  message_edit: 'an edit of an earlier message, not a new turn',
};

/**
 * For logs: why an event that is not an echo and has a PSID is not answered, e.g. `message with
 * sticker attachment, no text` or `read: a read receipt, nothing to answer`. Never quotes a value.
 */
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

/** The kinds of a message's attachments (at most 3, bounded for logs); a sticker says so, whatever type Meta gave it. */
function attachmentKinds(message: NonNullable<MessagingEvent['message']>): string[] {
  const types = (message.attachments ?? []).map((a) => {
    const attachment = a as { type?: unknown; payload?: { sticker_id?: unknown } | null } | null;
    if (attachment?.payload?.sticker_id !== undefined) return 'sticker';
    return typeof attachment?.type === 'string' ? forLog(attachment.type, 32) : 'unknown';
  });
  if (message.sticker_id !== undefined) types.unshift('sticker');
  return [...new Set(types)].slice(0, 3);
}

function isTrue(value: boolean | string | undefined): boolean {
  return value === true || value === 'true';
}

/** Meta sends epoch milliseconds; the `{field, value}` examples show epoch seconds as a string. */
function toEpochMs(value: number | string | undefined): number | undefined {
  const n = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isFinite(n) || n <= 0) return undefined;
  return n < 1e12 ? n * 1000 : n;
}

/**
 * The sender ids of a Messenger delivery's messaging events, as far as the unverified body says. An
 * echo's sender is the page itself, which has no session to read.
 */
export function messengerSenderIds(json: unknown): string[] {
  const entries = (json as { entry?: unknown } | null)?.entry;
  if (!Array.isArray(entries)) return [];
  return entries.flatMap((entry: unknown) => {
    const messaging = (entry as { messaging?: unknown } | null)?.messaging;
    if (!Array.isArray(messaging)) return [];
    return messaging.flatMap((event: unknown) => {
      const { sender, message } = (event ?? {}) as { sender?: { id?: unknown }; message?: { is_echo?: unknown } };
      return isId(sender?.id) && message?.is_echo !== true ? [sender.id] : [];
    });
  });
}
