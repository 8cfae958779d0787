import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Compare an HMAC-SHA256 of the raw request bytes with the signature a channel sent, in constant time.
 * Works on the exact bytes received: parsing or re-serialising the body first would break it.
 */
export function hmacSha256Matches(rawBody: Buffer, secret: string, signature: string | undefined, encoding: 'base64' | 'hex'): boolean {
  if (!secret) throw new Error('a channel secret is required to verify a signature');
  if (!signature) return false;
  const expected = createHmac('sha256', secret).update(rawBody).digest();
  const received = Buffer.from(signature, encoding);
  // A length mismatch is not a secret: checking it first keeps timingSafeEqual from throwing.
  if (received.length !== expected.length) return false;
  return timingSafeEqual(received, expected);
}
