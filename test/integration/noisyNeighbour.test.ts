import { performance } from 'node:perf_hooks';
import type { LineCall } from '../../local/lineStandIn';
import type { LocalStack } from '../../local/localStack';
import { flowSchema } from '../../shared/flow/schema';
import { EXECUTOR_DEFAULTS, workspaceLeaseLimit } from '../../shared/jobs/fairShare';
import { sendLine, startFakeBrand, startTestStack, transcript, waitForLineCalls, type FakeBrand } from '../support/localStackHarness';

/**
 * Issue 24, finding 4, on the local stack with the executor's event source as deployed (10 records a
 * batch, 10 invocations at once): workspace B floods the executor with slow turns (110 customers at
 * once, each turn 5 cards of 1 s to B's brand), and workspace A's customers, whose brand answers at
 * once, must still be answered within the bound while B's turns hold the executor. Before the fair
 * share, every invocation was held by B's slowest record and A's reply waited for B's turns (6.7 and
 * 7.2 s in two runs of this test on the code before; 17.1 s in the run with B's 20 s turns);
 * with it, 0.1 to 0.6 s.
 */
const B_CUSTOMERS = 110;
const B_CARDS = 5;
const B_CARD_MS = 1_000;
/** A's reply, from its webhook to LINE's reply API, while B floods: the bound README states. */
const A_BOUND_MS = 2_000;

