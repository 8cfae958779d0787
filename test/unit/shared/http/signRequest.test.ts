import * as fc from 'fast-check';
import { Webhook } from 'standardwebhooks';
import { executeCallApi } from '../../../../shared/engine/callApi';
import { callApiBlockSchema } from '../../../../shared/flow/schema';
import type { OutboundRequest } from '../../../../shared/http/guardedFetch';
import { SIGNING_SECRET_NAME, standardWebhookHeaders } from '../../../../shared/http/signRequest';

const secret = `whsec_${Buffer.from('callcard-test-signing-key-32-bytes!!').toString('base64')}`;

describe('Standard Webhooks signing of brand calls', () => {
  test('a brand verifies the headers with a Standard Webhooks library', () => {
    const body = '{"memberId":"M001"}';
    const headers = standardWebhookHeaders(secret, 'job-1#card', body, new Date());
    expect(new Webhook(secret).verify(body, headers)).toEqual({ memberId: 'M001' });
  });

  test('the same signature as the standardwebhooks library, and a refusal where it refuses, for any secret, id and body', () => {
    const base64ish = fc.string({
      unit: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=-_! é'),
      maxLength: 90,
    });
    const secrets = fc.oneof(
      base64ish,
      base64ish.map((key) => `whsec_${key}`),
      fc.uint8Array({ minLength: 1, maxLength: 64 }).map((bytes) => `whsec_${Buffer.from(bytes).toString('base64')}`),
    );
    fc.assert(
      fc.property(
        secrets,
        fc.string(),
        fc.string({ unit: 'grapheme' }),
        fc.date({ min: new Date(0), max: new Date(4e12), noInvalidDate: true }),
        (candidate, id, body, at) => {
          let expected: string | undefined;
          try {
            expected = new Webhook(candidate).sign(id, new Date(Math.floor(at.getTime() / 1000) * 1000), body);
          } catch {
            expected = undefined;
          }
          if (expected === undefined) expect(() => standardWebhookHeaders(candidate, id, body, at)).toThrow();
          else expect(standardWebhookHeaders(candidate, id, body, at)['webhook-signature']).toBe(expected);
        },
      ),
      { numRuns: 2_000 },
    );
    // Lone surrogates are encoded the same way (U+FFFD) in the signed text.
    expect(standardWebhookHeaders(secret, 'id', '\ud800x', new Date(0))['webhook-signature']).toBe(
      new Webhook(secret).sign('id', new Date(0), '\ud800x'),
    );
    for (const bad of ['whsec_', 'whsec_QQ', 'whsec_QUJD===', 'whsec_QU!D', 'whsec_QUJ=D', 'whsec_===='])
      expect(() => standardWebhookHeaders(bad, 'id', '', new Date())).toThrow();
  });

  test('a changed body or another secret fails verification', () => {
    const headers = standardWebhookHeaders(secret, 'job-1#card', '{"a":1}', new Date());
    expect(() => new Webhook(secret).verify('{"a":2}', headers)).toThrow();
    const other = `whsec_${Buffer.from('another-key-of-at-least-24-bytes').toString('base64')}`;
    expect(() => new Webhook(other).verify('{"a":1}', headers)).toThrow();
  });

  test('every attempt of a card is signed, with one webhook-id across retries, when the workspace has a signing secret', async () => {
    const seen: OutboundRequest[] = [];
    const block = callApiBlockSchema.parse({
      type: 'callApi',
      request: { method: 'POST', url: 'https://brand.example/x', body: { type: 'json', value: { a: '{{ attributes.a }}' } } },
    });
    const outcome = await executeCallApi(
      { block, context: { attributes: { a: 'b' } }, secrets: { [SIGNING_SECRET_NAME]: secret }, idempotencyKey: 'job-9#card' },
      {
        fetch: async (request) => {
          seen.push(request);
          return {
            status: seen.length === 1 ? 503 : 200,
            headers: { 'content-type': 'application/json' },
            body: '{}',
            url: request.url,
            latencyMs: 1,
          };
        },
        sleep: async () => undefined,
      },
    );
    expect(outcome.ok).toBe(true);
    expect(seen).toHaveLength(2);
    for (const request of seen) {
      const headers = request.headers ?? {};
      expect(headers['webhook-id']).toBe('job-9#card');
      expect(headers['idempotency-key']).toBe('job-9#card');
      expect(new Webhook(secret).verify(request.body ?? '', headers)).toEqual({ a: 'b' });
    }
  });

  test('no signing secret, no signature headers', async () => {
    let headers: Record<string, string> = {};
    const block = callApiBlockSchema.parse({ type: 'callApi', request: { url: 'https://brand.example/x' } });
    await executeCallApi(
      { block, context: {}, secrets: {}, idempotencyKey: 'k' },
      {
        fetch: async (request) => (
          (headers = request.headers ?? {}),
          { status: 200, headers: {}, body: '', url: request.url, latencyMs: 1 }
        ),
      },
    );
    expect(headers['webhook-signature']).toBeUndefined();
  });
});
