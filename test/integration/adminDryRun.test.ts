import { z } from 'zod';
import type { LocalStack } from '../../local/localStack';
import { demoFlow } from '../../local/demoFlow';
import { flowSchema } from '../../shared/flow/schema';
import { adminClient, type AdminClient } from '../support/adminClient';
import { startFakeBrand, startTestStack, type FakeBrand } from '../support/localStackHarness';

/**
 * Dry runs of a Call an API card: the real card code path against the demo brand API and a scripted
 * brand, the exact request (secrets masked), the response, the outcome, and the follow-up rendered
 * for LINE and Messenger. Nothing of the customer is written, nothing queued, nothing sent.
 */

const BRAND_TOKEN = 'brand-bearer-token-6a5b4c3d';
const BOUND_TOKEN = 'bound-bearer-token-9f8e7d6c';

const dryRunSchema = z.object({
  blockId: z.string(),
  request: z
    .object({ method: z.string(), url: z.string(), headers: z.record(z.string(), z.string()), body: z.string().optional() })
    .nullable(),
  response: z.object({ status: z.number(), headers: z.record(z.string(), z.string()), body: z.unknown() }).nullable(),
  outcome: z.object({ ok: z.boolean(), reason: z.string().optional(), attempts: z.number() }),
  followUp: z.object({
    messages: z.array(z.unknown()),
    line: z.array(z.record(z.string(), z.unknown())),
    messenger: z.array(z.record(z.string(), z.unknown())),
    attributes: z.record(z.string(), z.unknown()),
    waitingOn: z.string().optional(),
    stoppedBefore: z.string().optional(),
    skipped: z.array(z.string()).optional(),
    binding: z.unknown().optional(),
  }),
});

/** The follow-up's binding, as the dry run shows it. */
const reply = (result: z.infer<typeof dryRunSchema>) => ({ binding: result.followUp.binding });

