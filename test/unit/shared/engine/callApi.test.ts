import {
  buildCardRequest,
  CARD_TIME_BUDGET_MS,
  executeCallApi,
  maskUrl,
  renderJsonTemplate,
  type CardAttempt,
  type CallApiInput,
} from '../../../../shared/engine/callApi';
import { callApiBlockSchema, type CallApiBlock } from '../../../../shared/flow/schema';
import { OutboundError, type GuardedFetch, type OutboundRequest, type OutboundResponse } from '../../../../shared/http/guardedFetch';
import type { TemplateContext } from '../../../../shared/templating/liquid';
import type { z } from 'zod';

type BlockInput = z.input<typeof callApiBlockSchema>;

function card(overrides: Omit<Partial<BlockInput>, 'request'> & { request?: Partial<BlockInput['request']> } = {}): CallApiBlock {
  const { request, ...rest } = overrides;
  return callApiBlockSchema.parse({ type: 'callApi', ...rest, request: { url: 'https://api.example/v1/things', ...request } });
}

const INJECTION = '"}, "admin": true, "x": {"';

const context: TemplateContext = {
  customer: { id: 'U1', channel: 'line', attributes: {} },
  attributes: { name: INJECTION, age: 31, vip: true, tags: ['a', 'b'], memberId: 'a/b?c=d&e', phone: '0912345678' },
  trigger: { type: 'text', text: 'hi', params: {} },
};

const SECRETS = { API_KEY: 'sk_live_SECRET123', OTHER: 'zzzz-other-secret' };

function input(block: CallApiBlock, extra: Partial<CallApiInput> = {}): CallApiInput {
  return { block, context, secrets: SECRETS, idempotencyKey: 'job-1:card-1', ...extra };
}

function response(
  status: number,
  body: unknown = {},
  headers: Record<string, string> = { 'content-type': 'application/json' },
): OutboundResponse {
  return { status, headers, body: typeof body === 'string' ? body : JSON.stringify(body), url: 'https://api.example/', latencyMs: 5 };
}

type Step = OutboundResponse | OutboundError | ((req: OutboundRequest) => OutboundResponse | OutboundError);

/** A scripted fetch on a fake clock: each attempt takes `latencyMs` (or the whole timeout when it times out). */
function harness(steps: Step[], options: { latencyMs?: number } = {}) {
  let clock = 1_000_000;
  const requests: OutboundRequest[] = [];
  const delays: number[] = [];
  const attempts: CardAttempt[] = [];
  const fetch: GuardedFetch = async (req) => {
    requests.push(req);
    const step = steps[Math.min(requests.length - 1, steps.length - 1)];
    if (step === undefined) throw new Error('no step');
    const result = typeof step === 'function' ? step(req) : step;
    if (result instanceof OutboundError) {
      clock += result.kind === 'timeout' ? req.timeoutMs : (options.latencyMs ?? 10);
      throw result;
    }
    const latency = options.latencyMs ?? 10;
    if (latency > req.timeoutMs) {
      // The real guarded fetch gives up at the request's timeout.
      clock += req.timeoutMs;
      throw new OutboundError('timeout', 'timed out');
    }
    clock += latency;
    return result;
  };
  const deps = {
    fetch,
    now: () => clock,
    sleep: async (ms: number) => {
      delays.push(ms);
      clock += ms;
    },
    onAttempt: (a: CardAttempt) => {
      attempts.push(a);
    },
  };
  return { deps, requests, delays, attempts, elapsed: () => clock - 1_000_000 };
}

function jsonBody(req: { body?: string }): Record<string, unknown> {
  return JSON.parse(req.body ?? 'null') as Record<string, unknown>;
}

