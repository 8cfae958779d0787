import { executeCallApi, httpFailureKind, type CardOutcome } from '../../../../shared/engine/callApi';
import { BrandBreakers } from '../../../../shared/engine/brandBreakers';
import { failureRoute, runTurn } from '../../../../shared/engine/runTurn';
import {
  callApiBlockSchema,
  failureReasonSchema,
  flowSchema,
  type CallApiBlock,
  type FailureReason,
  type Flow,
} from '../../../../shared/flow/schema';
import { OutboundError, type GuardedFetch, type OutboundResponse } from '../../../../shared/http/guardedFetch';
import { SIGNING_SECRET_NAME } from '../../../../shared/http/signRequest';
import { SIGNING_SECRET_NEVER_SENT } from '../../../../shared/templating/secrets';
import type { z } from 'zod';

// Issue 25: the failure block sees why (`failure.reason`, `failure.status`, `failure.attempts`, and
// `response` when one came), and a card routes by status (`onStatus`) and reason (`onReason`).

type BlockInput = z.input<typeof callApiBlockSchema>;

function card(overrides: Omit<Partial<BlockInput>, 'request'> & { request?: Partial<BlockInput['request']> } = {}): CallApiBlock {
  const { request, ...rest } = overrides;
  return callApiBlockSchema.parse({
    type: 'callApi',
    retry: false,
    ...rest,
    request: { url: 'https://api.example/v1/things', ...request },
  });
}

function answer(status: number, body: string, contentType = 'application/json'): OutboundResponse {
  return { status, headers: { 'content-type': contentType }, body, url: 'https://api.example/', latencyMs: 5 };
}

/** The card's outcome when the (fake) brand does `step`. */
async function outcomeOf(
  block: CallApiBlock,
  step: OutboundResponse | OutboundError,
  extra: { breakers?: BrandBreakers; workspaceId?: string } = {},
): Promise<CardOutcome> {
  const fetch: GuardedFetch = async () => {
    if (step instanceof OutboundError) throw step;
    return step;
  };
  return executeCallApi({ block, context: {}, secrets: {}, idempotencyKey: 'k' }, { fetch, sleep: async () => {}, ...extra });
}

describe('each failure has its documented reason', () => {
  const cases: Array<[string, CallApiBlock, OutboundResponse | OutboundError, FailureReason]> = [
    ['a 404', card(), answer(404, '{"error":"no order"}'), 'http_4xx'],
    ['a 429', card(), answer(429, ''), 'http_4xx'],
    ['a 500', card(), answer(500, ''), 'http_5xx'],
    ['a 503 with successWhen', card({ successWhen: 'response.body.ok' }), answer(503, '{"ok":true}'), 'http_5xx'],
    ['a 404 successWhen refuses', card({ successWhen: 'response.body.ok' }), answer(404, '{"ok":false}'), 'http_4xx'],
    ['a 200 successWhen refuses', card({ successWhen: 'response.body.ok' }), answer(200, '{"ok":false}'), 'success_condition'],
    ['a 304 without successWhen', card(), answer(304, ''), 'success_condition'],
    ['a timeout', card(), new OutboundError('timeout', 'timed out'), 'timeout'],
    ['a reset', card(), new OutboundError('network', 'socket hang up'), 'network'],
    ['invalid JSON', card(), answer(200, '{"value": oops'), 'invalid_json'],
    ['an answer not messages', card({ expect: 'messages' }), answer(200, '{"messages":[{"type":"video"}]}'), 'invalid_messages'],
    ['an oversized answer', card(), new OutboundError('too_large', 'too large'), 'too_large'],
    ['a guarded address', card(), new OutboundError('blocked', 'not public'), 'guard'],
    ['a redirect the guard will not follow', card(), new OutboundError('redirect', 'too many'), 'guard'],
    [
      'a request that does not render',
      card({ request: { url: 'https://api.example/{{ attributes.id | nosuchfilter }}' } }),
      answer(200, '{}'),
      'config',
    ],
  ];
  test.each(cases)('%s', async (_name, block, step, reason) => {
    const outcome = await outcomeOf(block, step);
    expect(outcome).toMatchObject({ ok: false, kind: reason });
    expect(failureReasonSchema.options).toContain(reason);
  });

  test('an open circuit', async () => {
    const breakers = new BrandBreakers({ failures: 1 });
    expect(await outcomeOf(card(), answer(500, ''), { breakers, workspaceId: 'ws' })).toMatchObject({ ok: false, kind: 'http_5xx' });
    expect(await outcomeOf(card(), answer(200, '{}'), { breakers, workspaceId: 'ws' })).toEqual({
      ok: false,
      reason: 'circuit_open',
      kind: 'circuit_open',
      attempts: 0,
    });
  });

  test('the status classes', () => {
    expect([400, 404, 499, 500, 503, 599, 200, 304].map(httpFailureKind)).toEqual([
      'http_4xx',
      'http_4xx',
      'http_4xx',
      'http_5xx',
      'http_5xx',
      'http_5xx',
      'success_condition',
      'success_condition',
    ]);
  });
});

describe('failureRoute: exact status, then reason, then onFailure', () => {
  const block = card({ onFailure: 'sorry', onStatus: { '404': 'not_found' }, onReason: { http_4xx: 'bad_request', timeout: 'try_later' } });
  test.each([
    [{ reason: 'http_4xx', status: 404, attempts: 1 }, 'not_found'],
    [{ reason: 'http_4xx', status: 400, attempts: 1 }, 'bad_request'],
    [{ reason: 'timeout', attempts: 4 }, 'try_later'],
    [{ reason: 'http_5xx', status: 500, attempts: 4 }, 'sorry'],
  ] as const)('%j → %s', (failure, target) => {
    expect(failureRoute(block, failure)).toBe(target);
  });

  test('without onFailure, an unrouted failure has no block (the apology)', () => {
    expect(failureRoute(card({ onReason: { timeout: 'try_later' } }), { reason: 'network', attempts: 1 })).toBeUndefined();
  });

  test('names of Object.prototype are not routes', () => {
    expect(failureRoute(card({ onFailure: 'sorry' }), { reason: 'constructor' as FailureReason, attempts: 1 })).toBe('sorry');
  });
});

