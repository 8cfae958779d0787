import { CreateTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { addCardAlertMetrics } from '../../../../functions/executor/processTurnJob';
import { createModelDynamoClient } from '../../../../local/aws/modelDynamo';
import { BUDGET_TIME_REASON, RATE_CAP_REASON } from '../../../../shared/engine/callApi';
import { aggregateHealth, alertState, countsOf, failureKind, percentile, windowRange } from '../../../../shared/health/cardHealth';
import { HEALTH_MAX_ENTRIES, type ExecutionLogEntry } from '../../../../shared/store/executionLog';
import { createStore, TABLE_DEFINITION, type Store } from '../../../../shared/store/store';
import { createTable } from '../../../../shared/store/table';

// Card health (issue 21): the execution log's entries of one card become buckets of calls, outcomes
// by kind and latency percentiles; a card's alert rules are judged from the same entries.

const NOW = Date.parse('2026-05-01T10:07:30.000Z');
const ago = (ms: number) => new Date(NOW - ms).toISOString();
const MIN = 60_000;

type Given = Partial<ExecutionLogEntry> & Pick<ExecutionLogEntry, 'at'>;
const entry = (given: Given): ExecutionLogEntry => ({
  jobId: 'j1',
  workspaceId: 'ws1',
  flowId: 'f1',
  blockId: 'card',
  customer: 'line:c1:U1',
  method: 'GET',
  url: 'https://shop.example/orders',
  latencyMs: 100,
  outcome: 'success',
  attempt: 1,
  ...given,
});

describe('failure kinds: the execution log reasons, in one place', () => {
  test.each([
    ['http_503', '5xx'],
    ['http_500', '5xx'],
    ['http_404', '4xx'],
    ['http_429', '4xx'],
    ['timeout', 'timeout'],
    ['callback_timeout', 'timeout'],
    ['contract: response.body.tickets: expected array, got undefined', 'contract'],
    [RATE_CAP_REASON, 'timeout'],
    ['circuit_open', 'breaker'],
    ['blocked', 'guard'],
    ['redirect', 'guard'],
    ['port 8443 not allowed (workspace settings: allowedPorts)', 'guard'],
    ['secret API_KEY not allowed for host evil.example', 'guard'],
    ['contract', 'contract'],
    ['contract: $.order.id is missing', 'contract'],
    ['network', 'other'],
    ['invalid_response: body is not valid JSON', 'other'],
    ['config: secret API_KEY is not set', 'other'],
    [BUDGET_TIME_REASON, 'other'],
    ['http_304', 'other'],
    [undefined, 'other'],
  ])('%s → %s', (reason, kind) => {
    expect(failureKind(reason)).toBe(kind);
  });

  test('a reason that names nothing known falls back on its status', () => {
    expect(failureKind('success_condition', 502)).toBe('5xx');
    expect(failureKind('something new', 418)).toBe('4xx');
  });
});

describe('percentiles (nearest rank)', () => {
  test('of 1..100: p50 50, p95 95, p99 99; of one value: that value; of none: undefined', () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    expect([percentile(values, 50), percentile(values, 95), percentile(values, 99)]).toEqual([50, 95, 99]);
    expect([percentile([7], 50), percentile([7], 99)]).toEqual([7, 7]);
    expect(percentile([], 50)).toBeUndefined();
    expect([percentile([10, 20, 30, 40], 50), percentile([10, 20, 30, 40], 95)]).toEqual([20, 40]);
  });

  test("latency leaves out what never reached the brand (cache hit, open circuit, guard's refusal, not sent)", () => {
    const counts = countsOf([
      entry({ at: ago(MIN), latencyMs: 100 }),
      entry({ at: ago(MIN), latencyMs: 300, outcome: 'failure', reason: 'http_500', status: 500 }),
      entry({ at: ago(MIN), latencyMs: 0, reason: 'cache_hit' }),
      entry({ at: ago(MIN), latencyMs: 0, outcome: 'failure', reason: 'circuit_open' }),
      entry({ at: ago(MIN), latencyMs: 2, outcome: 'failure', reason: 'blocked' }),
      entry({ at: ago(MIN), latencyMs: 0, outcome: 'failure', reason: BUDGET_TIME_REASON }),
    ]);
    expect(counts).toMatchObject({
      calls: 6,
      successes: 2,
      failures: 4,
      byKind: { '5xx': 1, breaker: 1, guard: 1, other: 1, timeout: 0 },
      p50: 100,
      p95: 300,
      p99: 300,
    });
  });
});

