import { hmacSha256Matches } from '../signature';

/**
 * LINE signs each webhook with `x-line-signature` = Base64(HMAC-SHA256(channel secret, raw body)).
 *
 * @example
 * verifyLineSignature(Buffer.from(rawBody), channelSecret, headers['x-line-signature'])
 */
export function verifyLineSignature(rawBody: Buffer, channelSecret: string, signature: string | undefined): boolean {
  if (signature !== undefined && !/^[A-Za-z0-9+/]+={0,2}$/.test(signature)) return false;
  return hmacSha256Matches(rawBody, channelSecret, signature, 'base64');
}
