import type { LineCall } from '../../local/lineStandIn';
import type { LocalStack } from '../../local/localStack';
import { TURN_BUDGET } from '../../shared/engine/runTurn';
import type { ExecutionLogEntry } from '../../shared/store/executionLog';
import { sendLine, startFakeBrand, startTestStack, transcript, waitForLineCalls, type FakeBrand } from '../support/localStackHarness';

/**
 * Issue 24, end to end on the local stack: two workspaces, A and B, each with its own admin key,
 * channel and flow, whose cards call the same brand origin. What the executor keeps in memory for one
 * workspace (cached answers, circuit breakers) never serves the other, and the execution log keeps
 * every run of a card.
 */
describe('two workspaces on one stack: cache, breakers and the execution log', () => {
  let stack: LocalStack;
  let brand: FakeBrand;
  /** How the brand answers a path: the tests set it. */
  const behaviour: Record<string, (send: (status: number, body: string) => void, n: number) => void> = {};

  beforeAll(async () => {
    brand = await startFakeBrand((req, res, _body, n) => {
      const path = (req.url ?? '').split('?')[0] ?? '';
      const send = (status: number, body: string) => {
        if (res.writableEnded) return;
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(body);
      };
      const handle = behaviour[path];
      if (handle) handle(send, n);
      else send(404, '{}');
    });
    stack = await startTestStack({ extraAllowHttpHosts: [brand.host] });
    await stack.store.adminKeys.add('iso-a-admin-key', 'iso-a');
    await stack.store.adminKeys.add('iso-b-admin-key', 'iso-b');
  });

  afterAll(async () => {
    await stack.stop();
    await brand.close();
  });

  let channels = 0;
  /** A LINE channel of `workspaceId` running a flow of these blocks (keyword "go" starts at `card`). */
  async function channelOf(
    workspaceId: string,
    blocks: Record<string, unknown>,
  ): Promise<{ channelId: string; secret: string; flowId: string }> {
    channels += 1;
    const channelId = `iso-${workspaceId}-${channels}`;
    const flowId = `flow-${channels}`;
    await stack.store.flows.putVersion(workspaceId, flowId, 1, {
      schemaVersion: 1,
      name: 'iso',
      triggers: [{ type: 'keyword', keywords: ['go'], start: 'card' }],
      blocks,
    });
    await stack.store.channels.put({
      workspaceId,
      kind: 'line',
      channelId,
      secret: `${channelId}-secret`,
      accessToken: 'iso-token',
      name: '',
      activeFlow: { flowId, version: 1 },
    });
    return { channelId, secret: `${channelId}-secret`, flowId };
  }

  /** The customer says "go" on the channel; what the bot answered. */
  async function go(channel: { channelId: string; secret: string }, userId: string): Promise<string[]> {
    const before = stack.lineStandIn.calls().length;
    const sent = await sendLine(stack, { type: 'text', text: 'go' }, { userId, channelId: channel.channelId, secret: channel.secret });
    expect(sent.status).toBe(200);
    const isAnswer = (c: LineCall) => (c.kind === 'reply' && c.replyToken === sent.replyToken) || (c.kind === 'push' && c.to === userId);
    await waitForLineCalls(stack, (calls) => calls.slice(before).some(isAnswer), 15_000);
    await stack.idle();
    return transcript(
      stack.lineStandIn
        .calls()
        .slice(before)
        .filter(isAnswer)
        .flatMap((c) => c.messages ?? []),
    );
  }

  async function cardLog(workspaceId: string, flowId: string, blockId = 'card'): Promise<ExecutionLogEntry[]> {
    return (await stack.store.executionLog.page(workspaceId, { flowId, blockId }, { limit: 500 })).items;
  }

  const answered = (extra: Record<string, unknown> = {}) => ({
    card: { type: 'callApi', retry: false, onSuccess: 'ok', onFailure: 'failed', ...extra },
    ok: { type: 'message', messages: [{ type: 'text', text: 'ok: {{ response.body.who }}' }] },
    failed: { type: 'message', messages: [{ type: 'text', text: 'failed: {{ failure.reason }}' }] },
  });

  test("finding 1: B's cacheable card to the same URL as A's is answered by the brand, not from A's cached answer", async () => {
    let calls = 0;
    behaviour['/catalog'] = (send) => {
      calls += 1;
      send(200, JSON.stringify({ who: `call ${calls}` }));
    };
    const card = { request: { url: `${brand.url}/catalog` }, cache: { ttlSeconds: 300 } };
    const a = await channelOf('iso-a', answered(card));
    const b = await channelOf('iso-b', answered(card));

    expect(await go(a, 'U-cache-a')).toEqual(['ok: call 1']);
    expect(await go(b, 'U-cache-b')).toEqual(['ok: call 2']);
    expect(calls).toBe(2);
    expect((await cardLog('iso-b', b.flowId)).map((e) => e.reason)).toEqual([undefined]);
    // Each workspace's own entry serves its own next turn.
    expect(await go(a, 'U-cache-a2')).toEqual(['ok: call 1']);
    expect(await go(b, 'U-cache-b2')).toEqual(['ok: call 2']);
    expect(calls).toBe(2);
    expect((await cardLog('iso-b', b.flowId)).map((e) => e.reason)).toEqual(['cache_hit', undefined]);
  });

  test("finding 2: five timeouts of B's card open B's circuit to the origin, never A's", async () => {
    behaviour['/slow'] = (send) => {
      setTimeout(() => send(200, '{"who":"late"}'), 1_000);
    };
    behaviour['/fast'] = (send) => send(200, '{"who":"a"}');
    const b = await channelOf('iso-b', answered({ request: { url: `${brand.url}/slow` }, timeoutMs: 100 }));
    const a = await channelOf('iso-a', answered({ request: { url: `${brand.url}/fast` } }));

    for (let i = 0; i < 5; i++) expect(await go(b, `U-slow-${i}`)).toEqual(['failed: timeout']);
    expect(await go(b, 'U-slow-open')).toEqual(['failed: circuit_open']);
    const fastCalls = brand.requests.filter((r) => r.url === '/fast').length;
    expect(await go(a, 'U-fast')).toEqual(['ok: a']);
    expect(brand.requests.filter((r) => r.url === '/fast')).toHaveLength(fastCalls + 1);
    expect((await cardLog('iso-a', a.flowId)).map((e) => e.reason)).toEqual([undefined]);
  });

  test(`the execution log keeps one entry per run of a card that a turn loops through ${TURN_BUDGET.calls} times (as many as a customer message may run)`, async () => {
    let n = 0;
    behaviour['/count'] = (send) => {
      n += 1;
      send(200, JSON.stringify({ n }));
    };
    const a = await channelOf('iso-a', {
      card: {
        type: 'callApi',
        retry: false,
        request: { url: `${brand.url}/count` },
        saveToAttributes: { n: 'response.body.n' },
        onSuccess: 'again',
      },
      again: {
        type: 'condition',
        branches: [{ when: { op: 'lt', attribute: 'n', value: TURN_BUDGET.calls }, next: 'card' }],
        otherwise: 'done',
      },
      done: { type: 'message', messages: [{ type: 'text', text: 'done at {{ attributes.n }}' }] },
    });
    expect(await go(a, 'U-loop')).toEqual([`done at ${TURN_BUDGET.calls}`]);
    const entries = await cardLog('iso-a', a.flowId);
    expect(entries).toHaveLength(TURN_BUDGET.calls);
    expect(entries.map((e) => e.run).sort((x, y) => (x ?? 0) - (y ?? 0))).toEqual(
      Array.from({ length: TURN_BUDGET.calls }, (_, i) => i + 1),
    );
  });
});