describe('buckets', () => {
  test('hour: 12 × 5 min on 5-minute boundaries, the last one holding now', () => {
    const { from, to } = windowRange('hour', NOW);
    expect([new Date(from).toISOString(), new Date(to).toISOString()]).toEqual(['2026-05-01T09:10:00.000Z', '2026-05-01T10:10:00.000Z']);
    expect(windowRange('day', NOW).bucketMs).toBe(60 * MIN);
    expect(new Date(windowRange('week', NOW).from).toISOString()).toBe('2026-04-25T00:00:00.000Z');
  });

  test('each entry in its bucket, outside the window none; totals and versions', () => {
    const health = aggregateHealth(
      [
        entry({ at: ago(0), latencyMs: 10, version: 2 }),
        entry({ at: ago(2 * MIN), latencyMs: 30, outcome: 'failure', reason: 'timeout', version: 2 }),
        entry({ at: ago(10 * MIN), latencyMs: 20, version: 1 }),
        entry({ at: ago(2 * 60 * MIN), latencyMs: 5000, outcome: 'failure', reason: 'http_500', version: 1 }),
      ],
      'hour',
      NOW,
    );
    expect(health.buckets).toHaveLength(12);
    const last = health.buckets[11];
    expect(last).toMatchObject({
      from: '2026-05-01T10:05:00.000Z',
      to: '2026-05-01T10:10:00.000Z',
      calls: 2,
      failures: 1,
      byKind: { timeout: 1 },
      p50: 10,
      p99: 30,
    });
    expect(health.buckets[10]).toMatchObject({ from: '2026-05-01T10:00:00.000Z', calls: 0, failures: 0 });
    expect(health.buckets[9]).toMatchObject({ from: '2026-05-01T09:55:00.000Z', calls: 1, successes: 1, p50: 20 });
    expect(health.buckets[9]?.p95).toBe(20);
    // The call two hours ago is outside the hour.
    expect(health.totals).toMatchObject({ calls: 3, failures: 1, byKind: { timeout: 1, '5xx': 0 } });
    expect(health.versions.map((v) => [v.version, v.calls, v.failures])).toEqual([
      [2, 2, 1],
      [1, 1, 0],
    ]);
    expect(aggregateHealth([entry({ at: ago(2 * 60 * MIN) })], 'day', NOW).totals.calls).toBe(1);
    // A call at a bucket's start is that bucket's, one a millisecond before it the previous one's.
    const edges = aggregateHealth(
      [entry({ at: '2026-05-01T10:00:00.000Z' }), entry({ at: '2026-05-01T09:59:59.999Z' }), entry({ at: '2026-05-01T09:10:00.000Z' })],
      'hour',
      NOW,
    );
    expect(edges.buckets.map((bucket) => bucket.calls)).toEqual([1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0]);
  });
});

