import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { signingKey } from '../http/signRequest';

/**
 * Callbacks: a card with `callback` gives the brand a URL to POST its result to later
 * (`${PUBLIC_API_URL}/callbacks/{workspaceId}/{callbackId}`), and the conversation waits on the card
 * until it comes or the card's `callback.timeoutSeconds` pass. The brand signs its callback as
 * callcard signs its calls (Standard Webhooks, the workspace's `CALLCARD_SIGNING_SECRET`), so one
 * secret proves both directions; the callback id in the URL is random and good for one use only.
 */

/** The request header that carries the callback URL to the brand (also `{{ callback.url }}` in the card's templates). */
export const CALLBACK_URL_HEADER = 'callcard-callback-url';

/** 18 random bytes (144 bits), base64url: 24 characters, nothing to guess or enumerate. */
const CALLBACK_ID_BYTES = 18;
const CALLBACK_ID_PATTERN = /^[A-Za-z0-9_-]{24}$/;

/**
 * How far a callback's `webhook-timestamp` may be from callcard's clock (s): the Standard Webhooks
 * libraries' default, so a captured callback cannot be replayed later (single use refuses it anyway).
 */
export const CALLBACK_TIMESTAMP_TOLERANCE_SECONDS = 300;

/** A new callback id: random, single use. */
export function newCallbackId(): string {
  return randomBytes(CALLBACK_ID_BYTES).toString('base64url');
}

/** Whether `value` has the shape of a callback id (checked before any read: a path segment is the caller's). */
export function isCallbackId(value: unknown): value is string {
  return typeof value === 'string' && CALLBACK_ID_PATTERN.test(value);
}

/** The URL the brand POSTs its result to. `publicApiUrl`: the HTTP API's base URL (no trailing slash needed). */
export function callbackUrl(publicApiUrl: string, workspaceId: string, callbackId: string): string {
  return `${publicApiUrl.replace(/\/+$/, '')}/callbacks/${encodeURIComponent(workspaceId)}/${encodeURIComponent(callbackId)}`;
}

export type CallbackSignatureCheck =
  | { ok: true; id: string; timestamp: number }
  | { ok: false; reason: 'missing_headers' | 'stale_timestamp' | 'bad_signature' | 'bad_secret' };

/**
 * Verify a callback's Standard Webhooks signature: `webhook-signature` (one or more space-separated
 * `v1,<base64>`) over `{webhook-id}.{webhook-timestamp}.{raw body}` with the workspace's `whsec_`
 * secret, compared in constant time; a timestamp more than `toleranceSeconds` from `now` is refused
 * before any HMAC. `headers`: lower-case names (as API Gateway's payload 2.0 gives them).
 */
export function verifyCallbackSignature(
  secret: string,
  headers: Record<string, string | undefined>,
  rawBody: string,
  now: number,
  toleranceSeconds = CALLBACK_TIMESTAMP_TOLERANCE_SECONDS,
): CallbackSignatureCheck {
  const id = headers['webhook-id'];
  const timestampText = headers['webhook-timestamp'];
  const signatures = headers['webhook-signature'];
  if (!id || !timestampText || !signatures) return { ok: false, reason: 'missing_headers' };
  if (!/^\d{1,12}$/.test(timestampText)) return { ok: false, reason: 'stale_timestamp' };
  const timestamp = Number(timestampText);
  if (Math.abs(now / 1000 - timestamp) > toleranceSeconds) return { ok: false, reason: 'stale_timestamp' };
  let key: Buffer;
  try {
    key = signingKey(secret);
  } catch {
    return { ok: false, reason: 'bad_secret' };
  }
  const expected = createHmac('sha256', key).update(`${id}.${timestampText}.${rawBody}`, 'utf8').digest();
  for (const entry of signatures.split(' ')) {
    const [version, value] = entry.split(',', 2);
    if (version !== 'v1' || !value) continue;
    const given = Buffer.from(value, 'base64');
    if (given.length === expected.length && timingSafeEqual(given, expected)) return { ok: true, id, timestamp };
  }
  return { ok: false, reason: 'bad_signature' };
}