describe('renderJsonTemplate', () => {
  test('a customer answer placed in a leaf stays one string value', async () => {
    const value = await renderJsonTemplate({ name: '{{ attributes.name }}', greeting: 'Hi {{ attributes.name }}' }, context);
    expect(value).toEqual({ name: INJECTION, greeting: `Hi ${INJECTION}` });
    const roundTrip = JSON.parse(JSON.stringify(value)) as Record<string, unknown>;
    expect(Object.keys(roundTrip).sort()).toEqual(['greeting', 'name']);
  });

  test('a leaf that is exactly one variable keeps its type', async () => {
    await expect(
      renderJsonTemplate({ age: '{{ attributes.age }}', vip: '{{ attributes.vip }}', tags: '{{ attributes.tags }}' }, context),
    ).resolves.toEqual({
      age: 31,
      vip: true,
      tags: ['a', 'b'],
    });
    await expect(renderJsonTemplate({ age: 'age {{ attributes.age }}' }, context)).resolves.toEqual({ age: 'age 31' });
  });

  test('arrays and nested objects are walked; non-string leaves stay as they are', async () => {
    const template = {
      list: ['{{ attributes.age }}', 'x{{ attributes.age }}', 7, null, false, { deep: ['{{ attributes.phone }}'] }],
      n: 1.5,
    };
    await expect(renderJsonTemplate(template, context)).resolves.toEqual({
      list: [31, 'x31', 7, null, false, { deep: ['0912345678'] }],
      n: 1.5,
    });
  });

  test('keys are never templates', async () => {
    await expect(renderJsonTemplate({ '{{ attributes.age }}': 'v' }, context)).resolves.toEqual({ '{{ attributes.age }}': 'v' });
  });

  test('a top-level string or array template', async () => {
    await expect(renderJsonTemplate('{{ attributes.age }}', context)).resolves.toBe(31);
    await expect(renderJsonTemplate(['{{ attributes.vip }}'], context)).resolves.toEqual([true]);
  });
});