describe('the blocks after a failed card see failure.* and response', () => {
  const flow: Flow = flowSchema.parse({
    schemaVersion: 1,
    name: 'orders',
    triggers: [{ type: 'keyword', keywords: ['go'], start: 'lookup' }],
    blocks: {
      lookup: {
        type: 'callApi',
        request: { url: 'https://api.example/orders/A123' },
        onSuccess: 'found',
        onFailure: 'sorry',
        onStatus: { '404': 'not_found' },
        onReason: { timeout: 'try_later' },
      },
      found: { type: 'message', messages: [{ type: 'text', text: 'Order {{ response.body.id }}: {{ response.body.state }}' }] },
      not_found: {
        type: 'message',
        messages: [{ type: 'text', text: 'No order A123 ({{ failure.reason }} {{ failure.status }}, {{ response.body.error }})' }],
      },
      try_later: {
        type: 'message',
        messages: [
          {
            type: 'text',
            text: 'Slow today ({{ failure.reason }}, {{ failure.attempts }} attempts{% if failure.status %}, status {{ failure.status }}{% endif %})',
          },
        ],
      },
      sorry: {
        type: 'message',
        messages: [{ type: 'text', text: 'We are down ({{ failure.reason }} {{ failure.status }} after {{ failure.attempts }})' }],
      },
    },
  });

  async function say(outcome: CardOutcome): Promise<string[]> {
    const result = await runTurn(
      {
        flow,
        flowRef: { flowId: 'f', version: 1 },
        event: { type: 'text', text: 'go' },
        session: undefined,
        customer: { id: 'U1', channel: 'line', attributes: {} },
      },
      { callApi: async () => outcome },
    );
    return result.messages.map((m) => (m.type === 'text' ? m.text : m.type));
  }
  const response = (status: number, body: unknown) => ({ status, headers: {}, body });

  test('a 404 goes to onStatus["404"], with the answer', async () => {
    expect(
      await say({ ok: false, reason: 'http_404', kind: 'http_4xx', response: response(404, { error: 'no such order' }), attempts: 1 }),
    ).toEqual(['No order A123 (http_4xx 404, no such order)']);
  });

  test('a timeout goes to onReason.timeout: no status, no response', async () => {
    expect(await say({ ok: false, reason: 'timeout', kind: 'timeout', attempts: 4 })).toEqual(['Slow today (timeout, 4 attempts)']);
  });

  test('anything else goes to onFailure', async () => {
    expect(await say({ ok: false, reason: 'http_503', kind: 'http_5xx', response: response(503, ''), attempts: 4 })).toEqual([
      'We are down (http_5xx 503 after 4)',
    ]);
    expect(await say({ ok: false, reason: 'circuit_open', kind: 'circuit_open', attempts: 0 })).toEqual([
      'We are down (circuit_open  after 0)',
    ]);
  });

  test('a success sees no failure', async () => {
    expect(await say({ ok: true, response: response(200, { id: 'A123', state: 'shipped' }), attempts: 1 })).toEqual([
      'Order A123: shipped',
    ]);
  });

  test('a block after a successful card that cannot render its answer: failure.reason "template", routed like a failure', async () => {
    const templated: Flow = flowSchema.parse({
      schemaVersion: 1,
      name: 'orders',
      triggers: [{ type: 'keyword', keywords: ['go'], start: 'lookup' }],
      blocks: {
        lookup: {
          type: 'callApi',
          request: { url: 'https://api.example/orders' },
          onSuccess: 'list',
          onFailure: 'sorry',
          onReason: { template: 'odd_answer' },
        },
        list: { type: 'message', messages: [{ type: 'text', text: '{{ response.body.orders | nosuchfilter }}' }] },
        odd_answer: {
          type: 'message',
          messages: [{ type: 'text', text: 'Odd answer ({{ failure.reason }} {{ failure.status }}, {{ failure.attempts }})' }],
        },
        sorry: { type: 'message', messages: [{ type: 'text', text: 'sorry' }] },
      },
    });
    const result = await runTurn(
      {
        flow: templated,
        flowRef: { flowId: 'f', version: 1 },
        event: { type: 'text', text: 'go' },
        session: undefined,
        customer: { id: 'U1', channel: 'line', attributes: {} },
      },
      { callApi: async () => ({ ok: true, response: response(200, { orders: [] }), attempts: 2 }) },
    );
    expect(result.messages).toEqual([{ type: 'text', text: 'Odd answer (template 200, 2)' }]);
  });
});

describe('the signing secret is never sent, even by a flow saved before validation refused it', () => {
  test('a header naming it fails the card before connecting (config)', async () => {
    let called = false;
    const fetch: GuardedFetch = async () => {
      called = true;
      return answer(200, '{}');
    };
    const block = card({ request: { headers: { 'x-signature-key': `{{ secrets.${SIGNING_SECRET_NAME} }}` } } });
    const secrets = { [SIGNING_SECRET_NAME]: `whsec_${Buffer.alloc(32, 7).toString('base64')}` };
    const outcome = await executeCallApi({ block, context: {}, secrets, idempotencyKey: 'k' }, { fetch });
    expect(outcome).toEqual({ ok: false, reason: `template: ${SIGNING_SECRET_NEVER_SENT}`, kind: 'config', attempts: 0 });
    expect(called).toBe(false);
  });
});