describe('admin dry run', () => {
  let stack: LocalStack;
  let lab: FakeBrand;
  let other: FakeBrand;
  let admin: AdminClient;

  beforeAll(async () => {
    other = await startFakeBrand((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"landed":true}');
    });
    lab = await startFakeBrand((req, res, body) => {
      const path = (req.url ?? '').split('?')[0];
      if (path === '/redirect') {
        res.writeHead(307, { location: `${other.url}/landing` });
        res.end();
      } else if (path === '/echo') {
        // A careless brand that echoes the request, credentials included.
        res.writeHead(200, { 'content-type': 'application/json', 'x-echo-auth': String(req.headers.authorization) });
        res.end(JSON.stringify({ headers: req.headers, body }));
      } else {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end('{"error":"boom"}');
      }
    });
    stack = await startTestStack({ extraAllowHttpHosts: [lab.host, other.host] });
    admin = adminClient(stack, stack.demo.adminKey);
    await admin.call('PUT', '/admin/secrets/BRAND_TOKEN', { value: BRAND_TOKEN, allowedHosts: ['127.0.0.1'] });
  });

  afterAll(async () => {
    await stack.stop();
    await lab.close();
    await other.close();
  });

  beforeEach(() => stack.brandApi.reset());

  async function dryRun(body: unknown) {
    const reply = await admin.call('POST', '/admin/dry-run', body);
    expect([reply.status, reply.body]).toEqual([200, expect.anything()]);
    return dryRunSchema.parse(reply.body);
  }

  /** The demo flow with one more card: best sellers, sent with the workspace's secret. */
  function flowWith(blocks: Record<string, unknown>, start: string): Record<string, unknown> {
    const demo = demoFlow(stack.brandApi.url);
    return { ...demo, triggers: [...demo.triggers, { type: 'keyword', keywords: ['dry'], start }], blocks: { ...demo.blocks, ...blocks } };
  }

  test('a saved card against the demo brand: request, response, outcome, and the follow-up for LINE and Messenger', async () => {
    const result = await dryRun({ flowId: 'demo', version: 1, blockId: 'best_sellers' });
    expect(result.request).toMatchObject({
      method: 'GET',
      url: `${stack.brandApi.url}/best-sellers`,
      headers: { accept: 'application/json' },
    });
    expect(result.response).toMatchObject({
      status: 200,
      body: { items: expect.arrayContaining([expect.objectContaining({ sku: 'PC-001' })]) },
    });
    expect(result.outcome).toEqual({ ok: true, attempts: 1 });
    expect(result.followUp.messages).toMatchObject([
      { type: 'text', text: "Today's best sellers:" },
      { type: 'carousel', altText: "Today's best sellers" },
    ]);
    expect(result.followUp.line.map((m) => m.type)).toEqual(['text', 'flex']);
    expect(JSON.stringify(result.followUp.line[1])).toContain('阿里山高山烏龍茶 150g');
    expect(result.followUp.messenger).toMatchObject([
      { text: "Today's best sellers:" },
      { attachment: { type: 'template', payload: { template_type: 'generic' } } },
    ]);
    expect(stack.brandApi.requests().map((r) => r.path)).toEqual(['/best-sellers']);
  });

  test('secrets reach the brand for real but show masked; the attributes a card would save and the binding it would make are shown, not saved', async () => {
    const flow = flowWith(
      {
        check_with_key: {
          type: 'callApi',
          request: {
            method: 'POST',
            url: `${stack.brandApi.url}/otp/verify`,
            headers: { authorization: 'Bearer {{ secrets.BRAND_TOKEN }}' },
            body: { type: 'json', value: { phone: '{{ attributes.phone }}', code: '{{ attributes.otpCode }}' } },
          },
          successWhen: 'response.body.verified == true',
          saveToAttributes: { memberName: 'response.body.name' },
          bind: { memberId: 'response.body.memberId', attributes: { name: 'response.body.name' } },
          onSuccess: 'verified',
          onFailure: 'verify_failed',
        },
      },
      'check_with_key',
    );
    // The brand texts a code first (the demo flow's own card), then the card under test checks it.
    await dryRun({ flowId: 'demo', blockId: 'send_code', attributes: { phone: '0912-345-678' } });
    const code = stack.brandApi.lastCode('0912345678') ?? '';
    const sent = stack.brandApi.requests().length;
    const result = await dryRun({ flow, blockId: 'check_with_key', attributes: { phone: '0912-345-678', otpCode: code } });
    // A header whose template reads a secret is hidden whole.
    expect(result.request).toMatchObject({
      method: 'POST',
      headers: { authorization: '••••', 'content-type': 'application/json' },
      body: `{"phone":"0912-345-678","code":"${code}"}`,
    });
    expect(stack.brandApi.requests().at(-1)?.headers.authorization).toBe(`Bearer ${BRAND_TOKEN}`);
    expect(result.outcome).toEqual({ ok: true, attempts: 1 });
    // The follow-up stops before the next card the customer would wait for: only one brand call.
    expect(result.followUp).toMatchObject({
      attributes: { memberName: 'Chen Mei-Ling' },
      stoppedBefore: 'load_tickets',
      messages: [{ type: 'text', text: 'Thank you, Chen Mei-Ling: you are verified as member M001.' }],
    });
    expect(reply(result)).toMatchObject({ binding: { memberId: 'M001', method: 'oneTimeCode' } });
    expect(stack.brandApi.requests().length - sent).toBe(1);
    expect(JSON.stringify(result)).not.toContain(BRAND_TOKEN);
  });

  /** Whether text holds the token in any spelling a filter could make: spaced out, any case, reversed. */
  const spellsToken = (text: string) => {
    const squashed = text.replace(/[^A-Za-z0-9]/g, '').toLowerCase();
    const token = BRAND_TOKEN.replace(/[^A-Za-z0-9]/g, '').toLowerCase();
    return squashed.includes(token) || squashed.includes([...token].reverse().join(''));
  };

  const HOSTILE_HEADERS = {
    'x-read-back': '{% assign k = secrets.BRAND_TOKEN | split: "" | join: " " %}{% include k %}',
    'x-shout': '{{ secrets.BRAND_TOKEN | upcase }}',
    'x-reverse': '{{ secrets.BRAND_TOKEN | split: "" | reverse | join: "" }}',
  };

  test('a secret with a filter, a tag or an assignment: the flow is refused, each header at its path', async () => {
    const headers = { ...HOSTILE_HEADERS, 'x-trace': 'dry-{{ attributes.n }}' };
    const flow = flowWith(
      { shout_key: { type: 'callApi', request: { url: `${lab.url}/echo`, headers }, onSuccess: 'show_best_sellers' } },
      'shout_key',
    );
    const reply = await admin.call('POST', '/admin/dry-run', { flow, blockId: 'shout_key', attributes: { n: 7 } });
    expect(reply.status).toBe(400);
    const problems = z.object({ problems: z.array(z.object({ path: z.string(), message: z.string() })) }).parse(reply.body).problems;
    expect(problems.map((p) => p.path).sort()).toEqual(
      Object.keys(HOSTILE_HEADERS)
        .map((name) => `flow.blocks.shout_key.request.headers.${name}`)
        .sort(),
    );
    expect(lab.requests.filter((r) => r.url.startsWith('/echo'))).toEqual([]);
    expect(spellsToken(reply.text)).toBe(false);
  });

  test.each(Object.entries(HOSTILE_HEADERS))(
    'a saved flow that skipped validation (%s): the card fails before calling, and nothing spells the secret',
    async (name, header) => {
      const flow = flowSchema.parse(
        flowWith(
          { hostile: { type: 'callApi', request: { url: `${lab.url}/echo`, headers: { [name]: header } }, retry: false } },
          'hostile',
        ),
      );
      await stack.store.flows.create('demo', `unchecked-${name}`, flow);
      const before = lab.requests.length;
      const reply = await admin.call('POST', '/admin/dry-run', { flowId: `unchecked-${name}`, blockId: 'hostile' });
      expect(reply.status).toBe(200);
      const result = dryRunSchema.parse(reply.body);
      expect(result).toMatchObject({
        request: null,
        response: null,
        outcome: { ok: false, reason: expect.stringMatching(/^template: /), attempts: 0 },
      });
      expect(lab.requests.length).toBe(before);
      expect(spellsToken(reply.text)).toBe(false);
    },
  );

  test('a secret bound to other hosts is not sent: the card fails before connecting', async () => {
    await admin.call('PUT', '/admin/secrets/BOUND_TOKEN', { value: BOUND_TOKEN, allowedHosts: ['api.brand.example'] });
    const flow = flowWith(
      {
        bound: {
          type: 'callApi',
          request: { url: `${lab.url}/echo`, headers: { authorization: 'Bearer {{ secrets.BOUND_TOKEN }}' } },
          retry: false,
        },
      },
      'bound',
    );
    const before = lab.requests.length;
    const refused = await dryRun({ flow, blockId: 'bound' });
    expect(refused).toMatchObject({
      request: null,
      response: null,
      outcome: { ok: false, reason: 'secret BOUND_TOKEN not allowed for host 127.0.0.1', attempts: 1 },
    });
    expect(lab.requests.length).toBe(before);

    await admin.call('PUT', '/admin/secrets/BOUND_TOKEN', { value: BOUND_TOKEN, allowedHosts: ['api.brand.example', '127.0.0.1'] });
    const allowed = await dryRun({ flow, blockId: 'bound' });
    expect(allowed).toMatchObject({ request: { headers: { authorization: '••••' } }, outcome: { ok: true } });
    expect(lab.requests.at(-1)?.headers.authorization).toBe(`Bearer ${BOUND_TOKEN}`);
    expect(JSON.stringify([refused, allowed])).not.toContain(BOUND_TOKEN);
  });

  test('a redirect to another origin does not carry the secret header', async () => {
    const flow = flowWith(
      {
        hop: {
          type: 'callApi',
          request: { url: `${lab.url}/redirect`, headers: { authorization: 'Bearer {{ secrets.BRAND_TOKEN }}' } },
          retry: false,
        },
      },
      'hop',
    );
    const result = await dryRun({ flow, blockId: 'hop' });
    expect(result.outcome).toMatchObject({ ok: true });
    expect(lab.requests.at(-1)?.headers.authorization).toBe(`Bearer ${BRAND_TOKEN}`);
    expect(other.requests.map((r) => [r.url, r.headers.authorization])).toEqual([['/landing', undefined]]);
  });

  test('the signing secret must be a Standard Webhooks secret', async () => {
    const bad = await admin.call('PUT', '/admin/secrets/CALLCARD_SIGNING_SECRET', { value: 'not-a-whsec-secret' });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).not.toContain('not-a-whsec-secret');
  });

  test('a brand that says no: the failure block is rendered', async () => {
    const result = await dryRun({ flowId: 'demo', blockId: 'check_code', attributes: { phone: '0900000000', otpCode: '123456' } });
    expect(result.response).toMatchObject({ status: 422, body: { verified: false, error: 'wrong_code', attemptsLeft: 2 } });
    expect(result.outcome).toEqual({ ok: false, reason: 'http_422', attempts: 1 });
    expect(result.followUp.line).toEqual([
      { type: 'text', text: 'That code is not right. 2 attempt(s) left.' },
      { type: 'text', text: 'If 0900000000 is a member number, we just texted it a 6-digit code. Please type the code here.' },
    ]);
    expect(result.followUp.messenger).toEqual([
      { text: 'That code is not right. 2 attempt(s) left.' },
      { text: 'If 0900000000 is a member number, we just texted it a 6-digit code. Please type the code here.' },
    ]);
    expect(result.followUp).toMatchObject({ attributes: {}, waitingOn: 'ask_code' });
  });

  test('a brand that fails with 500, retries off: the failure block; with no failure block, the default apology', async () => {
    const card = { type: 'callApi', request: { url: `${lab.url}/fail` }, retry: false, onFailure: 'sorry' };
    const flow = flowWith(
      { lab_card: card, sorry: { type: 'message', messages: [{ type: 'text', text: 'The brand is down, {{ trigger.params.who }}.' }] } },
      'lab_card',
    );
    const result = await dryRun({ flow, blockId: 'lab_card', trigger: { params: { who: 'Mei' } } });
    expect(result).toMatchObject({
      response: { status: 500, body: { error: 'boom' } },
      outcome: { ok: false, reason: 'http_500', attempts: 1 },
    });
    expect(result.followUp.line).toEqual([{ type: 'text', text: 'The brand is down, Mei.' }]);

    const bare = flowWith({ lab_card: { ...card, onFailure: undefined } }, 'lab_card');
    const apology = await dryRun({ flow: bare, blockId: 'lab_card' });
    expect(apology.followUp.messages).toEqual([
      { type: 'text', text: 'Sorry, something went wrong on our side. Please try again in a moment.' },
    ]);
  });

  test('the same guard as the executor: a host that is not allowed is blocked, nothing is called', async () => {
    const flow = flowWith({ blocked: { type: 'callApi', request: { url: 'http://127.0.0.1:9/private' }, retry: false } }, 'blocked');
    const result = await dryRun({ flow, blockId: 'blocked' });
    expect(result).toMatchObject({
      request: { url: 'http://127.0.0.1:9/private' },
      response: null,
      outcome: { ok: false, reason: 'blocked' },
    });
  });

  test('ports: 443 unless the workspace settings allow another; the refusal comes before connecting', async () => {
    expect(await admin.call('GET', '/admin/settings')).toMatchObject({ status: 200, body: { allowedPorts: [] } });
    for (const allowedPorts of [[0], [65_536], ['8443'], Array.from({ length: 21 }, (_, i) => 8000 + i)]) {
      expect((await admin.call('PUT', '/admin/settings', { allowedPorts })).status).toBe(400);
    }
    // A reserved (documentation) address on 8443: the guard would refuse it anyway, but only after the
    // port check, so the outcome says which check stopped it. The host comes from a template: written
    // in the URL, the address is refused when the flow is validated, before anything runs.
    const flow = flowWith(
      { port_card: { type: 'callApi', request: { url: 'https://{{ attributes.host }}:8443/members' }, retry: false } },
      'port_card',
    );
    const attributes = { host: '192.0.2.10' };
    const refused = await dryRun({ flow, blockId: 'port_card', attributes });
    expect(refused).toMatchObject({
      response: null,
      outcome: { ok: false, reason: 'port 8443 not allowed (workspace settings: allowedPorts)', attempts: 1 },
    });
    try {
      expect(await admin.call('PUT', '/admin/settings', { allowedPorts: [8443, 8080] })).toMatchObject({
        status: 200,
        body: { allowedPorts: [8080, 8443] },
      });
      expect(await admin.call('GET', '/admin/settings')).toMatchObject({ status: 200, body: { allowedPorts: [8080, 8443] } });
      const allowed = await dryRun({ flow, blockId: 'port_card', attributes });
      expect(allowed).toMatchObject({ response: null, outcome: { ok: false, reason: 'blocked', attempts: 1 } });
      // The local stand-ins (allow-listed http hosts on random ports) keep working whatever the setting.
      expect((await dryRun({ flowId: 'demo', blockId: 'best_sellers' })).outcome).toMatchObject({ ok: true });
    } finally {
      await admin.call('PUT', '/admin/settings', { allowedPorts: [] });
    }
  });

  test("language: the demo workspace speaks English; a PUT changes it (other settings kept), and the dry run's apology follows, unless the flow rewords it", async () => {
    expect(await admin.call('GET', '/admin/settings')).toMatchObject({ status: 200, body: { allowedPorts: [], language: 'en' } });
    for (const language of ['fr', 'zh-tw', '']) expect((await admin.call('PUT', '/admin/settings', { language })).status).toBe(400);
    const bare = flowWith({ lab_card: { type: 'callApi', request: { url: `${lab.url}/fail` }, retry: false } }, 'lab_card');
    try {
      expect(await admin.call('PUT', '/admin/settings', { allowedPorts: [8443] })).toMatchObject({
        status: 200,
        body: { allowedPorts: [8443], language: 'en' },
      });
      expect(await admin.call('PUT', '/admin/settings', { language: 'zh-TW' })).toMatchObject({
        status: 200,
        body: { allowedPorts: [8443], language: 'zh-TW' },
      });
      expect(await admin.call('GET', '/admin/settings')).toMatchObject({ status: 200, body: { allowedPorts: [8443], language: 'zh-TW' } });
      expect((await dryRun({ flow: bare, blockId: 'lab_card' })).followUp.messages).toEqual([
        { type: 'text', text: '抱歉，系統暫時出了點問題，請稍後再試一次。' },
      ]);
      const reworded = { ...bare, texts: { failure: '本店系統維護中，請稍後再試。' } };
      expect((await dryRun({ flow: reworded, blockId: 'lab_card' })).followUp.messages).toEqual([
        { type: 'text', text: '本店系統維護中，請稍後再試。' },
      ]);
    } finally {
      await admin.call('PUT', '/admin/settings', { allowedPorts: [], language: 'en' });
    }
  });

  test('what a brand echoes back is masked too', async () => {
    const flow = flowWith(
      {
        echo: {
          type: 'callApi',
          request: {
            method: 'POST',
            url: `${lab.url}/echo?api_key={{ attributes.k }}`,
            headers: { authorization: 'Bearer {{ secrets.BRAND_TOKEN }}' },
            body: { type: 'json', value: { hello: 'x' } },
          },
        },
      },
      'echo',
    );
    const reply = await admin.call('POST', '/admin/dry-run', { flow, blockId: 'echo', attributes: { k: 'plain-query-key' } });
    expect(reply.status).toBe(200);
    expect(reply.text).not.toContain(BRAND_TOKEN);
    const result = dryRunSchema.parse(reply.body);
    expect(result.request?.url).toBe(`${lab.url}/echo?api_key=***`);
    expect(result.response).toMatchObject({
      headers: { 'x-echo-auth': 'Bearer ••••' },
      body: { headers: { authorization: 'Bearer ••••' } },
    });
  });

  test('a dry run writes nothing, queues nothing, sends nothing', async () => {
    const before = await stack.store.executionLog.page('demo', { flowId: 'demo', blockId: 'best_sellers' });
    await dryRun({ flowId: 'demo', blockId: 'best_sellers' });
    await dryRun({ flowId: 'demo', blockId: 'submit_registration', attributes: { name: 'Lin', phone: '0912345678', plan: 'standard' } });
    await stack.idle();
    expect(await stack.store.executionLog.page('demo', { flowId: 'demo', blockId: 'best_sellers' })).toEqual(before);
    expect(await stack.store.customers.get({ channelKind: 'line', channelId: 'dry-run', userId: 'dry-run' })).toBeUndefined();
    expect(stack.lineStandIn.calls()).toEqual([]);
    expect(stack.messengerStandIn.calls()).toEqual([]);
    // The fire-and-forget notification after a registration is skipped, not called.
    expect(stack.brandApi.requests().map((r) => r.path)).toEqual(['/best-sellers', '/registrations']);
  });

  test('a fire-and-forget card under test is called and shown', async () => {
    const result = await dryRun({ flowId: 'demo', blockId: 'send_confirmation', attributes: { name: 'Lin', phone: '0912345678' } });
    expect(result).toMatchObject({ request: { method: 'POST', url: `${stack.brandApi.url}/notify` }, outcome: { ok: true } });
    expect(stack.brandApi.requests().map((r) => r.path)).toEqual(['/notify']);
  });

  test.each([
    [{ flowId: 'demo', blockId: 'help' }, 400, 'blockId'],
    [{ flowId: 'demo', blockId: 'no_such_block' }, 400, 'blockId'],
    [{ blockId: 'best_sellers' }, 400, 'flow'],
    [{ flowId: 'demo', flow: {}, blockId: 'best_sellers' }, 400, 'flow'],
    [{ version: 1, blockId: 'best_sellers', flow: { name: 'x' } }, 400, 'version'],
    [{ flowId: 'demo', version: 9, blockId: 'best_sellers' }, 404, undefined],
    [{ flowId: 'nope', blockId: 'best_sellers' }, 404, undefined],
  ])('%j → %i', async (body, status, path) => {
    const reply = await admin.call('POST', '/admin/dry-run', body);
    expect(reply.status).toBe(status);
    if (path)
      expect(
        z
          .object({ problems: z.array(z.object({ path: z.string() })) })
          .parse(reply.body)
          .problems.map((p) => p.path),
      ).toContain(path);
  });
});
