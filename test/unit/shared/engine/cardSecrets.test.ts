import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildCardRequest, executeCallApi, type CardAttempt, type CallApiInput } from '../../../../shared/engine/callApi';
import { callApiBlockSchema, type CallApiBlock } from '../../../../shared/flow/schema';
import { createGuardedFetch, type GuardedFetch, type OutboundRequest } from '../../../../shared/http/guardedFetch';
import { withAllowedHosts } from '../../../../shared/templating/secretHosts';
import type { z } from 'zod';

/**
 * Secrets in a card: only whole, in headers, substituted by callcard (never through Liquid), never
 * quoted back in a failure reason, and only to the hosts each secret is bound to.
 */

type BlockInput = z.input<typeof callApiBlockSchema>;

function card(request: Partial<BlockInput['request']>, extra: Partial<Omit<BlockInput, 'request'>> = {}): CallApiBlock {
  return callApiBlockSchema.parse({
    type: 'callApi',
    retry: false,
    ...extra,
    request: { url: 'https://api.brand.example/v1/things', ...request },
  });
}

const SECRET = 'sk_live_Q7w9XyZ42abc';
const context = {
  attributes: { host: 'evil.example', memberId: 'M001' },
  customer: { id: 'U1', channel: 'line', attributes: {} },
  trigger: { params: {} },
};

function recorder(status = 200) {
  const requests: OutboundRequest[] = [];
  const attempts: CardAttempt[] = [];
  const fetch: GuardedFetch = async (req) => {
    requests.push(req);
    return {
      status,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ echo: req.headers }),
      url: req.url,
      latencyMs: 1,
    };
  };
  return { requests, attempts, deps: { fetch, onAttempt: (a: CardAttempt) => void attempts.push(a) } };
}

function input(block: CallApiBlock, secrets: Record<string, string> = { API_KEY: SECRET }): CallApiInput {
  return { block, context, secrets, idempotencyKey: 'job#card' };
}

/** Every spelling a filter could make of the secret: spaced out, upper or lower case, reversed. */
function spellsSecret(text: string): boolean {
  const squashed = text.replace(/[^A-Za-z0-9]/g, '').toLowerCase();
  const plain = SECRET.replace(/[^A-Za-z0-9]/g, '').toLowerCase();
  return squashed.includes(plain) || squashed.includes([...plain].reverse().join(''));
}

describe('a secret reaches a request only whole, in a header', () => {
  test('Bearer {{ secrets.NAME }} sends the secret as it is', async () => {
    const r = recorder();
    const outcome = await executeCallApi(input(card({ headers: { Authorization: 'Bearer {{ secrets.API_KEY }}' } })), r.deps);
    expect(outcome.ok).toBe(true);
    expect(r.requests[0]?.headers?.authorization).toBe(`Bearer ${SECRET}`);
  });

  test.each([
    ['the read-back through an error message', '{% assign k = secrets.API_KEY | split: "" | join: " " %}{% include k %}'],
    ['upcase', '{{ secrets.API_KEY | upcase }}'],
    ['reverse', '{{ secrets.API_KEY | split: "" | reverse | join: "" }}'],
    ['spaced out', '{% assign k = secrets.API_KEY | split: "" | join: " " %}{{ k }}'],
    ['the whole object', '{{ secrets | json }}'],
    ['inside a tag', '{% if true %}{{ secrets.API_KEY }}{% endif %}'],
  ])('%s: the card fails before any request, and its reason spells no secret', async (_what, header) => {
    const r = recorder();
    const outcome = await executeCallApi(input(card({ headers: { 'x-api-key': header } })), r.deps);
    expect(outcome).toMatchObject({ ok: false, attempts: 0, reason: expect.stringMatching(/^template: /) });
    expect(r.requests).toEqual([]);
    expect(spellsSecret(JSON.stringify(outcome))).toBe(false);
  });

  test('the URL, the body and form fields never see secrets (they render empty; validation refuses them)', async () => {
    const req = await buildCardRequest(
      input(
        card({
          method: 'POST',
          url: 'https://api.brand.example/x?k={{ secrets.API_KEY }}{{ secrets | json }}',
          body: { type: 'json', value: { a: '{{ secrets.API_KEY }}', b: '{{ secrets }}' } },
        }),
      ),
    );
    expect(`${req.url} ${req.body}`).not.toContain(SECRET);
    const form = await buildCardRequest(
      input(card({ method: 'POST', body: { type: 'form', fields: { k: '{{ secrets.API_KEY }}{{ secrets | json }}' } } })),
    );
    expect(form.body).toBe('k=');
  });

  test('a secret the workspace does not have: the failure path, naming the secret only', async () => {
    const r = recorder();
    const outcome = await executeCallApi(input(card({ headers: { authorization: 'Bearer {{ secrets.MISSING }}' } })), r.deps);
    expect(outcome).toEqual({ ok: false, reason: 'template: secret MISSING is not set', kind: 'config', attempts: 0 });
    expect(r.requests).toEqual([]);
  });
});