describe('a noisy neighbour does not stall another workspace', () => {
  let stack: LocalStack;
  let brand: FakeBrand;

  beforeAll(async () => {
    brand = await startFakeBrand((req, res) => {
      const answer = () => {
        if (res.writableEnded) return;
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"ok":true}');
      };
      if ((req.url ?? '').startsWith('/slow')) setTimeout(answer, B_CARD_MS);
      else answer();
    });
    // The visibility timeout above the longest turn, as deployed (6 × the executor's timeout): SQS
    // hands out no record of a conversation while one is in flight.
    stack = await startTestStack({ extraAllowHttpHosts: [brand.host], visibilityTimeoutSeconds: 60 });
  });

  afterAll(async () => {
    await stack?.stop();
    await brand?.close();
  });

  async function channelOf(workspaceId: string, blocks: Record<string, unknown>): Promise<{ channelId: string; secret: string }> {
    const channelId = `${workspaceId}-line`;
    await stack.store.workspaceSettings.put(workspaceId, { language: 'en' });
    await stack.store.flows.putVersion(
      workspaceId,
      'main',
      1,
      flowSchema.parse({ schemaVersion: 1, name: workspaceId, triggers: [{ type: 'keyword', keywords: ['go'], start: 'card1' }], blocks }),
    );
    await stack.store.channels.put({
      workspaceId,
      kind: 'line',
      channelId,
      secret: `${channelId}-secret`,
      accessToken: `${workspaceId}-token`,
      name: workspaceId,
      activeFlow: { flowId: 'main', version: 1 },
    });
    return { channelId, secret: `${channelId}-secret` };
  }

  const answerTo = (userId: string, replyToken: string) => (c: LineCall) =>
    (c.kind === 'reply' && c.replyToken === replyToken) || (c.kind === 'push' && c.to === userId);

  test(`A's replies stay under ${A_BOUND_MS} ms while B's ${B_CUSTOMERS} slow turns run`, async () => {
    const slowCards: Record<string, unknown> = {};
    for (let i = 1; i <= B_CARDS; i += 1) {
      slowCards[`card${i}`] = {
        type: 'callApi',
        request: { url: `${brand.url}/slow?card=${i}` },
        retry: false,
        onSuccess: i < B_CARDS ? `card${i + 1}` : 'done',
        onFailure: 'failed',
      };
    }
    const b = await channelOf('noisy-b', {
      ...slowCards,
      done: { type: 'message', messages: [{ type: 'text', text: 'B done' }] },
      failed: { type: 'message', messages: [{ type: 'text', text: 'B failed: {{ failure.reason }}' }] },
    });
    const a = await channelOf('quiet-a', {
      card1: { type: 'callApi', request: { url: `${brand.url}/fast` }, retry: false, onSuccess: 'done', onFailure: 'failed' },
      done: { type: 'message', messages: [{ type: 'text', text: 'A ok' }] },
      failed: { type: 'message', messages: [{ type: 'text', text: 'A failed: {{ failure.reason }}' }] },
    });

    // B's flood: 110 customers at once (20 webhooks in flight at a time).
    const bSent: Array<{ userId: string; replyToken: string }> = [];
    const queue = Array.from({ length: B_CUSTOMERS }, (_, i) => `b-customer-${i}`);
    await Promise.all(
      Array.from({ length: 20 }, async () => {
        for (let userId = queue.shift(); userId; userId = queue.shift()) {
          const sent = await sendLine(stack, { type: 'text', text: 'go' }, { userId, ...b });
          expect(sent.status).toBe(200);
          bSent.push({ userId, replyToken: sent.replyToken });
        }
      }),
    );
    const floodSentAt = performance.now();

    // A's customers, one after another, as long as B's turns hold the executor: through B's first
    // wave, the moment its deferred turns come back for the leases it gives back, and its last turns.
    const bAnswered = () => bSent.filter((s) => stack.lineStandIn.calls().some(answerTo(s.userId, s.replyToken))).length;
    const aLatencies: number[] = [];
    let bAnsweredAtFirstProbe: number | undefined;
    for (let i = 0; bAnswered() < B_CUSTOMERS && i < 60; i += 1) {
      const userId = `a-customer-${i}`;
      bAnsweredAtFirstProbe ??= bAnswered();
      const started = performance.now();
      const sent = await sendLine(stack, { type: 'text', text: 'go' }, { userId, ...a });
      expect(sent.status).toBe(200);
      const calls = await waitForLineCalls(stack, (all) => all.some(answerTo(userId, sent.replyToken)), 60_000);
      aLatencies.push(Math.round(performance.now() - started));
      expect(transcript(calls.filter(answerTo(userId, sent.replyToken)).flatMap((c) => c.messages ?? []))).toEqual(['A ok']);
      await new Promise((resolve) => setTimeout(resolve, 400));
    }
    const sorted = [...aLatencies].sort((x, y) => x - y);
    console.log(
      `noisy neighbour: ${aLatencies.length} replies of A while B's ${B_CUSTOMERS} turns ran (${Math.round(performance.now() - floodSentAt)} ms): ` +
        `p50 ${sorted[Math.floor(sorted.length / 2)]} ms, max ${sorted[sorted.length - 1]} ms (${aLatencies.join(', ')})`,
    );
    // The probes ran while B was busy from first to last (else they would prove nothing).
    expect(bAnsweredAtFirstProbe).toBe(0);
    expect(aLatencies.length).toBeGreaterThanOrEqual(10);
    expect(Math.max(...aLatencies)).toBeLessThan(A_BOUND_MS);

    // Every B customer is answered too, exactly once: B is slowed, never dropped.
    const all = await waitForLineCalls(stack, (calls) => bSent.every((s) => calls.some(answerTo(s.userId, s.replyToken))), 120_000);
    console.log(`noisy neighbour: B's ${B_CUSTOMERS} turns all answered ${Math.round(performance.now() - floodSentAt)} ms after the flood`);
    for (const s of bSent)
      expect(transcript(all.filter(answerTo(s.userId, s.replyToken)).flatMap((c) => c.messages ?? []))).toEqual(['B done']);
    await stack.idle();
    // Every lease went back.
    await expect(stack.store.executorLeases.holdings()).resolves.toEqual({ all: [], byWorkspace: new Map() });
  }, 180_000);

  test('a turn of a workspace at its share waits in the queue, untouched, and runs once a lease is free; leases of a crashed invocation lapse', async () => {
    const b = await channelOf('share-b', {
      card1: { type: 'callApi', request: { url: `${brand.url}/fast` }, retry: false, onSuccess: 'done', onFailure: 'done' },
      done: { type: 'message', messages: [{ type: 'text', text: 'B answered' }] },
    });
    const limit = workspaceLeaseLimit(EXECUTOR_DEFAULTS.maxConcurrency);
    // Eight invocations hold B's turns (the limit with 10 invocations): B may take no ninth.
    const live = Date.now() + 60_000;
    const held: number[] = [];
    for (let i = 0; i < limit; i += 1) {
      const lease = await stack.store.executorLeases.acquire('share-b', { limit, expiresAtMs: live, force: true });
      if (lease.granted) held.push(lease.id);
    }
    const brandCalls = brand.requests.length;
    const sent = await sendLine(stack, { type: 'text', text: 'go' }, { userId: 'b-waiting', webhookEventId: 'share-b-event-1', ...b });
    const jobId = `line:${b.channelId}:share-b-event-1`;
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    // Deferred, not run: no brand call, no outbox, no answer.
    expect(brand.requests.length).toBe(brandCalls);
    await expect(stack.store.jobStates.get(jobId)).resolves.toBeUndefined();
    expect(stack.lineStandIn.calls().some(answerTo('b-waiting', sent.replyToken))).toBe(false);

    // The leases go back: the turn runs at its next delivery.
    for (const id of held) await stack.store.executorLeases.release('share-b', id);
    const calls = await waitForLineCalls(stack, (all) => all.some(answerTo('b-waiting', sent.replyToken)), 20_000);
    expect(transcript(calls.filter(answerTo('b-waiting', sent.replyToken)).flatMap((c) => c.messages ?? []))).toEqual(['B answered']);
    await stack.idle();

    // Leases left by invocations that crashed (past their expiry) hold nothing: the next turn runs at once.
    for (let i = 0; i < limit; i += 1)
      await stack.store.executorLeases.acquire('share-b', { limit, expiresAtMs: Date.now() - 1_000, force: true });
    const started = performance.now();
    const again = await sendLine(stack, { type: 'text', text: 'go' }, { userId: 'b-after-crash', ...b });
    await waitForLineCalls(stack, (all) => all.some(answerTo('b-after-crash', again.replyToken)), 5_000);
    expect(performance.now() - started).toBeLessThan(A_BOUND_MS);
    await stack.idle();
    await expect(stack.store.executorLeases.holdings()).resolves.toEqual({ all: [], byWorkspace: new Map() });
  }, 60_000);
});
