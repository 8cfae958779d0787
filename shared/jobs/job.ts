import * as z from 'zod';

export const channelKindSchema = z.enum(['line', 'messenger']);
export type ChannelKind = z.infer<typeof channelKindSchema>;

/**
 * The kind of chat a conversation is: one-to-one with a customer (`user`, every Messenger chat), or a
 * LINE group or multi-person chat (`group`, `room`), whose members all see every answer.
 */
export const chatTypeSchema = z.enum(['user', 'group', 'room']);
export type ChatType = z.infer<typeof chatTypeSchema>;

/**
 * Bounds on what a webhook lets through, so every value that becomes a table key, a queued job or a log
 * entry has a known size (DynamoDB keys: 2,048 bytes; an SQS message: 256 KiB). Each is generous next to
 * what LINE and Meta send (LINE: user id `U` + 32 hex, webhookEventId a 26-character ULID, reply token ~32
 * characters, text ≤ 5,000, postback data ≤ 300; Messenger: numeric PSIDs and page ids, mids of ~100
 * characters, text ≤ 2,000, payloads ≤ 1,000). Channel-specific limits live beside each webhook's schema.
 */
export const INBOUND_LIMITS = {
  /** User ids, page / channel ids, LINE webhookEventIds. */
  id: 128,
  /** Opaque tokens: LINE reply tokens, Messenger mids. */
  token: 512,
  /** Customer text, the longer of LINE (5,000) and Messenger (2,000). */
  text: 5_000,
  /** Postback data or payload, the longer of LINE (300) and Messenger (1,000). */
  data: 1_000,
} as const;

/**
 * An id that may become part of a table key: letters, digits, `.`, `_`, `-`, starting with a letter or
 * digit (the charset the admin API accepts for channel and user ids, so every customer stays addressable).
 */
export const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
/** An opaque token (mid, reply token): printable ASCII without spaces. */
export const TOKEN_PATTERN = /^[!-~]+$/;

export const idSchema = z.string().max(INBOUND_LIMITS.id, `longer than ${INBOUND_LIMITS.id} characters`).regex(ID_PATTERN, 'not a plain id (letters, digits, . _ -)');
export const tokenSchema = z.string().max(INBOUND_LIMITS.token, `longer than ${INBOUND_LIMITS.token} characters`).regex(TOKEN_PATTERN, 'not printable ASCII');

/** Whether `value` is an id callcard will put in a key ({@link idSchema}). */
export function isId(value: unknown): value is string {
  return typeof value === 'string' && value.length <= INBOUND_LIMITS.id && ID_PATTERN.test(value);
}

/** Whether `value` is a token callcard will put in a key or a job ({@link tokenSchema}). */
export function isToken(value: unknown): value is string {
  return typeof value === 'string' && value.length <= INBOUND_LIMITS.token && TOKEN_PATTERN.test(value);
}

/**
 * A value from a request, safe to log: short plain strings as they are, anything else as its kind and
 * length (never the full value of a field that failed its bound).
 */
export function forLog(value: unknown, max = 64): string {
  if (typeof value === 'string') return value.length <= max && /^[\w .:@/=+$-]*$/.test(value) ? value : `<string of ${value.length} characters>`;
  if (value === undefined || value === null) return String(value);
  return `<${Array.isArray(value) ? 'array' : typeof value}>`;
}

/** A message the customer typed. */
export const textEventSchema = z.object({ type: z.literal('text'), text: z.string().max(INBOUND_LIMITS.text) });
/**
 * LINE postback data or Messenger postback / quick-reply payload: `action=my_tickets&id=1`. `params`:
 * what LINE adds to the data, such as a datetime picker's choice (`date`, `time` or `datetime`).
 */
export const postbackEventSchema = z.object({ type: z.literal('postback'), data: z.string().max(INBOUND_LIMITS.data), params: z.record(z.string().max(64), z.string().max(INBOUND_LIMITS.data)).optional() });
/** The customer followed (added) the account. */
export const followEventSchema = z.object({ type: z.literal('follow') });

/**
 * The customer linked their account at the brand through the channel, or unlinked it: LINE's
 * `accountLink` event (`ok` or `failed`, with the `nonce` the brand put in its redirect) or Messenger's
 * `messaging_account_linking` (`linked` as `ok`, with the brand's `authorization_code` as `nonce`;
 * `unlinked`). The channel vouches that the person who signed in at the brand is this customer; the
 * nonce is what the brand resolves to the member (`link.nonce` in templates).
 */
export const accountLinkEventSchema = z.object({
  type: z.literal('accountLink'),
  result: z.enum(['ok', 'failed', 'unlinked']),
  nonce: z.string().min(1).max(INBOUND_LIMITS.token).regex(TOKEN_PATTERN, 'not printable ASCII').optional(),
});
export type AccountLinkEvent = z.infer<typeof accountLinkEventSchema>;

