import type { LineCall } from '../../local/lineStandIn';
import type { LocalStack } from '../../local/localStack';
import { TURN_BUDGET } from '../../shared/engine/runTurn';
import { flowSchema } from '../../shared/flow/schema';
import { sendLine, startFakeBrand, startTestStack, transcript, waitForLineCalls, type FakeBrand } from '../support/localStackHarness';

/**
 * Issue 24, finding 4, the other half: one customer message may not make unbounded brand calls. A flow
 * that loops through its cards (a condition sending it back, as the run did) runs 10 of them;
 * the 11th fails with reason `budget` without calling the brand, the flow's failure path answers the
 * customer, and the execution log says why.
 */
describe('a customer message’s budget, on the local stack', () => {
  let stack: LocalStack;
  let brand: FakeBrand;

  beforeAll(async () => {
    brand = await startFakeBrand((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"more":true}');
    });
    stack = await startTestStack({ extraAllowHttpHosts: [brand.host] });
  });

  afterAll(async () => {
    await stack?.stop();
    await brand?.close();
  });

  test(`a card looping on itself runs ${TURN_BUDGET.calls} times; then its failure path answers, reason budget, in the execution log too`, async () => {
    const channelId = 'budget-line';
    const flow = flowSchema.parse({
      schemaVersion: 1,
      name: 'loop',
      triggers: [{ type: 'keyword', keywords: ['go'], start: 'page' }],
      blocks: {
        page: { type: 'callApi', request: { url: `${brand.url}/page` }, retry: false, onSuccess: 'more', onFailure: 'failed' },
        more: { type: 'condition', branches: [{ when: { attribute: 'always', op: 'exists' }, next: 'page' }], otherwise: 'page' },
        failed: { type: 'message', messages: [{ type: 'text', text: 'Stopped: {{ failure.reason }} ({{ failure.attempts }} attempts)' }] },
      },
    });
    await stack.store.workspaceSettings.put('budget-ws', { language: 'en' });
    await stack.store.flows.putVersion('budget-ws', 'loop', 1, flow);
    await stack.store.channels.put({
      workspaceId: 'budget-ws',
      kind: 'line',
      channelId,
      secret: 'budget-secret',
      accessToken: 'budget-token',
      name: 'budget',
      activeFlow: { flowId: 'loop', version: 1 },
    });

    const sent = await sendLine(stack, { type: 'text', text: 'go' }, { userId: 'U-budget', channelId, secret: 'budget-secret' });
    const isAnswer = (c: LineCall) =>
      (c.kind === 'reply' && c.replyToken === sent.replyToken) || (c.kind === 'push' && c.to === 'U-budget');
    const calls = await waitForLineCalls(stack, (all) => all.some(isAnswer), 15_000);
    await stack.idle();
    expect(transcript(calls.filter(isAnswer).flatMap((c) => c.messages ?? []))).toEqual(['Stopped: budget (0 attempts)']);
    expect(brand.requests).toHaveLength(TURN_BUDGET.calls);

    const log = (await stack.store.executionLog.page('budget-ws', { flowId: 'loop', blockId: 'page' }, { limit: 50 })).items;
    expect(log).toHaveLength(TURN_BUDGET.calls + 1);
    const refused = log.filter((entry) => entry.outcome === 'failure');
    expect(refused).toEqual([
      expect.objectContaining({
        reason: `budget: the customer message ran its ${TURN_BUDGET.calls} cards`,
        latencyMs: 0,
        run: TURN_BUDGET.calls + 1,
      }),
    ]);
  }, 60_000);
});