describe('alert state', () => {
  const rule = { failureRate: { percent: 50, minutes: 5 as const } };

  test('failure rate over X % for Y minutes: alarm, since its oldest failure, and why', () => {
    const entries = [
      entry({ at: ago(1 * MIN) }),
      entry({ at: ago(2 * MIN), outcome: 'failure', reason: 'http_500' }),
      entry({ at: ago(3 * MIN), outcome: 'failure', reason: 'timeout' }),
    ];
    expect(alertState(rule, entries, NOW)).toEqual({
      state: 'alarm',
      since: ago(3 * MIN),
      why: '2 of 3 calls failed (67 %) in the last 5 minutes, over 50 %',
    });
  });

  test('exactly X % is not over it; failures older than Y minutes do not count; no calls is ok', () => {
    expect(alertState(rule, [entry({ at: ago(MIN) }), entry({ at: ago(MIN), outcome: 'failure', reason: 'http_500' })], NOW)).toEqual({
      state: 'ok',
    });
    expect(
      alertState(
        rule,
        [entry({ at: ago(MIN) }), entry({ at: ago(6 * MIN), outcome: 'failure' }), entry({ at: ago(7 * MIN), outcome: 'failure' })],
        NOW,
      ),
    ).toEqual({ state: 'ok' });
    expect(alertState(rule, [], NOW)).toEqual({ state: 'ok' });
  });

  test('any contract failure in the last 5 minutes, whatever the rate', () => {
    const entries = [
      ...Array.from({ length: 20 }, () => entry({ at: ago(MIN) })),
      entry({ at: ago(4 * MIN), outcome: 'failure', reason: 'contract: $.id is missing' }),
    ];
    expect(alertState({ contract: true }, entries, NOW)).toEqual({
      state: 'alarm',
      since: ago(4 * MIN),
      why: '1 contract failure(s) in the last 5 minutes',
    });
    expect(alertState({ contract: true }, entries.slice(0, 20), NOW)).toEqual({ state: 'ok' });
    expect(alertState({ contract: true }, [entry({ at: ago(6 * MIN), outcome: 'failure', reason: 'contract' })], NOW)).toEqual({
      state: 'ok',
    });
    expect(alertState({ ...rule, contract: true }, entries, NOW).state).toBe('alarm');
  });
});

describe('the executor metrics the alarms watch', () => {
  const emitted = (
    alerts: Parameters<typeof addCardAlertMetrics>[1],
    attempt: Partial<Parameters<typeof addCardAlertMetrics>[3]>,
    deployment?: string,
  ) => {
    const out: Array<{ name: string; value: number; dimensions: Record<string, string> }> = [];
    const metrics = {
      singleMetric: () => {
        let dimensions: Record<string, string> = {};
        return {
          addDimensions: (given: Record<string, string>) => (dimensions = given),
          addMetric: (name: string, _unit: string, value: number) => out.push({ name, value, dimensions }),
        };
      },
    } as unknown as Metrics;
    addCardAlertMetrics(
      metrics,
      alerts,
      { workspaceId: 'ws1', flowId: 'f1', blockId: 'card' },
      { method: 'GET', url: 'https://shop.example/', latencyMs: 10, outcome: 'success', attempt: 1, ...attempt },
      deployment,
    );
    return out;
  };

  test('a card with a failure-rate rule: 100 − X per failure, −X per success (its average is over 0 exactly when over X %)', () => {
    const alerts = [{ flowId: 'f1', blockId: 'card', failureRate: { percent: 20, minutes: 15 as const } }];
    expect(emitted(alerts, { outcome: 'failure', reason: 'http_500' })).toEqual([
      { name: 'CardFailureMargin', value: 80, dimensions: { workspace: 'ws1', card: 'f1/card', minutes: '15' } },
    ]);
    expect(emitted(alerts, {})).toEqual([
      { name: 'CardFailureMargin', value: -20, dimensions: { workspace: 'ws1', card: 'f1/card', minutes: '15' } },
    ]);
    // On AWS the stack names itself (CARD_ALERTS_DEPLOYMENT): its alarms filter on it.
    expect(emitted(alerts, {}, 'callcard-prod-app')[0]?.dimensions).toEqual({
      deployment: 'callcard-prod-app',
      workspace: 'ws1',
      card: 'f1/card',
      minutes: '15',
    });
  });

  test('a contract failure of a card with the contract rule; cards without rules emit nothing (no metric to pay for)', () => {
    const alerts = [{ flowId: 'f1', blockId: 'card', contract: true }];
    expect(emitted(alerts, { outcome: 'failure', reason: 'contract: $.id is missing' })).toEqual([
      { name: 'CardContractFailures', value: 1, dimensions: { workspace: 'ws1', card: 'f1/card' } },
    ]);
    expect(emitted(alerts, { outcome: 'failure', reason: 'http_500' })).toEqual([]);
    expect(
      emitted([{ flowId: 'f1', blockId: 'other', contract: true, failureRate: { percent: 5, minutes: 5 } }], {
        outcome: 'failure',
        reason: 'contract',
      }),
    ).toEqual([]);
    expect(emitted([], { outcome: 'failure', reason: 'contract' })).toEqual([]);
  });
});

