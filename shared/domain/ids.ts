import * as z from 'zod';

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

export const idSchema = z
  .string()
  .max(INBOUND_LIMITS.id, `longer than ${INBOUND_LIMITS.id} characters`)
  .regex(ID_PATTERN, 'not a plain id (letters, digits, . _ -)');
export const tokenSchema = z
  .string()
  .max(INBOUND_LIMITS.token, `longer than ${INBOUND_LIMITS.token} characters`)
  .regex(TOKEN_PATTERN, 'not printable ASCII');

/** Whether `value` is an id callcard will put in a key ({@link idSchema}). */
export function isId(value: unknown): value is string {
  return typeof value === 'string' && value.length <= INBOUND_LIMITS.id && ID_PATTERN.test(value);
}

/** Whether `value` is a token callcard will put in a key or a job ({@link tokenSchema}). */
export function isToken(value: unknown): value is string {
  return typeof value === 'string' && value.length <= INBOUND_LIMITS.token && TOKEN_PATTERN.test(value);
}
