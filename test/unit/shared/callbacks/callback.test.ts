import { Webhook } from 'standardwebhooks';
import { callbackUrl, isCallbackId, newCallbackId, verifyCallbackSignature } from '../../../../shared/callbacks/callback';
import { standardWebhookHeaders } from '../../../../shared/http/signRequest';
import { FAILURE_REASONS } from '../../../../shared/flow/failureReasons';
import { callApiBlockSchema } from '../../../../shared/flow/schema';

const secret = `whsec_${Buffer.from('a callback signing key of 32 by').toString('base64')}`;
const at = new Date('2026-12-06T02:00:00Z');

describe('callback ids and URLs', () => {
  test('random, 144 bits, URL-safe, never the same twice', () => {
    const ids = new Set(Array.from({ length: 1000 }, () => newCallbackId()));
    expect(ids.size).toBe(1000);
    for (const id of ids) expect(isCallbackId(id)).toBe(true);
    expect(Buffer.from([...ids][0] ?? '', 'base64url')).toHaveLength(18);
  });

  test('a path segment of another shape is no callback id', () => {
    for (const bad of ['', 'short', 'x'.repeat(25), '../../../etc/passwd.......', 'a+b/c=d+e/f=g+h/i=j+k/lm', 7, undefined])
      expect(isCallbackId(bad)).toBe(false);
  });

  test('the URL names the workspace and the callback under /callbacks', () => {
    expect(callbackUrl('https://api.example/', 'ws-1', 'AbC_-123456789012345678x')).toBe(
      'https://api.example/callbacks/ws-1/AbC_-123456789012345678x',
    );
  });
});

describe('verifyCallbackSignature', () => {
  const body = '{"booking":"B-17","ok":true}';

  test('accepts what the standardwebhooks library signs, and what callcard itself signs', () => {
    const signature = new Webhook(secret).sign('msg_1', at, body);
    const headers = { 'webhook-id': 'msg_1', 'webhook-timestamp': String(at.getTime() / 1000), 'webhook-signature': signature };
    expect(verifyCallbackSignature(secret, headers, body, at.getTime())).toEqual({ ok: true, id: 'msg_1', timestamp: at.getTime() / 1000 });
    expect(verifyCallbackSignature(secret, standardWebhookHeaders(secret, 'msg_2', body, at), body, at.getTime() + 1000)).toMatchObject({
      ok: true,
      id: 'msg_2',
    });
  });

  test('one good signature among several (key rotation) is enough', () => {
    const headers = standardWebhookHeaders(secret, 'msg_3', body, at);
    headers['webhook-signature'] = `v1,${Buffer.alloc(32).toString('base64')} v2,abc ${headers['webhook-signature']}`;
    expect(verifyCallbackSignature(secret, headers, body, at.getTime()).ok).toBe(true);
  });

  test('refuses a forged or altered callback', () => {
    const headers = standardWebhookHeaders(secret, 'msg_4', body, at);
    const other = `whsec_${Buffer.from('another key, another workspace!').toString('base64')}`;
    expect(verifyCallbackSignature(secret, headers, '{"booking":"B-18","ok":true}', at.getTime())).toEqual({
      ok: false,
      reason: 'bad_signature',
    });
    expect(verifyCallbackSignature(other, headers, body, at.getTime())).toEqual({ ok: false, reason: 'bad_signature' });
    expect(verifyCallbackSignature(secret, { ...headers, 'webhook-id': 'msg_5' }, body, at.getTime())).toEqual({
      ok: false,
      reason: 'bad_signature',
    });
    expect(verifyCallbackSignature(secret, { ...headers, 'webhook-signature': 'v1,' }, body, at.getTime())).toEqual({
      ok: false,
      reason: 'bad_signature',
    });
  });

  test('refuses a timestamp outside the tolerance (a replay), and missing headers', () => {
    const headers = standardWebhookHeaders(secret, 'msg_6', body, at);
    expect(verifyCallbackSignature(secret, headers, body, at.getTime() + 301_000)).toEqual({ ok: false, reason: 'stale_timestamp' });
    expect(verifyCallbackSignature(secret, headers, body, at.getTime() - 301_000)).toEqual({ ok: false, reason: 'stale_timestamp' });
    expect(verifyCallbackSignature(secret, { ...headers, 'webhook-timestamp': '1e9' }, body, at.getTime())).toEqual({
      ok: false,
      reason: 'stale_timestamp',
    });
    expect(verifyCallbackSignature(secret, { 'webhook-id': 'msg_6' }, body, at.getTime())).toEqual({
      ok: false,
      reason: 'missing_headers',
    });
  });

  test('a workspace secret that is no key refuses every callback', () => {
    expect(verifyCallbackSignature('whsec_!!!!', standardWebhookHeaders(secret, 'm', body, at), body, at.getTime())).toEqual({
      ok: false,
      reason: 'bad_secret',
    });
  });
});

describe('a card waiting for a callback', () => {
  const card = (extra: Record<string, unknown>) => ({
    type: 'callApi',
    request: { method: 'POST', url: 'https://brand.example/bookings' },
    ...extra,
  });

  test('callback.timeoutSeconds: 300 by default, 10..900 (what SQS can delay)', () => {
    expect(callApiBlockSchema.parse(card({ callback: {} })).callback).toEqual({ timeoutSeconds: 300 });
    expect(callApiBlockSchema.safeParse(card({ callback: { timeoutSeconds: 9 } })).success).toBe(false);
    expect(callApiBlockSchema.safeParse(card({ callback: { timeoutSeconds: 901 } })).success).toBe(false);
    expect(callApiBlockSchema.safeParse(card({ callback: { timeoutSeconds: 900, other: 1 } })).success).toBe(false);
    expect(callApiBlockSchema.parse(card({})).callback).toBeUndefined();
  });

  test('callback_timeout is a failure reason a card can route', () => {
    expect(FAILURE_REASONS).toContain('callback_timeout');
    expect(callApiBlockSchema.safeParse(card({ callback: {}, onReason: { callback_timeout: 'late' } })).success).toBe(true);
  });
});