describe('reading the log for health: one card of one workspace, bounded', () => {
  let client: DynamoDBClient;
  let store: Store;

  beforeEach(async () => {
    client = createModelDynamoClient({ latencyMs: 0 });
    await client.send(new CreateTableCommand({ TableName: 'callcard', ...TABLE_DEFINITION }));
    store = createStore(createTable('callcard', client));
  });
  afterEach(() => client.destroy());

  test("a workspace reads only its own card's entries, since the window's start, with the flow version", async () => {
    await store.executionLog.append(entry({ at: ago(MIN), jobId: 'a', version: 3, outcome: 'failure', reason: 'http_502', status: 502 }));
    await store.executionLog.append(entry({ at: ago(2 * MIN), jobId: 'b', version: 3 }));
    await store.executionLog.append(entry({ at: ago(3 * 60 * MIN), jobId: 'old' }));
    // Same flow and card ids in another workspace, and another card of the same flow.
    await store.executionLog.append(entry({ at: ago(MIN), jobId: 'c', workspaceId: 'ws2', outcome: 'failure', reason: 'timeout' }));
    await store.executionLog.append(entry({ at: ago(MIN), jobId: 'd', blockId: 'other' }));
    const read = await store.executionLog.forHealth('ws1', 'f1', 'card', ago(60 * MIN), NOW);
    expect(read.complete).toBe(true);
    expect(read.entries).toEqual([
      { at: ago(MIN), outcome: 'failure', reason: 'http_502', status: 502, latencyMs: 100, version: 3 },
      { at: ago(2 * MIN), outcome: 'success', latencyMs: 100, version: 3 },
    ]);
    expect((await store.executionLog.forHealth('ws2', 'f1', 'card', ago(60 * MIN), NOW)).entries.map((e) => e.reason)).toEqual(['timeout']);
  });

  test('a card log page between two times (what a chart point links to)', async () => {
    for (const [jobId, minutes] of [
      ['a', 1],
      ['b', 6],
      ['c', 11],
    ] as const)
      await store.executionLog.append(entry({ at: ago(minutes * MIN), jobId }));
    const page = await store.executionLog.page('ws1', { flowId: 'f1', blockId: 'card', from: ago(10 * MIN), to: ago(5 * MIN) });
    expect(page.items.map((e) => e.jobId)).toEqual(['b']);
    expect(
      (await store.executionLog.page('ws1', { flowId: 'f1', blockId: 'card', from: ago(10 * MIN) })).items.map((e) => e.jobId),
    ).toEqual(['a', 'b']);
  });

  test(`at most ${HEALTH_MAX_ENTRIES} entries, newest first, and it says the window was cut`, async () => {
    const items = Array.from({ length: HEALTH_MAX_ENTRIES + 3 }, (_, i) =>
      entry({ at: new Date(NOW - 1000 - i).toISOString(), jobId: `j${i}` }),
    );
    for (let i = 0; i < items.length; i += 200) await Promise.all(items.slice(i, i + 200).map((item) => store.executionLog.append(item)));
    const read = await store.executionLog.forHealth('ws1', 'f1', 'card', ago(60 * MIN), NOW);
    expect([read.entries.length, read.complete, read.entries[0]?.at]).toEqual([
      HEALTH_MAX_ENTRIES,
      false,
      new Date(NOW - 1000).toISOString(),
    ]);
  }, 60_000);
});
