import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { verifyMessengerSignature } from '../../../../../shared/channels/messenger/verifyMessengerSignature';

/**
 * Instagram webhooks are signed exactly as Messenger's (docs/INSTAGRAM.md F14): `X-Hub-Signature-256:
 * sha256=<hex HMAC-SHA256(app secret, raw body)>`, so Instagram uses Messenger's verifier. Meta gives no
 * test vector: the body is a fixture's exact bytes, signed here with our own secret.
 */
const APP_SECRET = 'instagram-app-secret';
const rawBody = readFileSync(join(__dirname, '../../../../fixtures/instagram/text.json'));
const sign = (body: Buffer, secret = APP_SECRET) => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

describe('X-Hub-Signature-256 on an Instagram delivery', () => {
  it('matches on the exact bytes received', () => {
    expect(verifyMessengerSignature(rawBody, APP_SECRET, sign(rawBody))).toBe(true);
    expect(verifyMessengerSignature(rawBody, APP_SECRET, sign(rawBody).toUpperCase().replace('SHA256=', 'sha256='))).toBe(true);
  });

  it('fails on a re-serialised body, another secret, a missing or legacy header', () => {
    const reserialised = Buffer.from(JSON.stringify(JSON.parse(rawBody.toString('utf8'))));
    expect(reserialised.equals(rawBody)).toBe(false);
    expect(verifyMessengerSignature(reserialised, APP_SECRET, sign(rawBody))).toBe(false);
    expect(verifyMessengerSignature(rawBody, APP_SECRET, sign(rawBody, 'another-secret'))).toBe(false);
    expect(verifyMessengerSignature(rawBody, APP_SECRET, undefined)).toBe(false);
    const sha1 = `sha1=${createHmac('sha1', APP_SECRET).update(rawBody).digest('hex')}`;
    expect(verifyMessengerSignature(rawBody, APP_SECRET, sha1)).toBe(false);
  });
});
