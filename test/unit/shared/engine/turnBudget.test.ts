import { BUDGET_TIME_REASON, executeCallApi, type CardAttempt, type CardBudget, type CardOutcome } from '../../../../shared/engine/callApi';
import { DEFAULT_FAILURE_TEXT, runTurn, TURN_BUDGET, type TurnDeps } from '../../../../shared/engine/runTurn';
import { FAILURE_REASONS } from '../../../../shared/flow/failureReasons';
import { callApiBlockSchema, flowSchema, type Flow, type FlowInput } from '../../../../shared/flow/schema';
import { OutboundError, type GuardedFetch } from '../../../../shared/http/guardedFetch';

/**
 * Issue 24, finding 4: one customer message made 8 brand calls and held the executor 32 s; the limits
 * allowed 100 cards of 30 s. A turn now has a budget (TURN_BUDGET: 15 s of brand time, 10 card runs);
 * a card past it fails with reason `budget`, so the flow's failure path answers.
 */
const FLOW_REF = { flowId: 'flow-1', version: 1 };

/** A chain of `n` cards, each going on to the next; its failure says why; the last one's success says done. */
function chain(n: number, extra: Record<string, unknown> = {}): Flow {
  const blocks: FlowInput['blocks'] = {
    done: { type: 'message', messages: [{ type: 'text', text: 'done' }] },
    failed: { type: 'message', messages: [{ type: 'text', text: 'failed: {{ failure.reason }} after {{ failure.attempts }} attempts' }] },
  };
  for (let i = 1; i <= n; i += 1) {
    blocks[`c${i}`] = {
      type: 'callApi',
      request: { url: `https://brand.example/c${i}` },
      retry: false,
      onSuccess: i < n ? `c${i + 1}` : 'done',
      onFailure: 'failed',
      ...extra,
    } as FlowInput['blocks'][string];
  }
  return flowSchema.parse({ schemaVersion: 1, name: 'chain', triggers: [{ type: 'keyword', keywords: ['go'], start: 'c1' }], blocks });
}

const ok: CardOutcome = { ok: true, response: { status: 200, headers: {}, body: {} }, attempts: 1 };

/** A card that takes `ms` on the fake clock; every call and the budget it was given recorded. */
function cards(ms: number) {
  let clock = 0;
  const seen: Array<{ blockId: string; budget: CardBudget }> = [];
  const callApi: TurnDeps['callApi'] = async (blockId, _block, _context, budget) => {
    seen.push({ blockId, budget });
    if (budget.exhausted) return { ok: false, reason: budget.exhausted, kind: 'budget', attempts: 0 };
    clock += Math.min(ms, budget.remainingMs);
    return ms > budget.remainingMs ? { ok: false, reason: BUDGET_TIME_REASON, kind: 'budget', attempts: 1 } : ok;
  };
  return { deps: { callApi, clock: () => clock } satisfies TurnDeps, seen, elapsed: () => clock };
}

const go = (flow: Flow) => ({
  flow,
  flowRef: FLOW_REF,
  event: { type: 'text' as const, text: 'go' },
  session: undefined,
  customer: { id: 'U1', channel: 'line', attributes: {} },
  language: 'en' as const,
});

