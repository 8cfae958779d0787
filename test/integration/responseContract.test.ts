import type { LineCall } from '../../local/lineStandIn';
import type { LocalStack } from '../../local/localStack';
import { flowSchema } from '../../shared/flow/schema';
import { adminClient, type AdminClient } from '../support/adminClient';
import {
  sendLine,
  startFakeBrand,
  startTestStack,
  transcript,
  waitForLineCalls,
  type CustomerAction,
  type FakeBrand,
} from '../support/localStackHarness';

/**
 * Issue 21, response contracts, end to end on the local stack: a contract learnt from a test (the
 * dry run's learnContract), a brand stand-in that breaks it (a field dropped, a type changed, an empty
 * array where the contract says it must not be empty) takes the failure path with reason `contract`
 * and the first mismatch at its path in the execution log, `onMismatch: warn` only warns, and saving a
 * flow whose follow-up reads a path the contract lacks is refused (so it is never published).
 */
const GOOD = {
  member: { id: 'm-1', name: 'Ada Lovelace' },
  tickets: [
    { id: 1, title: 'Lost card', price: 10 },
    { id: 2, title: 'New address', price: 12.5 },
  ],
};

describe('response contracts on the local stack', () => {
  let stack: LocalStack;
  let brand: FakeBrand;
  let admin: AdminClient;
  const answers: Record<string, unknown> = {
    '/tickets/good': GOOD,
    '/tickets/dropped': { member: GOOD.member },
    '/tickets/retyped': { ...GOOD, tickets: [GOOD.tickets[0], { ...GOOD.tickets[1], title: 42 }] },
    '/tickets/none': { ...GOOD, tickets: [] },
  };
  let calls = 0;

  beforeAll(async () => {
    brand = await startFakeBrand((req, res) => {
      calls += 1;
      const path = (req.url ?? '').split('?')[0] ?? '';
      res.writeHead(Object.hasOwn(answers, path) ? 200 : 404, { 'content-type': 'application/json' });
      res.end(JSON.stringify(Object.hasOwn(answers, path) ? answers[path] : { error: 'no such path' }));
    });
    stack = await startTestStack({ extraAllowHttpHosts: [brand.host] });
    admin = adminClient(stack, stack.demo.adminKey);
  });

  afterAll(async () => {
    await stack.stop();
    await brand.close();
  });

  beforeEach(async () => {
    await stack.idle();
    stack.lineStandIn.reset();
  });

  /** The flow: the card, a carousel of the tickets on success, the reason on failure. */
  const blocks = (path: string, contract: unknown) => ({
    card: { type: 'callApi', request: { url: `${brand.url}${path}` }, contract, onSuccess: 'show', onFailure: 'failed' },
    show: {
      type: 'message',
      messages: [
        { type: 'text', text: 'Hello {{ response.body.member.name }}: {{ response.body.tickets.size }} tickets' },
        { type: 'carousel', repeat: { over: 'response.body.tickets', as: 'ticket' }, card: { title: '{{ ticket.title }}' } },
      ],
      empty: 'none',
    },
    none: { type: 'message', messages: [{ type: 'text', text: 'no tickets' }] },
    failed: { type: 'message', messages: [{ type: 'text', text: 'failed: {{ failure.reason }}' }] },
  });

  async function learnt(): Promise<{ body: Record<string, unknown> }> {
    const flow = {
      schemaVersion: 1,
      name: 'learn',
      triggers: [{ type: 'keyword', keywords: ['go'], start: 'card' }],
      blocks: blocks('/tickets/good', undefined),
    };
    const reply = await admin.call('POST', '/admin/dry-run', { flow, blockId: 'card', learnContract: true });
    expect(reply.status).toBe(200);
    const body = reply.body as { outcome: { ok: boolean }; learntContract?: { body: Record<string, unknown> } };
    expect(body.outcome.ok).toBe(true);
    expect(body.learntContract).toBeDefined();
    return body.learntContract as { body: Record<string, unknown> };
  }

  let channels = 0;
  async function channelFor(path: string, contract: unknown): Promise<{ channelId: string; secret: string }> {
    channels += 1;
    const channelId = `contract-${channels}`;
    // Saved through the admin API: the flow passes the publish-time check first.
    const saved = await admin.call('POST', '/admin/flows', {
      flowId: channelId,
      flow: {
        schemaVersion: 1,
        name: 'contract',
        triggers: [{ type: 'keyword', keywords: ['go'], start: 'card' }],
        blocks: blocks(path, contract),
      },
    });
    expect(saved.status).toBe(201);
    const flow = flowSchema.parse({
      schemaVersion: 1,
      name: 'contract',
      triggers: [{ type: 'keyword', keywords: ['go'], start: 'card' }],
      blocks: blocks(path, contract),
    });
    await stack.store.flows.putVersion('lab', channelId, 1, flow);
    await stack.store.channels.put({
      workspaceId: 'lab',
      kind: 'line',
      channelId,
      secret: `${channelId}-secret`,
      accessToken: 'lab-token',
      name: '',
      activeFlow: { flowId: channelId, version: 1 },
    });
    return { channelId, secret: `${channelId}-secret` };
  }

  async function say(userId: string, action: CustomerAction, channel: { channelId: string; secret: string }): Promise<string[]> {
    const before = stack.lineStandIn.calls().length;
    const sent = await sendLine(stack, action, { userId, ...channel });
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

  async function log(channelId: string) {
    const page = await stack.store.executionLog.page('lab', { flowId: channelId, blockId: 'card' });
    return page.items.map(({ outcome, status, reason, warning, attempt }) => ({ outcome, status, reason, warning, attempt }));
  }

  test('a contract learnt from a test: types and keys, no values, no minItems; the good answer meets it and the follow-up runs', async () => {
    const contract = await learnt();
    expect(contract.body).toMatchObject({
      type: 'object',
      required: ['member', 'tickets'],
      properties: { tickets: { type: 'array', items: { required: ['id', 'title', 'price'] } } },
    });
    expect(JSON.stringify(contract)).not.toMatch(/Ada|Lost card|minItems/);
    const channel = await channelFor('/tickets/good', contract);
    expect(await say('U-c-good', { type: 'text', text: 'go' }, channel)).toEqual(expect.arrayContaining(['Hello Ada Lovelace: 2 tickets']));
    expect(await log(channel.channelId)).toEqual([{ outcome: 'success', status: 200, reason: undefined, warning: undefined, attempt: 1 }]);
    // A member with no tickets meets a learnt contract: it says nothing of how many.
    const none = await channelFor('/tickets/none', contract);
    expect(await say('U-c-none', { type: 'text', text: 'go' }, none)).toEqual(['no tickets']);
  });

  test.each([
    ['drops a field', '/tickets/dropped', false, 'contract: response.body.tickets: expected array, got undefined'],
    ['changes a type', '/tickets/retyped', false, 'contract: response.body.tickets[1].title: expected string, got integer'],
    [
      'returns [] where the contract says "must not be empty"',
      '/tickets/none',
      true,
      'contract: response.body.tickets: expected a non-empty array, got an empty array',
    ],
  ])(
    'a brand that %s: the failure path with reason contract, the path in the execution log, called once',
    async (_what, path, notEmpty, reason) => {
      const contract = await learnt();
      if (notEmpty) ((contract.body.properties as Record<string, Record<string, unknown>>).tickets as Record<string, unknown>).minItems = 1;
      const channel = await channelFor(path, contract);
      const before = calls;
      expect(await say(`U-c-${path.split('/')[2]}`, { type: 'text', text: 'go' }, channel)).toEqual(['failed: contract']);
      expect(calls - before).toBe(1);
      const entries = await log(channel.channelId);
      expect(entries).toEqual([{ outcome: 'failure', status: 200, reason, warning: undefined, attempt: 1 }]);
      // Types only: none of the answer's values.
      expect(JSON.stringify(entries)).not.toMatch(/Ada|Lost card|New address|42/);
    },
  );

  test('onMismatch warn: the card succeeds, the log entry carries the warning', async () => {
    const contract = { ...(await learnt()), onMismatch: 'warn' };
    const channel = await channelFor('/tickets/retyped', contract);
    expect(await say('U-c-warn', { type: 'text', text: 'go' }, channel)).toEqual(expect.arrayContaining(['Hello Ada Lovelace: 2 tickets']));
    expect(await log(channel.channelId)).toEqual([
      {
        outcome: 'success',
        status: 200,
        reason: undefined,
        warning: 'contract: response.body.tickets[1].title: expected string, got integer',
        attempt: 1,
      },
    ]);
  });

  test('saving (so publishing) refuses a follow-up reading a path the contract does not have', async () => {
    const contract = await learnt();
    const flowBlocks = blocks('/tickets/good', contract) as Record<string, Record<string, unknown>>;
    flowBlocks.show = { type: 'message', messages: [{ type: 'text', text: 'Hello {{ response.body.missing }}' }] };
    const flow = {
      schemaVersion: 1,
      name: 'contract',
      triggers: [{ type: 'keyword', keywords: ['go'], start: 'card' }],
      blocks: { ...flowBlocks, none: undefined },
    };
    delete (flow.blocks as Record<string, unknown>).none;
    const problem = {
      path: 'flow.blocks.show.messages.0.text',
      message:
        'reads response.body.missing, which the contract of card "card" does not have (no missing): add it to the contract, or read another field',
    };
    const validated = await admin.call('POST', '/admin/flows/validate', { flow });
    expect(validated.body).toMatchObject({ problems: [problem] });
    const saved = await admin.call('POST', '/admin/flows', { flowId: 'contract-missing', flow });
    expect([saved.status, saved.body]).toEqual([400, expect.objectContaining({ problems: [problem] })]);
    expect((await admin.call('GET', '/admin/flows/contract-missing')).status).toBe(404);
  });

  test('publishing refuses a version saved without the check (written straight to the store) whose follow-up reads a path the contract lacks', async () => {
    const contract = await learnt();
    const flowBlocks = blocks('/tickets/good', contract) as Record<string, Record<string, unknown>>;
    flowBlocks.show = { type: 'message', messages: [{ type: 'text', text: 'Hello {{ response.body.missing }}' }] };
    delete flowBlocks.none;
    const flow = flowSchema.parse({
      schemaVersion: 1,
      name: 'old',
      triggers: [{ type: 'keyword', keywords: ['old'], start: 'card' }],
      blocks: flowBlocks,
    });
    await stack.store.flows.putVersion(stack.demo.workspaceId, 'contract-old', 1, flow);
    const published = await admin.call('POST', '/admin/flows/contract-old/publish', {
      version: 1,
      channels: [{ kind: 'line', channelId: stack.demo.lineChannelId }],
    });
    expect([published.status, published.body]).toEqual([
      409,
      expect.objectContaining({
        problems: [
          {
            path: 'flow.blocks.show.messages.0.text',
            message:
              'reads response.body.missing, which the contract of card "card" does not have (no missing): add it to the contract, or read another field',
          },
        ],
      }),
    ]);
  });
});