/** A callback's body is at most this long (characters): far below SQS's 256 KiB with the rest of the job. */
export const CALLBACK_BODY_MAX = 64 * 1024;

/**
 * The brand answered a card that waits for a callback (`callback`): `ok`, its signed POST to the
 * callback URL came, with the raw body the card judges as it would a direct answer; `timeout`, none
 * came within the card's `callback.timeoutSeconds` (the failure path, reason `callback_timeout`).
 * `callbackId` must be the one the conversation waits on: anything else resumes nothing.
 */
export const callbackEventSchema = z.object({
  type: z.literal('callback'),
  callbackId: z.string().min(1).max(64),
  result: z.enum(['ok', 'timeout']),
  body: z.string().max(CALLBACK_BODY_MAX).optional(),
});
export type CallbackEvent = z.infer<typeof callbackEventSchema>;

/** What a customer did, independent of the channel. */
export const inboundEventSchema = z.discriminatedUnion('type', [
  textEventSchema,
  postbackEventSchema,
  followEventSchema,
  accountLinkEventSchema,
  callbackEventSchema,
  /**
   * The conversation is over on the channel's side: the customer blocked the account (LINE `unfollow`)
   * or the bot left or was removed from a group or room (LINE `leave`). Its open conversation is closed.
   */
  z.object({ type: z.literal('closed'), by: z.enum(['unfollow', 'leave']) }),
]);
export type InboundEvent = z.infer<typeof inboundEventSchema>;

/**
 * One conversation turn, queued by a webhook and run by the executor. Jobs of one conversation share a
 * FIFO message group, so they never overtake each other. Every field is bounded, so a job stays far
 * below SQS's 256 KiB ({@link turnJobProblem} checks the serialised size as well).
 */
export const turnJobSchema = z.object({
  v: z.literal(1),
  /** `kind:channelId:eventId`. */
  jobId: z.string().min(1).max(1_024),
  workspaceId: z.string().min(1).max(256),
  channel: z.object({ kind: channelKindSchema, id: z.string().min(1).max(INBOUND_LIMITS.id) }),
  /** The conversation: the customer in a one-to-one chat, the LINE group or room id in a group or room chat. */
  userId: z.string().min(1).max(INBOUND_LIMITS.id),
  /** The kind of chat `userId` is; absent: one-to-one (`user`). */
  chat: chatTypeSchema.optional(),
  /** In a group or room chat, the LINE user who spoke, when LINE names them (`trigger.speakerId` in templates). */
  speakerId: z.string().min(1).max(INBOUND_LIMITS.id).optional(),
  event: inboundEventSchema,
  replyToken: z.string().max(INBOUND_LIMITS.token).optional(),
  /** When callcard received the event (ms): the reply token's life counts from here. */
  receivedAt: z.number(),
  /** The flow version that was active when the event arrived. */
  flow: z.object({ flowId: z.string().min(1).max(256), version: z.number().int().min(1) }),
  /**
   * A turn played in the console's chat simulator (functions/admin/simulatorRoutes.ts): the flow runs
   * for real, brand calls included, but its answers are kept for the console (shared/store/simulator.ts)
   * instead of being sent to LINE or Meta. Its customer is always a simulated one (`sim-…`).
   */
  simulator: z.literal(true).optional(),
});
export type TurnJob = z.infer<typeof turnJobSchema>;

/** SQS's largest message body. */
export const MAX_TURN_JOB_BYTES = 256 * 1024;

/** Why a job cannot be queued (a field past its bound, or too large for SQS), or undefined when it can. */
export function turnJobProblem(job: TurnJob): string | undefined {
  const parsed = turnJobSchema.safeParse(job);
  if (!parsed.success) return parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
  const bytes = Buffer.byteLength(JSON.stringify(job), 'utf8');
  return bytes > MAX_TURN_JOB_BYTES ? `${bytes} bytes, more than SQS's ${MAX_TURN_JOB_BYTES}` : undefined;
}

/** The FIFO group of a conversation: one customer, or one LINE group or room, on one channel. */
export function conversationKey(job: Pick<TurnJob, 'channel' | 'userId'>): string {
  return `${job.channel.kind}:${job.channel.id}:${job.userId}`;
}

/** A zod error as `path: message` pairs for a log line (the messages never quote the value itself). */
export function describeIssues(error: z.ZodError, max = 3): string {
  const described = error.issues.slice(0, max).map((issue) => `${issue.path.map((p) => forLog(String(p), 32)).join('.') || '(root)'}: ${issue.message}`);
  return error.issues.length > max ? `${described.join('; ')}; …` : described.join('; ');
}
