import type { LocalStack } from '../../local/localStack';
import { adminClient, type AdminClient } from '../support/adminClient';
import { startFakeBrand, startTestStack, type FakeBrand } from '../support/localStackHarness';

/**
 * Issue 24, finding 10: allowedHosts is required for every secret sent in headers. A secret saved
 * before (no allowedHosts) keeps working, but GET /admin/secrets and the checks of a flow sending it
 * warn until it is bound; binding it takes the hosts alone (the value is write-only: nobody may have it).
 */

describe('a secret saved before allowedHosts was required', () => {
  let stack: LocalStack;
  let lab: FakeBrand;
  let admin: AdminClient;
  const OLD_KEY = 'old-unbound-key-4f3e2d1c';

  beforeAll(async () => {
    lab = await startFakeBrand((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ got: String(req.headers['x-api-key']).length }));
    });
    stack = await startTestStack({ extraAllowHttpHosts: [lab.host] });
    admin = adminClient(stack, stack.demo.adminKey);
    // As it was stored before: no allowedHosts.
    await stack.store.secrets.put(stack.demo.workspaceId, 'OLD_KEY', OLD_KEY);
  });

  afterAll(async () => {
    await stack.stop();
    await lab.close();
  });

  const card = () => ({
    schemaVersion: 1,
    name: 'old key',
    triggers: [{ type: 'postback', action: 'old_key', start: 'call' }],
    blocks: {
      call: {
        type: 'callApi',
        request: { url: `${lab.url}/old`, headers: { 'x-api-key': '{{ secrets.OLD_KEY }}' } },
        retry: false,
        onSuccess: 'done',
      },
      done: { type: 'message', messages: [{ type: 'text', text: 'sent {{ response.body.got }}' }] },
    },
  });

  test('listed with unbound: true and a warning saying how to bind it; bound secrets and the signing secret carry none', async () => {
    const listed = (await admin.call('GET', '/admin/secrets')).body as { secrets: Array<Record<string, unknown>> };
    expect(listed.secrets.find((s) => s.name === 'OLD_KEY')).toEqual({
      name: 'OLD_KEY',
      value: '••••2d1c',
      updatedAt: expect.any(String),
      unbound: true,
      warning: expect.stringContaining('PUT /admin/secrets/OLD_KEY with allowedHosts (the value may be left out)'),
    });
    for (const secret of listed.secrets.filter((s) => s.name !== 'OLD_KEY')) expect(secret).not.toHaveProperty('unbound');
  });

  test('a flow sending it: a warning at the header on validate and save, publishing not refused, and the card still sends it', async () => {
    const warning = {
      path: 'flow.blocks.call.request.headers.x-api-key',
      message:
        'secret OLD_KEY is bound to no host, so any card may send it anywhere: bind it (PUT /admin/secrets/OLD_KEY with allowedHosts; publishing does not wait for it)',
    };
    expect(await admin.call('POST', '/admin/flows/validate', { flow: card() })).toMatchObject({
      status: 200,
      body: { ok: true, warnings: [warning] },
    });
    expect(await admin.call('POST', '/admin/flows', { flowId: 'old-key', flow: card() })).toMatchObject({
      status: 201,
      body: { warnings: [warning] },
    });
    expect(
      (
        await admin.call('POST', '/admin/flows/old-key/publish', {
          version: 1,
          channels: [{ kind: 'line', channelId: stack.demo.lineChannelId }],
        })
      ).status,
    ).toBe(200);
    const reply = await admin.call('POST', '/admin/dry-run', { flowId: 'old-key', blockId: 'call' });
    expect(reply.body).toMatchObject({ outcome: { ok: true }, followUp: { messages: [{ type: 'text', text: `sent ${OLD_KEY.length}` }] } });
    expect(lab.requests.at(-1)?.headers['x-api-key']).toBe(OLD_KEY);
  });

  test('bound with allowedHosts alone: the value is kept, the warnings go, the card still sends it', async () => {
    const bound = await admin.call('PUT', '/admin/secrets/OLD_KEY', { allowedHosts: ['127.0.0.1'] });
    expect(bound).toMatchObject({ status: 200, body: { name: 'OLD_KEY', value: '••••2d1c', allowedHosts: ['127.0.0.1'] } });
    expect(bound.body).not.toHaveProperty('unbound');
    expect(JSON.stringify((await admin.call('GET', '/admin/secrets')).body)).not.toMatch(/unbound|warning/);
    expect((await admin.call('POST', '/admin/flows/validate', { flow: card() })).body).toEqual({ ok: true });
    expect((await admin.call('POST', '/admin/dry-run', { flowId: 'old-key', blockId: 'call' })).body).toMatchObject({
      outcome: { ok: true },
    });
    expect(lab.requests.at(-1)?.headers['x-api-key']).toBe(OLD_KEY);
    expect(admin.bodies.join('\n')).not.toContain(OLD_KEY);
  });
});
