import { BrandBreakers } from '../../../../shared/engine/brandBreakers';
import { executeCallApi, type CardAttempt, type CallApiDeps } from '../../../../shared/engine/callApi';
import { CardCache } from '../../../../shared/engine/cardCache';
import { callApiBlockSchema, type CallApiBlock } from '../../../../shared/flow/schema';
import { validateFlow } from '../../../../shared/flow/validateFlow';
import { OutboundError, type GuardedFetch, type OutboundRequest, type OutboundResponse } from '../../../../shared/http/guardedFetch';
import type { TemplateContext } from '../../../../shared/templating/liquid';
import type { z } from 'zod';

type BlockInput = z.input<typeof callApiBlockSchema>;

const context: TemplateContext = {
  customer: { id: 'U1', channel: 'line', attributes: { memberId: 'm-1' } },
  attributes: { memberId: 'm-1' },
  trigger: { type: 'text', text: 'hot', params: {} },
};

function card(overrides: Partial<BlockInput> = {}, url = 'https://shop.example/v1/best-sellers'): CallApiBlock {
  return callApiBlockSchema.parse({ type: 'callApi', request: { url }, ...overrides });
}

function ok(body: unknown = { items: ['tea'] }): OutboundResponse {
  return {
    status: 200,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    url: 'https://shop.example/',
    latencyMs: 5,
  };
}
function fail(status = 503): OutboundResponse {
  return { status, headers: { 'content-type': 'application/json' }, body: '{}', url: 'https://shop.example/', latencyMs: 5 };
}

/** A brand whose answer the test sets, on a fake clock (Date.now too: cockatiel's breaker reads it). */
function world(options: { breakers?: BrandBreakers; cache?: CardCache } = {}) {
  let clock = 1_700_000_000_000;
  jest.spyOn(Date, 'now').mockImplementation(() => clock);
  const requests: OutboundRequest[] = [];
  const attempts: CardAttempt[] = [];
  let answer: () => OutboundResponse | OutboundError = () => ok();
  const fetch: GuardedFetch = async (req) => {
    requests.push(req);
    clock += 10;
    const result = answer();
    if (result instanceof OutboundError) throw result;
    return result;
  };
  const deps: CallApiDeps = {
    fetch,
    now: () => clock,
    sleep: async (ms) => {
      clock += ms;
    },
    onAttempt: (a) => {
      attempts.push(a);
    },
    ...(options.breakers ? { breakers: options.breakers } : {}),
    ...(options.cache ? { cache: options.cache } : {}),
    workspaceId: 'ws-a',
  };
  return {
    deps,
    /** The same card, run for another workspace over the same cache and breakers. */
    callAs: (workspaceId: string, block: CallApiBlock = card()) =>
      executeCallApi({ block, context, secrets: {}, idempotencyKey: `job-${requests.length}#card` }, { ...deps, workspaceId }),
    requests,
    attempts,
    answer: (next: () => OutboundResponse | OutboundError) => (answer = next),
    advance: (ms: number) => (clock += ms),
    call: (block: CallApiBlock = card()) =>
      executeCallApi({ block, context, secrets: {}, idempotencyKey: `job-${requests.length}#card` }, deps),
  };
}

afterEach(() => jest.restoreAllMocks());

