import { hmacSha256Matches } from '../signature';

/** Meta prefixes the digest with the algorithm; only SHA-256 is accepted (the SHA-1 header is legacy). */
const HEADER_PATTERN = /^sha256=([0-9A-Fa-f]+)$/;

/**
 * Meta signs each webhook with `X-Hub-Signature-256: sha256=<hex HMAC-SHA256(app secret, raw body)>`.
 * Checked on the exact bytes received, in constant time. A header without the `sha256=` prefix, with
 * anything but hex after it, or of the wrong length is simply not a match.
 *
 * @example
 * verifyMessengerSignature(rawBody, channel.secret, headers['x-hub-signature-256'])
 */
export function verifyMessengerSignature(rawBody: Buffer, appSecret: string, header: string | undefined): boolean {
  // Buffer.from(…, 'hex') stops quietly at the first non-hex character, so the pattern is what keeps
  // "sha256=<valid digest>garbage" from being compared as if it were the valid digest.
  const hex = HEADER_PATTERN.exec(header ?? '')?.[1];
  return hmacSha256Matches(rawBody, appSecret, hex, 'hex');
}