describe('the turn budget', () => {
  test('is 15 s of brand time and 10 card runs per customer message, and `budget` is a failure reason', () => {
    expect(TURN_BUDGET).toEqual({ brandMs: 15_000, calls: 10 });
    expect(FAILURE_REASONS).toContain('budget');
  });

  test('within it, nothing changes: 10 cards of 1 s run and the flow ends as written', async () => {
    const { deps, seen } = cards(1_000);
    const result = await runTurn(go(chain(10)), deps);
    expect(result.messages).toEqual([{ type: 'text', text: 'done' }]);
    expect(seen.map((s) => s.budget.exhausted)).toEqual(Array(10).fill(undefined));
    expect(seen.map((s) => s.budget.remainingMs)).toEqual([15_000, 14_000, 13_000, 12_000, 11_000, 10_000, 9_000, 8_000, 7_000, 6_000]);
  });

  test('the 11th card is not run: it fails with reason budget and its failure path answers', async () => {
    const { deps, seen } = cards(10);
    const result = await runTurn(go(chain(12)), deps);
    expect(result.messages).toEqual([{ type: 'text', text: 'failed: budget after 0 attempts' }]);
    expect(seen).toHaveLength(11);
    expect(seen[10]?.budget.exhausted).toBe('budget: the customer message ran its 10 cards');
  });

  test('brand time: 8 cards of 4 s (the issue’s 32 s) end after 15 s, the 4th card cut short', async () => {
    const { deps, seen, elapsed } = cards(4_000);
    const result = await runTurn(go(chain(8)), deps);
    expect(result.messages).toEqual([{ type: 'text', text: 'failed: budget after 1 attempts' }]);
    expect(elapsed()).toBe(15_000);
    expect(seen.map((s) => s.budget.remainingMs)).toEqual([15_000, 11_000, 7_000, 3_000]);
  });

  test('brand time spent to the last millisecond: the next card is not called', async () => {
    const { deps, seen } = cards(5_000);
    const result = await runTurn(go(chain(4)), deps);
    expect(result.messages).toEqual([{ type: 'text', text: 'failed: budget after 0 attempts' }]);
    expect(seen[3]?.budget).toEqual({ remainingMs: 0, exhausted: BUDGET_TIME_REASON });
  });

  test('with no failure block, the apology: never silence', async () => {
    const { deps } = cards(10);
    const flow = chain(11);
    for (const block of Object.values(flow.blocks)) if (block.type === 'callApi') delete block.onFailure;
    const result = await runTurn(go(flow), deps);
    expect(result.messages).toEqual([{ type: 'text', text: DEFAULT_FAILURE_TEXT }]);
  });

  test('onReason can route a budget failure elsewhere', async () => {
    const { deps } = cards(10);
    const flow = chain(11, { onReason: { budget: 'busy' } });
    flow.blocks.busy = { type: 'message', messages: [{ type: 'text', text: 'We are busy' }] } as Flow['blocks'][string];
    const result = await runTurn(go(flow), deps);
    expect(result.messages).toEqual([{ type: 'text', text: 'We are busy' }]);
  });

  test('a turn budget of its own (the input) applies instead', async () => {
    const { deps, seen } = cards(10);
    const result = await runTurn({ ...go(chain(3)), budget: { brandMs: 1_000, calls: 2 } }, deps);
    expect(result.messages).toEqual([{ type: 'text', text: 'failed: budget after 0 attempts' }]);
    expect(seen).toHaveLength(3);
  });

  test('fire-and-forget cards count as runs and get what is left', async () => {
    const { deps, seen } = cards(10);
    const flow = chain(11);
    const first = flow.blocks.c1;
    if (first?.type === 'callApi') first.fireAndForget = true;
    const result = await runTurn(go(flow), { ...deps, background: () => undefined });
    expect(result.messages).toEqual([{ type: 'text', text: 'failed: budget after 0 attempts' }]);
    expect(seen[0]?.budget).toEqual({ remainingMs: 15_000 });
  });
});

describe('executeCallApi under the budget', () => {
  const block = (extra: Record<string, unknown> = {}) =>
    callApiBlockSchema.parse({ type: 'callApi', request: { url: 'https://brand.example/x' }, timeoutMs: 10_000, retry: false, ...extra });
  const base = {
    context: { customer: { id: 'U1', channel: 'line', attributes: {} }, attributes: {}, trigger: { type: 'text', params: {} } },
    secrets: {},
    idempotencyKey: 'job#c',
  };

  function slowFetch(answerAfterMs: number) {
    let clock = 0;
    const timeouts: number[] = [];
    const fetch: GuardedFetch = async (request) => {
      timeouts.push(request.timeoutMs);
      if (answerAfterMs > request.timeoutMs) {
        clock += request.timeoutMs;
        throw new OutboundError('timeout', 'timed out');
      }
      clock += answerAfterMs;
      return {
        status: 200,
        headers: { 'content-type': 'application/json' },
        body: '{}',
        url: 'https://brand.example/x',
        latencyMs: answerAfterMs,
      };
    };
    return { fetch, now: () => clock, timeouts };
  }

  test('an exhausted budget: no request, reason budget in the outcome and in the execution log', async () => {
    const attempts: CardAttempt[] = [];
    const { fetch, now, timeouts } = slowFetch(10);
    const outcome = await executeCallApi(
      { ...base, block: block(), budget: { remainingMs: 0, exhausted: 'budget: no more' } },
      { fetch, now, onAttempt: (a) => void attempts.push(a) },
    );
    expect(outcome).toEqual({ ok: false, reason: 'budget: no more', kind: 'budget', attempts: 0 });
    expect(timeouts).toEqual([]);
    expect(attempts).toEqual([
      { method: 'GET', url: 'https://brand.example/x', latencyMs: 0, outcome: 'failure', reason: 'budget: no more', attempt: 1 },
    ]);
  });

  test('the card waits no longer than what is left; cut short, it fails with reason budget, not timeout, and is not retried', async () => {
    const attempts: CardAttempt[] = [];
    const { fetch, now, timeouts } = slowFetch(5_000);
    const outcome = await executeCallApi(
      { ...base, block: block({ retry: true }), budget: { remainingMs: 2_000 } },
      { fetch, now, sleep: async () => undefined, onAttempt: (a) => void attempts.push(a) },
    );
    expect(outcome).toEqual({ ok: false, reason: BUDGET_TIME_REASON, kind: 'budget', attempts: 1 });
    expect(timeouts).toEqual([2_000]);
    expect(attempts.map((a) => a.reason)).toEqual([BUDGET_TIME_REASON]);
  });

  test('the card’s own timeout, shorter than what is left, is still a timeout', async () => {
    const { fetch, now } = slowFetch(20_000);
    const outcome = await executeCallApi({ ...base, block: block({ timeoutMs: 1_000 }), budget: { remainingMs: 14_000 } }, { fetch, now });
    expect(outcome).toMatchObject({ ok: false, kind: 'timeout' });
  });
});