describe('circuit breaker per brand origin', () => {
  test('opens after 5 failed card calls (final outcomes, not each retry), then fails fast without connecting', async () => {
    const w = world({ breakers: new BrandBreakers({ failures: 5, halfOpenAfterMs: 30_000 }) });
    w.answer(() => fail(503));
    for (let i = 0; i < 4; i++) expect(await w.call()).toMatchObject({ ok: false, reason: 'http_503' });
    // 4 cards, each with its retries: 16 attempts, and the circuit is still closed.
    expect(w.requests).toHaveLength(16);
    expect(await w.call()).toMatchObject({ ok: false, reason: 'http_503' });
    const before = w.requests.length;
    w.attempts.length = 0;

    const outcome = await w.call();
    expect(outcome).toEqual({ ok: false, reason: 'circuit_open', kind: 'circuit_open', attempts: 0 });
    expect(w.requests).toHaveLength(before);
    expect(w.attempts).toEqual([
      { method: 'GET', url: 'https://shop.example/v1/best-sellers', latencyMs: 0, outcome: 'failure', reason: 'circuit_open', attempt: 1 },
    ]);
  });

  test('network errors and timeouts count; a 404 (the brand answering) does not', async () => {
    const w = world({ breakers: new BrandBreakers({ failures: 2 }) });
    w.answer(() => fail(404));
    for (let i = 0; i < 5; i++) expect(await w.call()).toMatchObject({ reason: 'http_404' });
    w.answer(() => new OutboundError('network', 'refused'));
    await w.call();
    w.answer(() => new OutboundError('timeout', 'slow'));
    await w.call();
    expect(await w.call()).toMatchObject({ reason: 'circuit_open' });
  });

  test('one origin open leaves the others alone', async () => {
    const w = world({ breakers: new BrandBreakers({ failures: 1 }) });
    w.answer(() => fail(500));
    await w.call(card({ retry: false }));
    expect(await w.call(card({ retry: false }))).toMatchObject({ reason: 'circuit_open' });
    w.answer(() => ok());
    expect(await w.call(card({ retry: false }, 'https://other.example/v1'))).toMatchObject({ ok: true });
  });

  test("per workspace: one workspace's failing card to an origin never opens another's circuit there (issue 24, finding 2)", async () => {
    const w = world({ breakers: new BrandBreakers({ failures: 5 }) });
    w.answer(() => new OutboundError('timeout', 'slow'));
    for (let i = 0; i < 5; i++) expect(await w.callAs('ws-b', card({ retry: false }))).toMatchObject({ reason: 'timeout' });
    expect(await w.callAs('ws-b', card({ retry: false }))).toMatchObject({ reason: 'circuit_open' });
    // The brand is healthy for workspace A's card to the same origin: A's circuit is its own, and closed.
    w.answer(() => ok());
    const before = w.requests.length;
    expect(await w.call(card({ retry: false }))).toMatchObject({ ok: true, attempts: 1 });
    expect(w.requests).toHaveLength(before + 1);
    expect(w.attempts.at(-1)).toMatchObject({ outcome: 'success', status: 200 });
    expect(await w.callAs('ws-b', card({ retry: false }))).toMatchObject({ reason: 'circuit_open' });
  });

  test('a card run with breakers or a cache must name its workspace', async () => {
    const w = world({ breakers: new BrandBreakers(), cache: new CardCache() });
    const { workspaceId: _left, ...without } = w.deps;
    await expect(
      executeCallApi({ block: card(), context, secrets: {}, idempotencyKey: 'k' }, { ...without, breakers: new BrandBreakers() }),
    ).rejects.toThrow('names its workspace');
    await expect(
      executeCallApi({ block: card(), context, secrets: {}, idempotencyKey: 'k' }, { ...without, cache: new CardCache() }),
    ).rejects.toThrow('names its workspace');
  });

  test('after the cool-down one probe goes through (half-open); its success closes the circuit', async () => {
    const w = world({ breakers: new BrandBreakers({ failures: 2, halfOpenAfterMs: 30_000 }) });
    w.answer(() => fail(500));
    await w.call(card({ retry: false }));
    await w.call(card({ retry: false }));
    w.advance(29_000);
    expect(await w.call()).toMatchObject({ reason: 'circuit_open' });
    w.advance(1_000);
    w.answer(() => ok());
    const before = w.requests.length;
    expect(await w.call()).toMatchObject({ ok: true, attempts: 1 });
    expect(w.requests).toHaveLength(before + 1);
    // Closed again: a single failure does not reopen it.
    w.answer(() => fail(500));
    await w.call(card({ retry: false }));
    w.answer(() => ok());
    expect(await w.call()).toMatchObject({ ok: true });
  });

  test('a failed probe opens the circuit again', async () => {
    const w = world({ breakers: new BrandBreakers({ failures: 1, halfOpenAfterMs: 1_000 }) });
    w.answer(() => fail(500));
    await w.call(card({ retry: false }));
    w.advance(1_000);
    expect(await w.call(card({ retry: false }))).toMatchObject({ reason: 'http_500' });
    expect(await w.call(card({ retry: false }))).toMatchObject({ reason: 'circuit_open' });
  });

  test('without breakers (the dry run) nothing trips', async () => {
    const w = world();
    w.answer(() => fail(500));
    for (let i = 0; i < 8; i++) expect(await w.call(card({ retry: false }))).toMatchObject({ reason: 'http_500' });
    expect(w.requests).toHaveLength(8);
  });
});

