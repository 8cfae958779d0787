import { createHmac } from 'node:crypto';

/** The workspace secret that signs every call to the brand, when the workspace has one. */
export const SIGNING_SECRET_NAME = 'CALLCARD_SIGNING_SECRET';

/**
 * Standard Webhooks headers proving a call comes from callcard: `webhook-id` (stable across retries:
 * the idempotency key), `webhook-timestamp` (this attempt), `webhook-signature` over
 * `{id}.{timestamp}.{body}` with the workspace's `whsec_` secret. Brands verify them with any
 * Standard Webhooks library. Signed with node:crypto (the standardwebhooks package brings its own
 * SHA-256 and base64 in JavaScript, 12 KiB of every bundle that calls a brand); a test holds it to
 * that library's signatures and refusals.
 */
export function standardWebhookHeaders(secret: string, id: string, body: string, at: Date): Record<string, string> {
  const timestamp = Math.floor(at.getTime() / 1000);
  const signature = createHmac('sha256', signingKey(secret)).update(`${id}.${timestamp}.${body}`, 'utf8').digest('base64');
  return { 'webhook-id': id, 'webhook-timestamp': String(timestamp), 'webhook-signature': `v1,${signature}` };
}

/**
 * The key of a `whsec_` secret: the base64 after the prefix. Throws on what the standardwebhooks
 * library refuses (a bad character or padding, an empty key), so a malformed secret stays a
 * configuration error of the card instead of a signature no brand can check.
 */
export function signingKey(secret: string): Buffer {
  const text = secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret;
  const data = text.replace(/=+$/, '');
  if (text.length > 0 && (text.length < 4 || text.length - data.length > 2)) throw new Error('signing secret: incorrect base64 padding');
  // Like that library (and Buffer), a lone last character of a group is ignored, unchecked.
  const read = data.length % 4 === 1 ? data.slice(0, -1) : data;
  if (!/^[A-Za-z0-9+/]*$/.test(read)) throw new Error('signing secret: incorrect base64 characters');
  const key = Buffer.from(read, 'base64');
  if (key.length === 0) throw new Error('signing secret: empty key');
  return key;
}