describe('allowedHosts: a secret goes only to the hosts it is bound to', () => {
  const bound = () => withAllowedHosts({ API_KEY: SECRET, FREE: 'free-secret-value' }, { API_KEY: ['api.brand.example', '127.0.0.1'] });

  test('to an allowed host, the request goes out', async () => {
    const r = recorder();
    const outcome = await executeCallApi(
      input(card({ url: 'https://API.Brand.Example./v1', headers: { authorization: 'Bearer {{ secrets.API_KEY }}' } }), bound()),
      r.deps,
    );
    expect(outcome.ok).toBe(true);
    expect(r.requests).toHaveLength(1);
  });

  test.each([
    ['another host', 'https://evil.example/collect', 'evil.example'],
    ['a subdomain', 'https://x.api.brand.example/v1', 'x.api.brand.example'],
    ['a host from a customer value', 'https://{{ attributes.host }}/v1', 'evil.example'],
    ['a look-alike', 'https://api.brand.example.evil.example/v1', 'api.brand.example.evil.example'],
  ])('to %s, the card fails before connecting', async (_what, url, host) => {
    const r = recorder();
    const outcome = await executeCallApi(input(card({ url, headers: { authorization: 'Bearer {{ secrets.API_KEY }}' } }), bound()), r.deps);
    expect(outcome).toEqual({ ok: false, reason: `secret API_KEY not allowed for host ${host}`, kind: 'guard', attempts: 1 });
    expect(r.requests).toEqual([]);
    expect(r.attempts).toEqual([
      expect.objectContaining({ outcome: 'failure', reason: `secret API_KEY not allowed for host ${host}`, attempt: 1 }),
    ]);
    expect(JSON.stringify([outcome, r.attempts])).not.toContain(SECRET);
  });

  test('a secret without allowedHosts goes anywhere; a bound secret the card does not send does not matter', async () => {
    const r = recorder();
    const outcome = await executeCallApi(
      input(card({ url: 'https://evil.example/x', headers: { 'x-key': '{{ secrets.FREE }}' } }), bound()),
      r.deps,
    );
    expect(outcome.ok).toBe(true);
    expect(r.requests[0]?.headers?.['x-key']).toBe('free-secret-value');
  });

  test('a redirect to another origin does not carry the secret header (the guarded caller drops it)', async () => {
    const seen: Array<{ port: number; headers: http.IncomingHttpHeaders }> = [];
    const target = await listen((req, res) => {
      seen.push({ port: (req.socket.address() as AddressInfo).port, headers: req.headers });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
    const origin = await listen((req, res) => {
      seen.push({ port: (req.socket.address() as AddressInfo).port, headers: req.headers });
      res.writeHead(307, { location: `http://127.0.0.1:${target.port}/landing` }).end();
    });
    try {
      const fetch = createGuardedFetch({ allowHttpHosts: [`127.0.0.1:${origin.port}`, `127.0.0.1:${target.port}`] });
      const outcome = await executeCallApi(
        input(card({ url: `http://127.0.0.1:${origin.port}/start`, headers: { authorization: 'Bearer {{ secrets.API_KEY }}' } }), bound()),
        { fetch },
      );
      expect(outcome.ok).toBe(true);
      expect(seen.map((s) => [s.port, s.headers.authorization])).toEqual([
        [origin.port, `Bearer ${SECRET}`],
        [target.port, undefined],
      ]);
    } finally {
      await Promise.all([origin.close(), target.close()]);
    }
  });
});

async function listen(handler: http.RequestListener): Promise<{ port: number; close: () => Promise<void> }> {
  const server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