describe('cacheable cards with stale-if-error', () => {
  const cached = () => card({ cache: { ttlSeconds: 60, staleIfErrorSeconds: 600 }, retry: false });

  test('within ttl the brand is not called', async () => {
    const w = world({ cache: new CardCache() });
    expect(await w.call(cached())).toMatchObject({ ok: true, attempts: 1, response: { body: { items: ['tea'] } } });
    w.advance(59_000);
    w.attempts.length = 0;
    const outcome = await w.call(cached());
    expect(outcome).toMatchObject({ ok: true, attempts: 0, response: { status: 200, body: { items: ['tea'] } } });
    expect(w.requests).toHaveLength(1);
    expect(w.attempts).toEqual([expect.objectContaining({ outcome: 'success', reason: 'cache_hit', status: 200, latencyMs: 0 })]);
  });

  test("per workspace: another workspace's card to the same request is never answered from the first's entry (issue 24, finding 1)", async () => {
    const w = world({ cache: new CardCache() });
    expect(await w.call(cached())).toMatchObject({ ok: true, attempts: 1 });
    expect(w.requests).toHaveLength(1);
    w.answer(() => ok({ items: ['for b'] }));
    const outcome = await w.callAs('ws-b', cached());
    expect(outcome).toMatchObject({ ok: true, attempts: 1, response: { body: { items: ['for b'] } } });
    expect(w.requests).toHaveLength(2);
    expect(w.attempts.map((a) => a.reason)).not.toContain('cache_hit');
    // Each now has its own entry.
    expect(await w.call(cached())).toMatchObject({ ok: true, response: { body: { items: ['tea'] } } });
    expect(await w.callAs('ws-b', cached())).toMatchObject({ ok: true, response: { body: { items: ['for b'] } } });
    expect(w.requests).toHaveLength(2);
  });

  test('after ttl the brand is called again; a card without cache is never cached', async () => {
    const w = world({ cache: new CardCache() });
    await w.call(cached());
    w.advance(61_000);
    w.answer(() => ok({ items: ['coffee'] }));
    expect(await w.call(cached())).toMatchObject({ ok: true, response: { body: { items: ['coffee'] } } });
    await w.call(card());
    await w.call(card());
    expect(w.requests).toHaveLength(4);
  });

  test('when the brand fails, a stale answer inside the stale window is served', async () => {
    const w = world({ cache: new CardCache() });
    await w.call(cached());
    w.advance(300_000);
    w.answer(() => fail(502));
    w.attempts.length = 0;
    expect(await w.call(cached())).toMatchObject({ ok: true, response: { body: { items: ['tea'] } } });
    expect(w.attempts.map((a) => [a.outcome, a.reason, a.attempt])).toEqual([
      ['failure', 'http_502', 1],
      ['success', 'stale_if_error', 2],
    ]);
  });

  test('not served after the stale window, nor for a failure that is the brand answering (404)', async () => {
    const w = world({ cache: new CardCache() });
    await w.call(cached());
    w.advance(30_000 + 60_000);
    w.answer(() => fail(404));
    expect(await w.call(cached())).toMatchObject({ ok: false, reason: 'http_404' });
    w.advance(660_000);
    w.answer(() => fail(503));
    expect(await w.call(cached())).toMatchObject({ ok: false, reason: 'http_503' });
  });

  test('served stale while the circuit is open, without connecting', async () => {
    const w = world({ cache: new CardCache(), breakers: new BrandBreakers({ failures: 1 }) });
    await w.call(cached());
    w.advance(120_000);
    w.answer(() => fail(500));
    await w.call(cached());
    const before = w.requests.length;
    w.attempts.length = 0;
    expect(await w.call(cached())).toMatchObject({ ok: true, response: { body: { items: ['tea'] } } });
    expect(w.requests).toHaveLength(before);
    expect(w.attempts.map((a) => [a.outcome, a.reason, a.attempt])).toEqual([
      ['failure', 'circuit_open', 1],
      ['success', 'stale_if_error', 2],
    ]);
  });

  test('the cache is bounded by entries and bytes', () => {
    const cache = new CardCache({ maxEntries: 2, maxBytes: 10_000 });
    const value = { response: { status: 200, headers: {}, body: 'x' } };
    cache.set('a', value, 0, 60_000);
    cache.set('b', value, 0, 60_000);
    cache.set('c', value, 0, 60_000);
    expect(cache.size).toBe(2);
    expect(cache.get('a', 1)).toBeUndefined();
    const small = new CardCache({ maxBytes: 300 });
    small.set('a', { response: { status: 200, headers: {}, body: 'y'.repeat(200) } }, 0, 60_000);
    small.set('b', { response: { status: 200, headers: {}, body: 'y'.repeat(200) } }, 0, 60_000);
    expect(small.size).toBe(1);
    expect(small.get('b', 1)).toBeDefined();
  });
});

