import { BrandBreakers } from '../../../../shared/engine/brandBreakers';
import { executeCallApi, type CardAttempt, type CallApiDeps } from '../../../../shared/engine/callApi';
import { runTurn, type TurnDeps } from '../../../../shared/engine/runTurn';
import { callApiBlockSchema, flowSchema, type CallApiBlock } from '../../../../shared/flow/schema';
import type { GuardedFetch, OutboundRequest, OutboundResponse } from '../../../../shared/http/guardedFetch';

/** The contract of a member's tickets: an array of objects with a title, not empty. */
const CONTRACT = {
  body: {
    type: 'object',
    required: ['tickets'],
    properties: {
      tickets: {
        type: 'array',
        minItems: 1,
        items: { type: 'object', required: ['id', 'title'], properties: { id: { type: 'integer' }, title: { type: 'string' } } },
      },
    },
  },
};

function card(onMismatch?: 'fail' | 'warn'): CallApiBlock {
  return callApiBlockSchema.parse({
    type: 'callApi',
    request: { url: 'https://brand.example/tickets' },
    contract: { ...CONTRACT, ...(onMismatch ? { onMismatch } : {}) },
  });
}

function answer(body: unknown, status = 200): OutboundResponse {
  return {
    status,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    url: 'https://brand.example/',
    latencyMs: 5,
  };
}

function world(body: unknown, breakers?: BrandBreakers) {
  let clock = 1_700_000_000_000;
  const requests: OutboundRequest[] = [];
  const attempts: CardAttempt[] = [];
  const fetch: GuardedFetch = async (req) => {
    requests.push(req);
    clock += 10;
    return answer(body);
  };
  const deps: CallApiDeps = {
    fetch,
    now: () => clock,
    sleep: async (ms) => void (clock += ms),
    onAttempt: (a) => void attempts.push(a),
    workspaceId: 'ws-a',
    ...(breakers ? { breakers } : {}),
  };
  return {
    deps,
    requests,
    attempts,
    call: (block: CallApiBlock) => executeCallApi({ block, context: {}, secrets: {}, idempotencyKey: 'job#card' }, deps),
  };
}

describe('a card with a response contract', () => {
  test.each([
    ['drops a field', { other: 1 }, 'contract: response.body.tickets: expected array, got undefined'],
    [
      'changes a type',
      {
        tickets: [
          { id: 1, title: 'a' },
          { id: '2', title: 'b' },
        ],
      },
      'contract: response.body.tickets[1].id: expected integer, got string',
    ],
    [
      'returns [] where "must not be empty"',
      { tickets: [] },
      'contract: response.body.tickets: expected a non-empty array, got an empty array',
    ],
  ])('an answer that %s fails with reason contract, the first mismatch in the log, once (no retry)', async (_what, body, reason) => {
    const w = world(body);
    const outcome = await w.call(card());
    expect(outcome).toMatchObject({ ok: false, kind: 'contract', reason, attempts: 1 });
    expect(w.requests).toHaveLength(1);
    expect(w.attempts).toEqual([expect.objectContaining({ outcome: 'failure', reason, status: 200 })]);
  });

  test('onMismatch warn: the card succeeds, the log entry carries the warning', async () => {
    const w = world({ tickets: [] });
    const outcome = await w.call(card('warn'));
    expect(outcome).toMatchObject({ ok: true, warning: 'contract: response.body.tickets: expected a non-empty array, got an empty array' });
    expect(w.attempts).toEqual([
      expect.objectContaining({
        outcome: 'success',
        warning: 'contract: response.body.tickets: expected a non-empty array, got an empty array',
      }),
    ]);
    expect(w.attempts[0]).not.toHaveProperty('reason');
  });

  test('an answer that meets it succeeds without a warning', async () => {
    const w = world({ tickets: [{ id: 1, title: 'Lost card' }] });
    const outcome = await w.call(card());
    expect(outcome.ok).toBe(true);
    expect(w.attempts[0]).not.toHaveProperty('warning');
  });

  test("contract failures never open the brand's circuit", async () => {
    const breakers = new BrandBreakers({ failures: 2 });
    const w = world({ other: 1 }, breakers);
    for (let i = 0; i < 5; i++) expect(await w.call(card())).toMatchObject({ ok: false, kind: 'contract' });
    // Every one of them called the brand: a circuit opened by them would have refused the later ones.
    expect(w.requests).toHaveLength(5);
  });

  test('the failure path sees failure.reason contract (onReason routes it)', async () => {
    const flow = flowSchema.parse({
      schemaVersion: 1,
      name: 'Tickets',
      triggers: [{ type: 'keyword', keywords: ['tickets'], start: 'load' }],
      blocks: {
        load: {
          type: 'callApi',
          request: { url: 'https://brand.example/tickets' },
          contract: CONTRACT,
          onSuccess: 'show',
          onReason: { contract: 'sorry' },
        },
        show: { type: 'message', messages: [{ type: 'text', text: 'tickets' }] },
        sorry: { type: 'message', messages: [{ type: 'text', text: 'Sorry ({{ failure.reason }})' }] },
      },
    });
    const w = world({ tickets: [] });
    const deps: TurnDeps = {
      callApi: (_id, block, context) => executeCallApi({ block, context, secrets: {}, idempotencyKey: 'job#load' }, w.deps),
    };
    const result = await runTurn(
      {
        flow,
        flowRef: { flowId: 'f', version: 1 },
        event: { type: 'text', text: 'tickets' },
        session: undefined,
        customer: { id: 'U1', channel: 'line', attributes: {} },
        now: 1_700_000_000_000,
      },
      deps,
    );
    expect(result.messages).toEqual([{ type: 'text', text: 'Sorry (contract)' }]);
  });
});
