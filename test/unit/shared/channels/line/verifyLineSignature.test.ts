import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { verifyLineSignature } from '../../../../../shared/channels/line/verifyLineSignature';
import { hmacSha256Matches } from '../../../../../shared/channels/signature';

// LINE's published test vector ("Verify webhook signature" guide), see test/fixtures/SAMPLES.md.
const BODY = readFileSync(path.join(__dirname, '../../../../fixtures/line/verify-empty-events.json'));
const SECRET = '8c570fa6dd201bb328f1c1eac23a96d8';
const SIGNATURE = 'GhRKmvmHys4Pi8DxkF4+EayaH0OqtJtaZxgTD9fMDLs=';

describe('verifyLineSignature', () => {
  test('the fixture holds the exact published bytes, without a trailing newline', () => {
    expect(BODY.toString('utf8')).toBe('{"destination":"U8e742f61d673b39c7fff3cecb7536ef0","events":[]}');
  });

  test("accepts LINE's published test vector", () => {
    expect(verifyLineSignature(BODY, SECRET, SIGNATURE)).toBe(true);
  });

  test('rejects the body with one byte changed', () => {
    for (const index of [0, 20, BODY.length - 1]) {
      const tampered = Buffer.from(BODY);
      tampered[index] = (tampered[index] ?? 0) ^ 0x01;
      expect(verifyLineSignature(tampered, SECRET, SIGNATURE)).toBe(false);
    }
  });

  test('rejects the body with a trailing newline added', () => {
    expect(verifyLineSignature(Buffer.concat([BODY, Buffer.from('\n')]), SECRET, SIGNATURE)).toBe(false);
  });

  test('rejects a re-serialised body: the signature covers the raw bytes, not the JSON value', () => {
    const reserialised = Buffer.from(JSON.stringify(JSON.parse(BODY.toString('utf8')), null, 2));
    expect(JSON.parse(reserialised.toString('utf8'))).toEqual(JSON.parse(BODY.toString('utf8')));
    expect(verifyLineSignature(reserialised, SECRET, SIGNATURE)).toBe(false);
  });

  test('rejects a wrong secret', () => {
    expect(verifyLineSignature(BODY, '8c570fa6dd201bb328f1c1eac23a96d9', SIGNATURE)).toBe(false);
    expect(verifyLineSignature(BODY, 'another-channel-secret', SIGNATURE)).toBe(false);
  });

  test('rejects a missing signature', () => {
    expect(verifyLineSignature(BODY, SECRET, undefined)).toBe(false);
  });

  test('rejects an empty signature', () => {
    expect(verifyLineSignature(BODY, SECRET, '')).toBe(false);
  });

  test('rejects a signature that is not base64', () => {
    expect(verifyLineSignature(BODY, SECRET, 'not base64!')).toBe(false);
    expect(verifyLineSignature(BODY, SECRET, `${SIGNATURE} `)).toBe(false);
    expect(verifyLineSignature(BODY, SECRET, ` ${SIGNATURE}`)).toBe(false);
    expect(verifyLineSignature(BODY, SECRET, SIGNATURE.replace(/\+/g, '-'))).toBe(false);
    expect(verifyLineSignature(BODY, SECRET, `${SIGNATURE}===`)).toBe(false);
    // The right signature in hex is not what LINE sends.
    expect(verifyLineSignature(BODY, SECRET, Buffer.from(SIGNATURE, 'base64').toString('hex'))).toBe(false);
  });

  test('rejects a truncated signature', () => {
    // Cutting off characters that carry MAC bits (dropping only the `=` padding leaves the same 32 bytes).
    expect(verifyLineSignature(BODY, SECRET, SIGNATURE.slice(0, -2))).toBe(false);
    expect(verifyLineSignature(BODY, SECRET, `${SIGNATURE.slice(0, -2)}=`)).toBe(false);
    expect(verifyLineSignature(BODY, SECRET, SIGNATURE.slice(0, -4))).toBe(false);
    expect(verifyLineSignature(BODY, SECRET, `${SIGNATURE.slice(0, -5)}=`)).toBe(false);
    expect(verifyLineSignature(BODY, SECRET, SIGNATURE.slice(0, 8))).toBe(false);
    expect(verifyLineSignature(BODY, SECRET, 'A')).toBe(false);
  });

  test('rejects a signature with one character changed', () => {
    const changed = `${SIGNATURE[0] === 'A' ? 'B' : 'A'}${SIGNATURE.slice(1)}`;
    expect(verifyLineSignature(BODY, SECRET, changed)).toBe(false);
  });

  test('rejects a signature that is too long', () => {
    const longer = Buffer.concat([Buffer.from(SIGNATURE, 'base64'), Buffer.from([0])]).toString('base64');
    expect(verifyLineSignature(BODY, SECRET, longer)).toBe(false);
  });

  test('throws when the channel secret is empty, even with a signature that looks right', () => {
    expect(() => verifyLineSignature(BODY, '', SIGNATURE)).toThrow(/secret/);
    expect(() => verifyLineSignature(BODY, '', undefined)).toThrow(/secret/);
  });

  test('accepts any body signed with the channel secret', () => {
    const body = Buffer.from('{"destination":"U1","events":[{"type":"follow"}]}\n');
    const signature = createHmac('sha256', 'a-secret').update(body).digest('base64');
    expect(verifyLineSignature(body, 'a-secret', signature)).toBe(true);
    expect(verifyLineSignature(body, 'b-secret', signature)).toBe(false);
  });

  test('works on multi-byte UTF-8 bodies as raw bytes', () => {
    const body = Buffer.from('{"text":"熱銷 ＨＯＴ 😀"}', 'utf8');
    const signature = createHmac('sha256', SECRET).update(body).digest('base64');
    expect(verifyLineSignature(body, SECRET, signature)).toBe(true);
    // The same characters encoded differently are different bytes.
    expect(verifyLineSignature(Buffer.from('{"text":"\\u71b1\\u92b7 ＨＯＴ 😀"}', 'utf8'), SECRET, signature)).toBe(false);
  });
});

