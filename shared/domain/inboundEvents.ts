import * as z from 'zod';
import { INBOUND_LIMITS, TOKEN_PATTERN } from './ids';

/** A message the customer typed. */
export const textEventSchema = z.object({ type: z.literal('text'), text: z.string().max(INBOUND_LIMITS.text) });
/**
 * LINE postback data or Messenger postback / quick-reply payload: `action=my_tickets&id=1`. `params`:
 * what LINE adds to the data, such as a datetime picker's choice (`date`, `time` or `datetime`).
 */
export const postbackEventSchema = z.object({
  type: z.literal('postback'),
  data: z.string().max(INBOUND_LIMITS.data),
  params: z.record(z.string().max(64), z.string().max(INBOUND_LIMITS.data)).optional(),
});
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
