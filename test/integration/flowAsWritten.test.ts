import type { LocalStack } from '../../local/localStack';
import { adminClient, type AdminClient } from '../support/adminClient';
import { sendLine, startFakeBrand, startTestStack, transcript, waitForLineCalls, type FakeBrand } from '../support/localStackHarness';

/**
 * Issue 18: the admin API keeps a flow as the admin wrote it. A save stores the document it was sent
 * (validated, nothing added), GET gives it back so; the defaults (`timeoutMs: 10000`, `retry: true`,
 * `method: GET`, `headers: {}`, `maxAttempts: 3`, `match: exact`…) are applied where the runtime reads
 * it. A save that only spells out a default is still unchanged.
 */

const WRITTEN = (brandUrl: string) => ({
  schemaVersion: 1,
  name: 'As written',
  triggers: [{ type: 'keyword', keywords: ['as written'], start: 'card' }],
  blocks: {
    card: { type: 'callApi', request: { url: `${brandUrl}/member` }, onSuccess: 'hello' },
    hello: { type: 'message', messages: [{ type: 'text', text: 'Hello {{ response.body.name }}' }], next: 'ask' },
    ask: { type: 'question', prompt: 'Your order number?', input: { type: 'text' }, saveAs: 'order' },
  },
});

/** Every default the flow schema fills in for the document above. */
const DEFAULTS = ['timeoutMs', 'retry', 'fireAndForget', 'expect', 'saveToAttributes'] as const;

describe('a flow is kept as the admin wrote it', () => {
  let stack: LocalStack;
  let brand: FakeBrand;
  let admin: AdminClient;

  beforeAll(async () => {
    // The brand answers after 1.5 s: well within the card's default timeout (10 s), which the saved document never names.
    brand = await startFakeBrand((_req, res) => {
      setTimeout(() => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"name":"Mei"}');
      }, 1_500);
    });
    stack = await startTestStack({ extraAllowHttpHosts: [brand.host] });
    admin = adminClient(stack, stack.demo.adminKey);
  });

  afterAll(async () => {
    await stack.stop();
    await brand.close();
  });

  test('saved without timeoutMs, it comes back without it; the runtime reads 10 s and the card runs', async () => {
    const written = WRITTEN(brand.url);
    const created = await admin.call('POST', '/admin/flows', { flowId: 'as-written', flow: written });
    expect(created).toMatchObject({ status: 201, body: { version: 1 } });
    expect((created.body as { flow: unknown }).flow).toEqual(written);

    // GET (latest and by version): the document as sent, no default added.
    for (const path of ['/admin/flows/as-written', '/admin/flows/as-written/versions/1']) {
      const got = await admin.call('GET', path);
      expect(got.status).toBe(200);
      const flow = (got.body as { flow: typeof written }).flow;
      expect(flow).toEqual(written);
      for (const key of DEFAULTS) expect(flow.blocks.card).not.toHaveProperty(key);
      expect(flow.blocks.card.request).not.toHaveProperty('method');
      expect(flow.blocks.card.request).not.toHaveProperty('headers');
      expect(flow.blocks.ask).not.toHaveProperty('maxAttempts');
      expect(flow.triggers[0]).not.toHaveProperty('match');
    }

    // Spelling the defaults out is no change; the stored document stays as first written.
    const explicit = structuredClone(written) as ReturnType<typeof WRITTEN> & Record<string, never>;
    Object.assign(explicit.blocks.card, { timeoutMs: 10_000, retry: true, fireAndForget: false });
    Object.assign(explicit.blocks.card.request, { method: 'GET', headers: {} });
    Object.assign(explicit.blocks.ask, { maxAttempts: 3 });
    Object.assign(explicit.triggers[0]!, { match: 'exact' });
    const same = await admin.call('PUT', '/admin/flows/as-written', { flow: explicit, baseVersion: 1 });
    expect(same).toMatchObject({ status: 200, body: { version: 1, unchanged: true } });
    expect((same.body as { flow: unknown }).flow).toEqual(written);

    // The runtime's read of it: the defaults applied.
    const runtime = await stack.store.flows.getVersion('demo', 'as-written', 1);
    expect(runtime?.flow.blocks.card).toMatchObject({ timeoutMs: 10_000, retry: true, request: { method: 'GET', headers: {} } });
    expect(runtime?.flow.blocks.ask).toMatchObject({ maxAttempts: 3 });

    // Published and played on LINE: the card waits for the slow brand (10 s allowed) and answers.
    const channelId = 'as-written-line';
    await stack.store.channels.put({
      workspaceId: 'demo',
      kind: 'line',
      channelId,
      secret: 'as-written-secret',
      accessToken: 'as-written-token',
      name: '',
      activeFlows: [],
    });
    expect(
      (await admin.call('POST', '/admin/flows/as-written/publish', { version: 1, channels: [{ kind: 'line', channelId }] })).status,
    ).toBe(200);
    const sent = await sendLine(
      stack,
      { type: 'text', text: 'as written' },
      { userId: 'U-as-written', channelId, secret: 'as-written-secret' },
    );
    expect(sent.status).toBe(200);
    const calls = await waitForLineCalls(
      stack,
      (all) => transcript(all.flatMap((c) => c.messages ?? [])).includes('Your order number?'),
      15_000,
    );
    expect(transcript(calls.flatMap((c) => c.messages ?? []))).toEqual(expect.arrayContaining(['Hello Mei', 'Your order number?']));
    expect(brand.requests).toHaveLength(1);
  }, 30_000);

  test('a changed save is stored as written too', async () => {
    const written = WRITTEN(brand.url);
    written.blocks.ask.prompt = 'Your order number, please?';
    const saved = await admin.call('PUT', '/admin/flows/as-written', { flow: written, baseVersion: 1 });
    expect(saved).toMatchObject({ status: 200, body: { version: 2 } });
    expect((saved.body as { flow: unknown }).flow).toEqual(written);
    expect((await admin.call('GET', '/admin/flows/as-written')).body).toMatchObject({ version: 2 });
    expect(((await admin.call('GET', '/admin/flows/as-written')).body as { flow: unknown }).flow).toEqual(written);
  });
});