describe('buildCardRequest', () => {
  test('JSON body: an injection attempt stays one string value and adds no keys', async () => {
    const block = card({
      request: { method: 'POST', body: { type: 'json', value: { name: '{{ attributes.name }}', note: 'from {{ attributes.name }}' } } },
    });
    const req = await buildCardRequest(input(block));
    const body = jsonBody(req);
    expect(Object.keys(body).sort()).toEqual(['name', 'note']);
    expect(body.name).toBe(INJECTION);
    expect(body.note).toBe(`from ${INJECTION}`);
    expect(body).not.toHaveProperty('admin');
    expect(req.headers?.['content-type']).toBe('application/json');
  });

  test('JSON body: a single-variable leaf keeps number and boolean types', async () => {
    const block = card({
      request: {
        method: 'POST',
        body: { type: 'json', value: { age: '{{ attributes.age }}', vip: '{{ attributes.vip }}', s: '{{ attributes.age }}!' } },
      },
    });
    const body = jsonBody(await buildCardRequest(input(block)));
    expect(body.age).toBe(31);
    expect(body.vip).toBe(true);
    expect(body.s).toBe('31!');
    expect(typeof body.s).toBe('string');
  });

  test('JSON body: arrays and nested objects', async () => {
    const block = card({
      request: {
        method: 'POST',
        body: {
          type: 'json',
          value: { member: { phone: '{{ attributes.phone }}', tags: '{{ attributes.tags }}' }, items: [{ q: 1 }, '{{ attributes.age }}'] },
        },
      },
    });
    expect(jsonBody(await buildCardRequest(input(block)))).toEqual({
      member: { phone: '0912345678', tags: ['a', 'b'] },
      items: [{ q: 1 }, 31],
    });
  });

  test('includeProfile adds `customer` to a JSON body', async () => {
    const profile = { id: 'U1', displayName: 'Mei', attributes: { vip: true } };
    const block = card({ request: { method: 'POST', includeProfile: true, body: { type: 'json', value: { a: 1 } } } });
    expect(jsonBody(await buildCardRequest(input(block, { profile })))).toEqual({ a: 1, customer: profile });
  });

  test('includeProfile without a body sends just the customer', async () => {
    const profile = { id: 'U1' };
    const block = card({ request: { method: 'POST', includeProfile: true } });
    const req = await buildCardRequest(input(block, { profile }));
    expect(jsonBody(req)).toEqual({ customer: profile });
    expect(req.headers?.['content-type']).toBe('application/json');
  });

  test('includeProfile with no profile sends an empty customer', async () => {
    const block = card({ request: { method: 'POST', includeProfile: true, body: { type: 'json', value: {} } } });
    expect(jsonBody(await buildCardRequest(input(block)))).toEqual({ customer: {} });
  });

  test('without includeProfile no customer is sent', async () => {
    const block = card({ request: { method: 'POST', body: { type: 'json', value: { a: 1 } } } });
    expect(jsonBody(await buildCardRequest(input(block, { profile: { id: 'U1' } })))).toEqual({ a: 1 });
  });

  test('no body: nothing is sent and no content-type', async () => {
    const req = await buildCardRequest(input(card()));
    expect(req.body).toBeUndefined();
    expect(req.headers?.['content-type']).toBeUndefined();
    expect(req.method).toBe('GET');
  });

  test('URL: values in the path and query are URL-encoded', async () => {
    const block = card({
      request: { url: 'https://api.example/members/{{ attributes.memberId }}/tickets?name={{ attributes.name }}&page=1' },
    });
    const req = await buildCardRequest(input(block));
    const url = new URL(req.url);
    expect(url.pathname).toBe('/members/a%2Fb%3Fc%3Dd%26e/tickets');
    expect([...url.searchParams.keys()]).toEqual(['name', 'page']);
    expect(url.searchParams.get('name')).toBe(INJECTION);
  });

  test('headers are rendered; secrets are visible to headers', async () => {
    const block = card({ request: { headers: { Authorization: 'Bearer {{ secrets.API_KEY }}', 'X-Member': '{{ attributes.phone }}' } } });
    const req = await buildCardRequest(input(block));
    expect(req.headers).toMatchObject({ authorization: 'Bearer sk_live_SECRET123', 'x-member': '0912345678' });
  });

  test('secrets are not visible to the URL or the body', async () => {
    const block = card({
      request: {
        method: 'POST',
        url: 'https://api.example/x?key={{ secrets.API_KEY }}',
        body: { type: 'json', value: { key: '{{ secrets.API_KEY }}', text: 'k={{ secrets.API_KEY }}' } },
      },
    });
    const req = await buildCardRequest(input(block));
    expect(req.url).toBe('https://api.example/x?key=');
    expect(req.body).not.toContain('sk_live_SECRET123');
    expect(jsonBody(req)).toEqual({ text: 'k=' });
  });

  test('secrets are not visible to form fields', async () => {
    const block = card({ request: { method: 'POST', body: { type: 'form', fields: { key: '{{ secrets.API_KEY }}' } } } });
    const req = await buildCardRequest(input(block));
    expect(req.body).toBe('key=');
  });

  test('the Idempotency-Key header is set', async () => {
    const req = await buildCardRequest(input(card({ request: { method: 'POST' } })));
    expect(req.headers?.['idempotency-key']).toBe('job-1:card-1');
  });

  test('default accept and user-agent headers', async () => {
    const req = await buildCardRequest(input(card()));
    expect(req.headers).toMatchObject({ accept: 'application/json', 'user-agent': expect.stringMatching(/^callcard\//) });
  });

  test('form body is URL-encoded and cannot add fields', async () => {
    const block = card({
      request: {
        method: 'POST',
        body: { type: 'form', fields: { name: '{{ attributes.name }}', id: '{{ attributes.memberId }}', n: 'x y' } },
      },
    });
    const req = await buildCardRequest(input(block));
    expect(req.headers?.['content-type']).toBe('application/x-www-form-urlencoded');
    const form = new URLSearchParams(req.body);
    expect([...form.keys()]).toEqual(['name', 'id', 'n']);
    expect(form.get('name')).toBe(INJECTION);
    expect(form.get('id')).toBe('a/b?c=d&e');
    expect(form.get('n')).toBe('x y');
  });

  test("an admin's content-type header wins", async () => {
    const block = card({
      request: { method: 'POST', headers: { 'Content-Type': 'application/vnd.brand+json' }, body: { type: 'json', value: { a: 1 } } },
    });
    expect((await buildCardRequest(input(block))).headers?.['content-type']).toBe('application/vnd.brand+json');
  });

  test('timeout and response size come along', async () => {
    const req = await buildCardRequest(input(card({ timeoutMs: 2500 })));
    expect(req.timeoutMs).toBe(2500);
    expect(req.maxResponseBytes).toBe(1_048_576);
  });
});

describe('executeCallApi: success and retries', () => {
  afterEach(() => jest.restoreAllMocks());

  test('200 on the first attempt', async () => {
    const h = harness([response(200, { ok: true, n: 3 })]);
    const outcome = await executeCallApi(input(card()), h.deps);
    expect(outcome).toEqual({
      ok: true,
      attempts: 1,
      response: { status: 200, headers: { 'content-type': 'application/json' }, body: { ok: true, n: 3 } },
    });
    expect(h.delays).toEqual([]);
  });

  test('500 then 200: success after 2 attempts, with the same idempotency key on both', async () => {
    const h = harness([response(500, { error: 'x' }), response(200, { ok: true })]);
    const outcome = await executeCallApi(input(card({ request: { method: 'POST', body: { type: 'json', value: { a: 1 } } } })), h.deps);
    expect(outcome).toMatchObject({ ok: true, attempts: 2 });
    expect(h.requests).toHaveLength(2);
    expect(h.requests[0]?.headers?.['idempotency-key']).toBe('job-1:card-1');
    expect(h.requests[1]?.headers?.['idempotency-key']).toBe('job-1:card-1');
    expect(h.requests[1]?.body).toBe(h.requests[0]?.body);
    expect(h.requests[1]?.url).toBe(h.requests[0]?.url);
    expect(h.delays).toHaveLength(1);
    expect(h.delays[0]).toBeGreaterThanOrEqual(125);
    expect(h.delays[0]).toBeLessThanOrEqual(250);
  });

  test('backoff grows between attempts', async () => {
    const h = harness([response(503), response(503), response(503), response(200)]);
    const outcome = await executeCallApi(input(card()), h.deps);
    expect(outcome).toMatchObject({ ok: true, attempts: 4 });
    const [d1, d2, d3] = h.delays;
    expect(d1).toBeGreaterThanOrEqual(125);
    expect(d1).toBeLessThanOrEqual(250);
    expect(d2).toBeGreaterThanOrEqual(250);
    expect(d2).toBeLessThanOrEqual(500);
    expect(d3).toBeGreaterThanOrEqual(500);
    expect(d3).toBeLessThanOrEqual(1000);
  });

  test('at most 4 attempts', async () => {
    const h = harness([response(500)]);
    const outcome = await executeCallApi(input(card()), h.deps);
    expect(outcome).toMatchObject({ ok: false, reason: 'http_500', attempts: 4 });
    expect(h.requests).toHaveLength(4);
  });

  test('429 with Retry-After: 2 waits 2000 ms', async () => {
    const h = harness([response(429, {}, { 'content-type': 'application/json', 'retry-after': '2' }), response(200)]);
    const outcome = await executeCallApi(input(card()), h.deps);
    expect(outcome).toMatchObject({ ok: true, attempts: 2 });
    expect(h.delays).toEqual([2000]);
  });

  test('Retry-After as an HTTP date', async () => {
    // The fake clock starts at 1_000_000 ms after the epoch; the date is 3 s later (HTTP dates have 1 s precision).
    const at = new Date(1_000_000 + 3000).toUTCString();
    const h = harness([response(503, {}, { 'retry-after': at }), response(200)]);
    const outcome = await executeCallApi(input(card()), h.deps);
    expect(outcome).toMatchObject({ ok: true, attempts: 2 });
    // Measured from when the response arrived (the attempt took 10 ms on the fake clock).
    expect(h.delays).toEqual([2990]);
  });

  test('a Retry-After beyond the time budget is not waited for', async () => {
    const h = harness([response(429, {}, { 'retry-after': '120' }), response(200)]);
    const outcome = await executeCallApi(input(card()), h.deps);
    expect(outcome).toMatchObject({ ok: false, reason: 'http_429', attempts: 1 });
    expect(h.delays).toEqual([]);
  });

  test('a timeout is retried', async () => {
    const h = harness([new OutboundError('timeout', 'https://api.example/v1/things: timed out'), response(200)]);
    const outcome = await executeCallApi(input(card({ timeoutMs: 1000 })), h.deps);
    expect(outcome).toMatchObject({ ok: true, attempts: 2 });
  });

  test('a network error is retried', async () => {
    const h = harness([new OutboundError('network', 'refused'), new OutboundError('network', 'reset'), response(200)]);
    expect(await executeCallApi(input(card()), h.deps)).toMatchObject({ ok: true, attempts: 3 });
  });

  test('network errors to the end: failure named after the last error', async () => {
    const h = harness([new OutboundError('network', 'refused')]);
    expect(await executeCallApi(input(card()), h.deps)).toEqual({ ok: false, reason: 'network', kind: 'network', attempts: 4 });
  });

  test('blocked, too_large and redirect errors are not retried', async () => {
    const documented = { blocked: 'guard', too_large: 'too_large', redirect: 'guard' } as const;
    for (const kind of ['blocked', 'too_large', 'redirect'] as const) {
      const h = harness([new OutboundError(kind, 'no'), response(200)]);
      expect(await executeCallApi(input(card()), h.deps)).toEqual({ ok: false, reason: kind, kind: documented[kind], attempts: 1 });
      expect(h.requests).toHaveLength(1);
    }
  });

  test('4xx is not retried', async () => {
    for (const status of [400, 401, 403, 404, 409, 422]) {
      const h = harness([response(status, { error: 'bad' }), response(200)]);
      expect(await executeCallApi(input(card()), h.deps)).toMatchObject({ ok: false, reason: `http_${status}`, attempts: 1 });
      expect(h.requests).toHaveLength(1);
    }
  });

  test('retry: false makes one attempt only', async () => {
    for (const step of [
      response(500),
      response(429, {}, { 'retry-after': '1' }),
      new OutboundError('timeout', 't'),
      new OutboundError('network', 'n'),
    ]) {
      const h = harness([step, response(200)]);
      const outcome = await executeCallApi(input(card({ retry: false })), h.deps);
      expect(outcome).toMatchObject({ ok: false, attempts: 1 });
      expect(h.requests).toHaveLength(1);
      expect(h.delays).toEqual([]);
    }
  });

  test.each([0, 0.5, 0.999999])('attempts stop within the time budget (jitter %p)', async (random) => {
    jest.spyOn(Math, 'random').mockReturnValue(random);
    const h = harness([new OutboundError('timeout', 't')]);
    const outcome = await executeCallApi(input(card({ timeoutMs: 12_000 })), h.deps);
    expect(outcome.ok).toBe(false);
    expect(h.elapsed()).toBeLessThanOrEqual(CARD_TIME_BUDGET_MS);
    expect(h.requests.length).toBeGreaterThanOrEqual(2);
    // No attempt may be given more time than the budget has left.
    let spent = 0;
    h.requests.forEach((req, i) => {
      expect(req.timeoutMs).toBeLessThanOrEqual(12_000);
      expect(Math.round(spent + req.timeoutMs)).toBeLessThanOrEqual(CARD_TIME_BUDGET_MS);
      spent += req.timeoutMs + (h.delays[i] ?? 0);
    });
  });

  test.each([0, 0.999999])('slow 500s stop within the time budget too (jitter %p)', async (random) => {
    jest.spyOn(Math, 'random').mockReturnValue(random);
    const h = harness([response(500)], { latencyMs: 9_000 });
    const outcome = await executeCallApi(input(card()), h.deps);
    expect(outcome.ok).toBe(false);
    expect(h.elapsed()).toBeLessThanOrEqual(CARD_TIME_BUDGET_MS);
    // The last attempt only gets what is left of the budget.
    const last = h.requests[h.requests.length - 1];
    expect(last?.timeoutMs).toBeLessThan(10_000);
  });

  test('every attempt goes to onAttempt with the masked URL and no header values', async () => {
    const block = card({
      request: {
        url: 'https://api.example/v1/members/{{ attributes.phone }}?api_key={{ attributes.memberId }}&q=1',
        headers: { Authorization: 'Bearer {{ secrets.API_KEY }}', 'X-Custom': 'custom-header-value' },
      },
    });
    const h = harness([response(502, 'bad gateway', { 'content-type': 'text/html' }), new OutboundError('timeout', 't'), response(200)]);
    await executeCallApi(input(block), h.deps);
    expect(h.attempts).toHaveLength(3);
    expect(h.attempts.map((a) => [a.attempt, a.outcome, a.status, a.reason])).toEqual([
      [1, 'failure', 502, 'http_502'],
      [2, 'failure', undefined, 'timeout'],
      [3, 'success', 200, undefined],
    ]);
    for (const a of h.attempts) {
      expect(a.method).toBe('GET');
      expect(a.url).toBe('https://api.example/v1/members/0912345678?api_key=***&q=1');
      expect(a.latencyMs).toBeGreaterThanOrEqual(0);
      const logged = JSON.stringify(a);
      expect(logged).not.toContain('sk_live_SECRET123');
      expect(logged).not.toContain('custom-header-value');
      expect(logged).not.toContain('a%2Fb');
    }
    expect(h.attempts[1]?.latencyMs).toBe(h.requests[1]?.timeoutMs);
  });

  test('a template error fails the card without a request', async () => {
    const h = harness([response(200)]);
    const outcome = await executeCallApi(input(card({ request: { url: 'https://api.example/{{ attributes.name | nosuch }}' } })), h.deps);
    expect(outcome).toMatchObject({ ok: false, attempts: 0 });
    expect(outcome.ok === false && outcome.reason).toMatch(/^template: .*nosuch/);
    expect(h.requests).toHaveLength(0);
  });
});

describe('executeCallApi: judging the response', () => {
  test('non-2xx is a failure http_<status>, with the response kept for onFailure blocks', async () => {
    const h = harness([response(404, { error: 'no member' })]);
    expect(await executeCallApi(input(card()), h.deps)).toEqual({
      ok: false,
      reason: 'http_404',
      kind: 'http_4xx',
      attempts: 1,
      response: { status: 404, headers: { 'content-type': 'application/json' }, body: { error: 'no member' } },
    });
  });

  test('any 2xx is success by default', async () => {
    for (const status of [200, 201, 204, 299]) {
      const h = harness([response(status, '', { 'content-type': 'application/json' })]);
      expect(await executeCallApi(input(card()), h.deps)).toMatchObject({ ok: true, response: { status, body: null } });
    }
  });

  test('3xx is a failure', async () => {
    const h = harness([response(304, '', {})]);
    expect(await executeCallApi(input(card()), h.deps)).toMatchObject({ ok: false, reason: 'http_304' });
  });

  test('a non-JSON body stays text', async () => {
    const h = harness([response(200, 'plain OK', { 'content-type': 'text/plain' })]);
    expect(await executeCallApi(input(card()), h.deps)).toMatchObject({ ok: true, response: { body: 'plain OK' } });
  });

  test('a JSON content-type with parameters or a +json suffix is parsed', async () => {
    for (const type of ['application/json; charset=utf-8', 'application/problem+json', 'APPLICATION/JSON']) {
      const h = harness([response(200, { a: 1 }, { 'content-type': type })]);
      expect(await executeCallApi(input(card()), h.deps)).toMatchObject({ ok: true, response: { body: { a: 1 } } });
    }
  });

  test('invalid JSON with a JSON content-type is invalid_response', async () => {
    const h = harness([response(200, '{"a":', { 'content-type': 'application/json' })]);
    const outcome = await executeCallApi(input(card()), h.deps);
    expect(outcome).toMatchObject({ ok: false, attempts: 1 });
    expect(outcome.ok === false && outcome.reason).toMatch(/^invalid_response/);
    expect(h.requests).toHaveLength(1);
  });

  test('successWhen decides on a 2xx', async () => {
    const block = card({ successWhen: 'response.body.verified == true' });
    let h = harness([response(200, { verified: true })]);
    expect(await executeCallApi(input(block), h.deps)).toMatchObject({ ok: true });
    h = harness([response(200, { verified: false })]);
    expect(await executeCallApi(input(block), h.deps)).toMatchObject({
      ok: false,
      reason: 'http_200',
      attempts: 1,
      response: { body: { verified: false } },
    });
    expect(h.requests).toHaveLength(1);
  });

  test('successWhen can accept a 4xx, but never a 5xx', async () => {
    const block = card({ successWhen: 'response.status == 404 or response.status == 503' });
    let h = harness([response(404, { none: true })]);
    expect(await executeCallApi(input(block), h.deps)).toMatchObject({ ok: true, response: { status: 404 } });
    h = harness([response(503)]);
    expect(await executeCallApi(input(block, {}), h.deps)).toMatchObject({ ok: false, reason: 'http_503' });
  });

  test('successWhen sees the flow context as well as the response', async () => {
    const block = card({ successWhen: 'response.body.phone == attributes.phone' });
    const h = harness([response(200, { phone: '0912345678' })]);
    expect(await executeCallApi(input(block), h.deps)).toMatchObject({ ok: true });
  });

  test('a successWhen that fails to evaluate is a failure, not a crash', async () => {
    const h = harness([response(200, { a: 1 })]);
    expect(await executeCallApi(input(card({ successWhen: 'response.body.a | nosuch' })), h.deps)).toMatchObject({
      ok: false,
      reason: 'http_200',
    });
  });

  test("expect: 'messages' with valid callcard messages", async () => {
    const messages = [
      { type: 'text', text: 'hi' },
      { type: 'buttons', text: 'Pick', buttons: [{ type: 'postback', label: 'A', data: 'action=a' }] },
    ];
    const h = harness([response(200, { messages })]);
    const outcome = await executeCallApi(input(card({ expect: 'messages' })), h.deps);
    expect(outcome).toMatchObject({ ok: true, messages });
  });

  test("expect: 'messages' parses JSON whatever the content-type", async () => {
    const h = harness([response(200, JSON.stringify({ messages: [{ type: 'text', text: 'hi' }] }), { 'content-type': 'text/plain' })]);
    expect(await executeCallApi(input(card({ expect: 'messages' })), h.deps)).toMatchObject({
      ok: true,
      messages: [{ type: 'text', text: 'hi' }],
    });
  });

  test.each([
    ['an unknown type', { messages: [{ type: 'video', url: 'https://x.example/v.mp4' }] }],
    ['a text without text', { messages: [{ type: 'text' }] }],
    ['an empty text', { messages: [{ type: 'text', text: '' }] }],
    ['no messages', { messages: [] }],
    ['no messages field', { text: 'hi' }],
    ['an image without a valid URL', { messages: [{ type: 'image', url: 'not a url' }] }],
    ['an array instead of an object', [{ type: 'text', text: 'hi' }]],
  ])("expect: 'messages' with %s is invalid_response", async (_what, body) => {
    const h = harness([response(200, body)]);
    const outcome = await executeCallApi(input(card({ expect: 'messages' })), h.deps);
    expect(outcome).toMatchObject({ ok: false, attempts: 1 });
    expect(outcome.ok === false && outcome.reason).toMatch(/^invalid_response/);
    expect(outcome).not.toHaveProperty('messages');
  });

  test("expect: 'messages' with a body that is not JSON is invalid_response", async () => {
    const h = harness([response(200, 'hello', { 'content-type': 'text/plain' })]);
    const outcome = await executeCallApi(input(card({ expect: 'messages' })), h.deps);
    expect(outcome.ok === false && outcome.reason).toMatch(/^invalid_response/);
  });

  test("a non-2xx error page that is not JSON is still http_<status> (expect: 'messages')", async () => {
    const h = harness([response(404, 'Not Found', { 'content-type': 'text/html' })]);
    const outcome = await executeCallApi(input(card({ expect: 'messages' })), h.deps);
    expect(outcome).toMatchObject({ ok: false, reason: 'http_404' });
  });
});

describe('maskUrl', () => {
  test('secret values are masked, plain or URL-encoded', () => {
    expect(maskUrl('https://api.example/sk_live_SECRET123/x', SECRETS)).toBe('https://api.example/***/x');
    expect(maskUrl('https://api.example/x?k=a%2Fb%3Fc', { S: 'a/b?c' })).toBe('https://api.example/x?k=***');
  });

  test('credential-like query values are masked', () => {
    const masked = maskUrl('https://api.example/x?token=abc&api_key=def&q=hello&page=2', {});
    const url = new URL(masked);
    expect(url.searchParams.get('token')).toBe('***');
    expect(url.searchParams.get('api_key')).toBe('***');
    expect(url.searchParams.get('q')).toBe('hello');
    expect(url.searchParams.get('page')).toBe('2');
    expect(masked).not.toContain('abc');
    expect(masked).not.toContain('def');
  });

  test('other credential names, any case', () => {
    const masked = maskUrl(
      'https://api.example/x?access_token=1111&Secret=2222&password=3333&sig_signature=4444&AUTH=5555&apiKey=6666',
      {},
    );
    for (const value of ['1111', '2222', '3333', '4444', '5555', '6666']) expect(masked).not.toContain(value);
  });

  test('a URL without secrets stays as it was', () => {
    expect(maskUrl('https://api.example/members/42/tickets?page=1', SECRETS)).toBe('https://api.example/members/42/tickets?page=1');
  });

  test('very short secret values are not masked (they would mangle the URL)', () => {
    expect(maskUrl('https://api.example/abc', { S: 'abc' })).toBe('https://api.example/abc');
  });

  test('a string that is not a URL still has its secrets masked', () => {
    expect(maskUrl('not a url sk_live_SECRET123', SECRETS)).toBe('not a url ***');
  });
});
