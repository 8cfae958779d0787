import type { LineCall } from '../../local/lineStandIn';
import type { LocalStack } from '../../local/localStack';
import { flowSchema } from '../../shared/flow/schema';
import { adminClient, type AdminClient } from '../support/adminClient';
import { sendLine, startModalBrand, startTestStack, waitForLineCalls, type ModalBrand } from '../support/localStackHarness';

/**
 * Issue 21 on the local stack: a card's turns (successes, 5xx answers, a timeout, two flow versions)
 * go through the real webhook, executor and execution log; GET /admin/health then counts them by
 * outcome, kind, bucket and version, its alert rule is in alarm, a bucket's link lists exactly its
 * calls, and another workspace sees none of it.
 */
describe('card health and alerts on the local stack', () => {
  let stack: LocalStack;
  let brand: ModalBrand;
  let admin: AdminClient;
  let other: AdminClient;
  const channel = { channelId: 'health-line', secret: 'health-line-secret' };

  beforeAll(async () => {
    brand = await startModalBrand();
    stack = await startTestStack({ extraAllowHttpHosts: [brand.host] });
    admin = adminClient(stack, stack.demo.adminKey);
    await stack.store.adminKeys.add('other-workspace-key-0123456789', 'ws-other');
    other = adminClient(stack, 'other-workspace-key-0123456789');
    await publish(1);
  });

  afterAll(async () => {
    await stack.stop();
    await brand.close();
  });

  async function publish(version: number): Promise<void> {
    const flow = flowSchema.parse({
      schemaVersion: 1,
      name: 'health',
      triggers: [{ type: 'keyword', keywords: ['go'], start: 'card' }],
      blocks: {
        card: {
          type: 'callApi',
          retry: false,
          timeoutMs: 300,
          request: { url: `${brand.url}/orders` },
          onSuccess: 'ok',
          onFailure: 'failed',
        },
        ok: { type: 'message', messages: [{ type: 'text', text: `ok v${version}` }] },
        failed: { type: 'message', messages: [{ type: 'text', text: 'failed: {{ failure.reason }}' }] },
      },
    });
    await stack.store.flows.putVersion(stack.demo.workspaceId, 'health', version, flow);
    await stack.store.channels.put({
      workspaceId: stack.demo.workspaceId,
      kind: 'line',
      channelId: channel.channelId,
      secret: channel.secret,
      accessToken: 'health-token',
      name: '',
      activeFlow: { flowId: 'health', version },
    });
  }

  let turns = 0;
  async function turn(): Promise<void> {
    turns += 1;
    const userId = `U-health-${turns}`;
    const before = stack.lineStandIn.calls().length;
    const sent = await sendLine(stack, { type: 'text', text: 'go' }, { userId, ...channel });
    expect(sent.status).toBe(200);
    const isAnswer = (c: LineCall) => c.kind === 'reply' && c.replyToken === sent.replyToken;
    await waitForLineCalls(stack, (calls) => calls.slice(before).some(isAnswer), 15_000);
    await stack.idle();
  }

  type Health = {
    totals: {
      calls: number;
      successes: number;
      failures: number;
      byKind: Record<string, number>;
      p50?: number;
      p95?: number;
      p99?: number;
    };
    buckets: Array<{ from: string; to: string; calls: number; failures: number }>;
    versions: Array<{ version?: number; calls: number; failures: number }>;
    complete: boolean;
    alert?: { rule: unknown; state: { state: string; since?: string; why?: string } };
  };
  const health = async (client = admin, window = 'hour') => client.call('GET', `/admin/health?flowId=health&blockId=card&window=${window}`);

  test('before any call: empty buckets, no rule; a rule set through the API is OK', async () => {
    const empty = await health();
    expect(empty.status).toBe(200);
    const body = empty.body as Health;
    expect([body.totals.calls, body.buckets.length, body.alert]).toEqual([0, 12, undefined]);
    const put = await admin.call('PUT', '/admin/alerts/health/card', { failureRate: { percent: 30, minutes: 5 }, contract: true });
    expect([put.status, put.body]).toEqual([
      200,
      { flowId: 'health', blockId: 'card', rule: { failureRate: { percent: 30, minutes: 5 }, contract: true }, state: { state: 'ok' } },
    ]);
    // A window a rule may not take, a rate over 100: refused.
    expect((await admin.call('PUT', '/admin/alerts/health/card', { failureRate: { percent: 30, minutes: 7 } })).status).toBe(400);
    expect((await admin.call('PUT', '/admin/alerts/health/card', { failureRate: { percent: 101, minutes: 5 } })).status).toBe(400);
    // A rule needs a Call an API card of the workspace's flow.
    expect((await admin.call('PUT', '/admin/alerts/nope/card', { contract: true })).status).toBe(404);
    expect((await admin.call('PUT', '/admin/alerts/health/ok', { contract: true })).body).toEqual({ error: 'card not found' });
    // from/to narrow a card's log only.
    expect(
      (await admin.call('GET', `/admin/logs?customer=line:health-line:U1&from=${encodeURIComponent(new Date().toISOString())}`)).status,
    ).toBe(400);
  });

  test('after successes, 5xx answers and a timeout on two versions: counts, kinds, versions, latency, alarm', async () => {
    brand.mode = 'ok';
    for (let i = 0; i < 3; i += 1) await turn();
    brand.mode = 'fail';
    for (let i = 0; i < 2; i += 1) await turn();
    brand.mode = 'slow';
    await turn();
    await publish(2);
    brand.mode = 'ok';
    await turn();

    const reply = await health();
    expect(reply.status).toBe(200);
    const body = reply.body as Health;
    expect(body.totals).toMatchObject({
      calls: 7,
      successes: 4,
      failures: 3,
      byKind: { '5xx': 2, timeout: 1, '4xx': 0, contract: 0, breaker: 0, guard: 0, other: 0 },
    });
    // The timeout waited its 300 ms: the slowest call is p99.
    expect(body.totals.p99).toBeGreaterThanOrEqual(290);
    expect(body.totals.p50).toBeLessThan(290);
    expect(body.buckets.reduce((sum, bucket) => sum + bucket.calls, 0)).toBe(7);
    expect(body.versions.map((v) => [v.version, v.calls, v.failures])).toEqual([
      [2, 1, 0],
      [1, 6, 3],
    ]);
    expect(body.complete).toBe(true);
    // 3 of 7 failed in the last 5 minutes, over 30 %.
    expect(body.alert?.state).toMatchObject({ state: 'alarm', why: '3 of 7 calls failed (43 %) in the last 5 minutes, over 30 %' });
    expect(Date.parse(body.alert?.state.since ?? '')).toBeLessThanOrEqual(Date.now());
    const alerts = await admin.call('GET', '/admin/alerts');
    expect(alerts.body).toMatchObject({ alerts: [{ flowId: 'health', blockId: 'card', state: { state: 'alarm' } }] });
    console.log(
      `GET /admin/health (hour) after ${turns} turns: ${JSON.stringify({ totals: body.totals, versions: body.versions.map((v) => ({ version: v.version, calls: v.calls, failures: v.failures })), alert: body.alert })}`,
    );

    // Each bucket's link lists exactly its calls; the day and week windows count the same calls.
    for (const bucket of body.buckets.filter((b) => b.calls > 0)) {
      const page = await admin.call(
        'GET',
        `/admin/logs?flowId=health&blockId=card&from=${encodeURIComponent(bucket.from)}&to=${encodeURIComponent(bucket.to)}`,
      );
      expect((page.body as { entries: unknown[] }).entries).toHaveLength(bucket.calls);
    }
    for (const window of ['day', 'week']) expect(((await health(admin, window)).body as Health).totals.calls).toBe(7);
    // One version's buckets and totals; the list of versions stays whole.
    const v1 = (await admin.call('GET', '/admin/health?flowId=health&blockId=card&version=1')).body as Health & { version?: number };
    expect([
      v1.version,
      v1.totals.calls,
      v1.totals.failures,
      v1.buckets.reduce((sum, bucket) => sum + bucket.calls, 0),
      v1.versions.length,
    ]).toEqual([1, 6, 3, 6, 2]);
    const v2 = (await admin.call('GET', '/admin/health?flowId=health&blockId=card&version=2')).body as Health;
    expect([v2.totals.calls, v2.totals.failures]).toEqual([1, 0]);
    // A point of version 2's chart lists version 2's calls only.
    const last = v2.buckets.find((bucket) => bucket.calls > 0);
    const v2Log = await admin.call(
      'GET',
      `/admin/logs?flowId=health&blockId=card&version=2&from=${encodeURIComponent(last?.from ?? '')}&to=${encodeURIComponent(last?.to ?? '')}`,
    );
    expect(
      (v2Log.body as { entries: Array<{ version?: number; outcome: string }> }).entries.map((entry) => [entry.version, entry.outcome]),
    ).toEqual([[2, 'success']]);
    // The alert is the card's, whatever the version shown.
    expect(v2.alert?.state.state).toBe('alarm');
  });

  test('another workspace sees none of it: the flow is not its own, its rules are its own', async () => {
    expect((await health(other)).status).toBe(404);
    expect((await other.call('GET', '/admin/alerts')).body).toEqual({ alerts: [] });
    expect((await other.call('GET', '/admin/logs?flowId=health&blockId=card')).status).toBe(404);
  });

  test('removing the rule: {} leaves the card without one', async () => {
    expect((await admin.call('PUT', '/admin/alerts/health/card', {})).status).toBe(200);
    expect(((await health()).body as Health).alert).toBeUndefined();
    expect((await admin.call('GET', '/admin/alerts')).body).toEqual({ alerts: [] });
  });
});
