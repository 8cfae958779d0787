import { createHmac } from 'node:crypto';
import { verifyMessengerSignature } from '../../../../../shared/channels/messenger/verifyMessengerSignature';

const SECRET = 'test-app-secret';
const body = Buffer.from('{"object":"page","entry":[]}');
const hex = (data: Buffer, secret = SECRET) => createHmac('sha256', secret).update(data).digest('hex');

describe('verifyMessengerSignature', () => {
  it('accepts sha256=<hex HMAC-SHA256(app secret, raw body)>, in either hex case', () => {
    expect(verifyMessengerSignature(body, SECRET, `sha256=${hex(body)}`)).toBe(true);
    expect(verifyMessengerSignature(body, SECRET, `sha256=${hex(body).toUpperCase()}`)).toBe(true);
  });

  it('works on the raw bytes: the same JSON re-serialised does not match', () => {
    const spaced = Buffer.from('{"object": "page", "entry": []}');
    expect(verifyMessengerSignature(spaced, SECRET, `sha256=${hex(body)}`)).toBe(false);
    const utf8 = Buffer.from('{"text":"熱銷"}');
    expect(verifyMessengerSignature(utf8, SECRET, `sha256=${hex(utf8)}`)).toBe(true);
  });

  it('rejects a signature made with another secret, or over another body', () => {
    expect(verifyMessengerSignature(body, SECRET, `sha256=${hex(body, 'other-secret')}`)).toBe(false);
    expect(verifyMessengerSignature(body, SECRET, `sha256=${hex(Buffer.from('{}'))}`)).toBe(false);
  });

  it('rejects a missing or empty header', () => {
    expect(verifyMessengerSignature(body, SECRET, undefined)).toBe(false);
    expect(verifyMessengerSignature(body, SECRET, '')).toBe(false);
    expect(verifyMessengerSignature(body, SECRET, 'sha256=')).toBe(false);
  });

  it('rejects a wrong or missing prefix, including the legacy SHA-1 header', () => {
    const digest = hex(body);
    expect(verifyMessengerSignature(body, SECRET, digest)).toBe(false);
    expect(verifyMessengerSignature(body, SECRET, `sha1=${digest}`)).toBe(false);
    expect(verifyMessengerSignature(body, SECRET, `SHA256=${digest}`)).toBe(false);
    expect(verifyMessengerSignature(body, SECRET, `sha1=${createHmac('sha1', SECRET).update(body).digest('hex')}`)).toBe(false);
  });

  it('rejects a digest of the wrong length without throwing', () => {
    const digest = hex(body);
    expect(verifyMessengerSignature(body, SECRET, `sha256=${digest.slice(0, 62)}`)).toBe(false);
    expect(verifyMessengerSignature(body, SECRET, `sha256=${digest}00`)).toBe(false);
    expect(verifyMessengerSignature(body, SECRET, `sha256=${digest.slice(0, 63)}`)).toBe(false);
  });

  it('rejects trailing non-hex characters that Buffer.from would silently drop', () => {
    expect(verifyMessengerSignature(body, SECRET, `sha256=${hex(body)}zz`)).toBe(false);
    expect(verifyMessengerSignature(body, SECRET, `sha256=${hex(body)} `)).toBe(false);
  });

  it('refuses to verify without a secret', () => {
    expect(() => verifyMessengerSignature(body, '', `sha256=${hex(body)}`)).toThrow(/secret/);
  });
});
