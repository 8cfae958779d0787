import { z } from 'zod';
import type { LineCall } from '../../local/lineStandIn';
import type { LocalStack } from '../../local/localStack';
import { adminClient, type AdminClient } from '../support/adminClient';
import { sendLine, startFakeBrand, startTestStack, transcript, waitForLineCalls, type FakeBrand } from '../support/localStackHarness';

/**
 * Issue 24, findings 5, 6 and 7, on the local stack: `__proto__`, `constructor` and `prototype` as keys.
 * The admin's maps refuse them, the same on validate and save (a 400 at the key's path, never a 500);
 * a brand's answer or a customer's postback holding them is data like any other.
 */
describe('reserved names as keys: refused in flows and secrets, carried as data from brands and customers', () => {
  let stack: LocalStack;
  let brand: FakeBrand;
  let admin: AdminClient;
  let brandBody = '{}';

  beforeAll(async () => {
    brand = await startFakeBrand((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(brandBody);
    });
    stack = await startTestStack({ extraAllowHttpHosts: [brand.host] });
    admin = adminClient(stack, stack.demo.adminKey);
  });

  afterAll(async () => {
    await stack.stop();
    await brand.close();
  });

  const flowOf = (blocks: Record<string, unknown>, start = Object.keys(blocks)[0]) => ({
    schemaVersion: 1,
    name: 'reserved',
    triggers: [{ type: 'keyword', keywords: ['go'], start }],
    blocks,
  });
  const card = (request: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) => ({
    card: { type: 'callApi', request: { url: 'https://api.example.com/v1', ...request }, ...extra },
  });

  /** Each case: a flow document as raw JSON (so a `__proto__` key is a key, as a client sends it), and the path refused. */
  const cases: Array<[string, string, string]> = [
    ['a block id', JSON.stringify(flowOf({ constructor: { type: 'end' } })), 'flow.blocks.constructor'],
    [
      'a block id __proto__',
      JSON.stringify(flowOf({ a: { type: 'end' } }))
        .replace('"a":{', '"__proto__":{')
        .replace('"start":"a"', '"start":"__proto__"'),
      'flow.blocks.__proto__',
    ],
    ['a header name', JSON.stringify(flowOf(card({ headers: { constructor: 'x' } }))), 'flow.blocks.card.request.headers.constructor'],
    [
      'a header name in upper case',
      JSON.stringify(flowOf(card({ headers: { __PROTO__: 'x' } }))),
      'flow.blocks.card.request.headers.__PROTO__',
    ],
    [
      'a JSON body key',
      JSON.stringify(flowOf(card({ method: 'POST', body: { type: 'json', value: { order: { constructor: 'x' } } } }))),
      'flow.blocks.card.request.body.value.order.constructor',
    ],
    [
      'a JSON body key __proto__',
      JSON.stringify(flowOf(card({ method: 'POST', body: { type: 'json', value: { PROTO: { admin: true } } } }))).replace(
        '"PROTO"',
        '"__proto__"',
      ),
      'flow.blocks.card.request.body.value.__proto__',
    ],
    [
      'a form field',
      JSON.stringify(flowOf(card({ method: 'POST', body: { type: 'form', fields: { prototype: 'x' } } }))),
      'flow.blocks.card.request.body.fields.prototype',
    ],
    [
      'a saveToAttributes name',
      JSON.stringify(flowOf(card({}, { saveToAttributes: { constructor: 'response.body' } }))),
      'flow.blocks.card.saveToAttributes.constructor',
    ],
    [
      'a setAttributes name',
      JSON.stringify(flowOf({ s: { type: 'setAttributes', set: { constructor: 'x' } } })),
      'flow.blocks.s.set.constructor',
    ],
    [
      'a question saveAs',
      JSON.stringify(flowOf({ q: { type: 'question', prompt: 'Name?', input: { type: 'text' }, saveAs: 'constructor' } })),
      'flow.blocks.q.saveAs',
    ],
    [
      'a condition attribute',
      JSON.stringify(
        flowOf({ c: { type: 'condition', branches: [{ when: { op: 'exists', attribute: 'prototype' }, next: 'e' }] }, e: { type: 'end' } }),
      ),
      'flow.blocks.c.branches.0.when.attribute',
    ],
  ];

  const problemPaths = (body: unknown) =>
    z
      .object({ problems: z.array(z.object({ path: z.string() })) })
      .parse(body)
      .problems.map((p) => p.path);

  test.each(cases)(
    'finding 5/7: %s named so is refused the same on validate and save (400 at its path, never 500)',
    async (_name, flowJson, path) => {
      const validated = await admin.call('POST', '/admin/flows/validate', undefined, { rawBody: `{"flow":${flowJson}}` });
      const saved = await admin.call('POST', '/admin/flows', undefined, { rawBody: `{"flowId":"reserved-flow","flow":${flowJson}}` });
      expect(validated.status).toBe(400);
      expect(saved.status).toBe(400);
      expect(problemPaths(validated.body)).toContain(path);
      expect(problemPaths(saved.body)).toEqual(problemPaths(validated.body));
    },
  );

  test('finding 7: a secret named __proto__ (or constructor, prototype) is refused (it was accepted, then never found when a card ran)', async () => {
    for (const name of ['__proto__', 'constructor', 'prototype']) {
      const put = await admin.call('PUT', `/admin/secrets/${name}`, { value: 'a-long-enough-value', allowedHosts: ['api.brand.example'] });
      expect(put.status).toBe(400);
      expect(put.text).toContain('path.name');
    }
    expect((await admin.call('GET', '/admin/secrets')).text).not.toMatch(/__proto__|"constructor"|"prototype"/);
  });

  /** A flow of the demo workspace on its own LINE channel; the customer says "go". */
  let channels = 0;
  async function run(blocks: Record<string, unknown>, userId: string): Promise<string[]> {
    channels += 1;
    const channelId = `reserved-${channels}`;
    await stack.store.flows.putVersion('demo', channelId, 1, flowOf(blocks));
    await stack.store.channels.put({
      workspaceId: 'demo',
      kind: 'line',
      channelId,
      secret: `${channelId}-secret`,
      accessToken: 'token',
      name: '',
      activeFlow: { flowId: channelId, version: 1 },
    });
    const before = stack.lineStandIn.calls().length;
    const sent = await sendLine(stack, { type: 'text', text: 'go' }, { userId, channelId, secret: `${channelId}-secret` });
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

  test('finding 6: a brand answer with constructor and __proto__ keys, saved to attributes, ends the turn once: one brand call, one answer', async () => {
    brandBody =
      '{"memberId":"M7","constructor":{"name":"String"},"__proto__":{"isAdmin":true},"nested":{"prototype":"p","constructor":"c"}}';
    const calls = brand.requests.length;
    const said = await run(
      {
        card: {
          type: 'callApi',
          retry: false,
          request: { url: `${brand.url}/member` },
          saveToAttributes: { member: 'response.body', memberId: 'response.body.memberId' },
          onSuccess: 'ok',
        },
        ok: {
          type: 'message',
          messages: [{ type: 'text', text: 'hello {{ attributes.memberId }}, admin: {{ attributes.member.isAdmin | default: "no" }}' }],
        },
      },
      'U-reserved-brand',
    );
    expect(said).toEqual(['hello M7, admin: no']);
    expect(brand.requests.length - calls).toBe(1);
    // No retry came: the job finished on its first delivery, and nothing reached the dead-letter queue.
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    await stack.idle();
    expect(brand.requests.length - calls).toBe(1);
    expect(
      stack.lineStandIn
        .calls()
        .filter((c) => c.to === 'U-reserved-brand' || c.kind === 'reply')
        .filter((c) => transcript(c.messages ?? []).some((t) => t.startsWith('hello M7'))),
    ).toHaveLength(1);
    // Kept as the brand said it: its own constructor key, the __proto__ key left out (it cannot be stored).
    const customer = await stack.store.customers.get({
      channelKind: 'line',
      channelId: `reserved-${channels}`,
      userId: 'U-reserved-brand',
    });
    const member = customer?.attributes.member as Record<string, unknown>;
    expect(Object.keys(member).sort()).toEqual(['constructor', 'memberId', 'nested']);
    expect(member.constructor).toEqual({ name: 'String' });
    expect(Object.getPrototypeOf(member)).toBe(Object.prototype);
    expect(member.nested).toEqual({ prototype: 'p', constructor: 'c' });
  });

  test('finding 5: simulator postback params named constructor or __proto__ are parameters like any other (no 500)', async () => {
    for (const params of ['{"constructor":"1"}', '{"__proto__":"1"}', '{"prototype":"1"}']) {
      const sent = await admin.call('POST', `/admin/simulator/line/${stack.demo.lineChannelId}/sim-reserved`, undefined, {
        rawBody: `{"event":{"type":"postback","data":"action=my_tickets&constructor=2","params":${params}}}`,
      });
      expect(sent.status).toBeLessThan(300);
    }
    await stack.idle();
    const read = await admin.call('GET', `/admin/simulator/line/${stack.demo.lineChannelId}/sim-reserved`);
    expect(read.status).toBe(200);
  });

  test('a turn job whose event params say constructor is run, not dead-lettered', async () => {
    // As a webhook would queue it: the postback data's own parameters too.
    const before = stack.lineStandIn.calls().length;
    const sent = await sendLine(
      stack,
      { type: 'postback', data: 'action=my_tickets&constructor=1&__proto__=x&prototype=y', params: { constructor: '1', prototype: '2' } },
      { userId: 'U-reserved-postback' },
    );
    expect(sent.status).toBe(200);
    await waitForLineCalls(
      stack,
      (calls) => calls.slice(before).some((c) => c.replyToken === sent.replyToken || c.to === 'U-reserved-postback'),
      15_000,
    );
    await stack.idle();
  });
});