describe('validation: cache is for non-personal data only', () => {
  function flowWith(request: Record<string, unknown>) {
    return {
      schemaVersion: 1,
      name: 'shop',
      triggers: [{ type: 'keyword', keywords: ['hot'], start: 'best' }],
      blocks: { best: { type: 'callApi', request, cache: { ttlSeconds: 60 } } },
    };
  }
  const problemsOf = (request: Record<string, unknown>) => {
    const result = validateFlow(flowWith(request));
    return result.ok ? [] : result.problems;
  };

  test('accepted on a card whose request names no customer data', () => {
    expect(problemsOf({ url: 'https://shop.example/v1/best-sellers?campaign={{ trigger.params.campaign }}' })).toEqual([]);
  });

  test.each([
    ['attributes in the URL', { url: 'https://shop.example/members/{{ attributes.memberId }}/offers' }],
    ['customer in a header', { url: 'https://shop.example/v1', headers: { 'x-user': '{{ customer.id }}' } }],
    [
      'attributes in a JSON body',
      { method: 'POST', url: 'https://shop.example/v1', body: { type: 'json', value: { who: ['{{ attributes.phone }}'] } } },
    ],
    [
      'customer in a form field',
      { method: 'POST', url: 'https://shop.example/v1', body: { type: 'form', fields: { id: '{% if customer.id %}x{% endif %}' } } },
    ],
    ['includeProfile', { method: 'POST', url: 'https://shop.example/v1', includeProfile: true }],
  ])('refused with %s', (_, request) => {
    expect(problemsOf(request)).toEqual([
      expect.objectContaining({ path: 'blocks.best.cache', message: expect.stringMatching(/^only for non-personal data/) }),
    ]);
  });

  test('ttl and stale window are bounded by the schema', () => {
    expect(callApiBlockSchema.safeParse({ type: 'callApi', request: { url: 'https://x.example' }, cache: { ttlSeconds: 0 } }).success).toBe(
      false,
    );
    expect(
      callApiBlockSchema.safeParse({ type: 'callApi', request: { url: 'https://x.example' }, cache: { ttlSeconds: 3601 } }).success,
    ).toBe(false);
    expect(
      callApiBlockSchema.safeParse({
        type: 'callApi',
        request: { url: 'https://x.example' },
        cache: { ttlSeconds: 60, staleIfErrorSeconds: 86_401 },
      }).success,
    ).toBe(false);
  });
});