describe('hmacSha256Matches', () => {
  const body = Buffer.from('{"object":"page","entry":[]}');
  const secret = 'test-app-secret';
  const digest = createHmac('sha256', secret).update(body).digest();

  test('matches a hex signature (Messenger)', () => {
    expect(hmacSha256Matches(body, secret, digest.toString('hex'), 'hex')).toBe(true);
    expect(hmacSha256Matches(body, secret, digest.toString('hex').toUpperCase(), 'hex')).toBe(true);
  });

  test('matches a base64 signature (LINE)', () => {
    expect(hmacSha256Matches(BODY, SECRET, SIGNATURE, 'base64')).toBe(true);
    expect(hmacSha256Matches(body, secret, digest.toString('base64'), 'base64')).toBe(true);
  });

  test('does not accept a signature in the other encoding', () => {
    expect(hmacSha256Matches(body, secret, digest.toString('base64'), 'hex')).toBe(false);
    expect(hmacSha256Matches(body, secret, digest.toString('hex'), 'base64')).toBe(false);
  });

  test('rejects a changed body, a wrong secret and a changed signature', () => {
    expect(hmacSha256Matches(Buffer.from('{"object":"page","entry":[1]}'), secret, digest.toString('hex'), 'hex')).toBe(false);
    expect(hmacSha256Matches(body, 'other-secret', digest.toString('hex'), 'hex')).toBe(false);
    const flipped = Buffer.from(digest);
    flipped[31] = (flipped[31] ?? 0) ^ 0x80;
    expect(hmacSha256Matches(body, secret, flipped.toString('hex'), 'hex')).toBe(false);
  });

  test('rejects missing, empty and wrong-length signatures without throwing', () => {
    expect(hmacSha256Matches(body, secret, undefined, 'hex')).toBe(false);
    expect(hmacSha256Matches(body, secret, '', 'hex')).toBe(false);
    expect(hmacSha256Matches(body, secret, digest.toString('hex').slice(0, 62), 'hex')).toBe(false);
    expect(hmacSha256Matches(body, secret, `${digest.toString('hex')}00`, 'hex')).toBe(false);
    expect(hmacSha256Matches(body, secret, 'zz', 'hex')).toBe(false);
  });

  test('throws without a secret', () => {
    expect(() => hmacSha256Matches(body, '', digest.toString('hex'), 'hex')).toThrow('a channel secret is required to verify a signature');
  });
});
