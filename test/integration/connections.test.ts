import type { ServerResponse } from 'node:http';
import type { LineCall } from '../../local/lineStandIn';
import type { LocalStack } from '../../local/localStack';
import { adminClient, type AdminClient } from '../support/adminClient';
import { sendLine, startFakeBrand, startTestStack, transcript, waitForLineCalls, type FakeBrand } from '../support/localStackHarness';

/**
 * Connections (issue 20) on the local stack: a brand API named once, with a base URL and a key per
 * environment; cards call it by name and path. A customer on LINE reaches production; the console's
 * chat simulator and its Test (the dry run) reach staging; the execution log says which ran. Cards
 * naming a connection the workspace lacks are warned about on save and refused at publish; a
 * connection a published flow calls cannot be deleted. No key ever comes back from the admin API.
 */

const PROD_KEY = 'acme-production-key-5f1e';
const STAGING_KEY = 'acme-staging-key-93ab';

describe('connections, on the local stack', () => {
  let stack: LocalStack;
  let production: FakeBrand;
  let staging: FakeBrand;
  let admin: AdminClient;

  const answer = (which: string) => (_req: unknown, res: ServerResponse) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ from: which }));
  };

  const flow = (connection: string, url = '/v1/tickets?who={{ customer.id }}') => ({
    schemaVersion: 1,
    name: 'connected',
    triggers: [{ type: 'keyword', keywords: ['acme tickets'], start: 'tickets' }],
    blocks: {
      tickets: { type: 'callApi', request: { connection, url }, retry: false, onSuccess: 'said', onFailure: 'failed' },
      said: { type: 'message', messages: [{ type: 'text', text: 'Answered by {{ response.body.from }}' }] },
      failed: { type: 'message', messages: [{ type: 'text', text: 'Failed: {{ failure.reason }}' }] },
    },
  });

  beforeAll(async () => {
    production = await startFakeBrand(answer('production'));
    staging = await startFakeBrand(answer('staging'));
    stack = await startTestStack({ extraAllowHttpHosts: [production.host, staging.host] });
    admin = adminClient(stack, stack.demo.adminKey);
    expect((await admin.call('PUT', '/admin/secrets/ACME_KEY', { value: PROD_KEY, allowedHosts: ['127.0.0.1'] })).status).toBe(200);
    expect((await admin.call('PUT', '/admin/secrets/ACME_STAGING_KEY', { value: STAGING_KEY, allowedHosts: ['127.0.0.1'] })).status).toBe(
      200,
    );
  });

  afterAll(async () => {
    await stack?.stop();
    await production?.close();
    await staging?.close();
  });

  const connection = () => ({
    description: 'ACME members API',
    baseUrl: { production: production.url, staging: `${staging.url}/` },
    auth: { type: 'header', header: 'x-api-key', secret: { production: 'ACME_KEY', staging: 'ACME_STAGING_KEY' } },
  });

  test('PUT, GET and list: saved as given, with names of secrets only; problems at their paths', async () => {
    const put = await admin.call('PUT', '/admin/connections/acme', connection());
    expect(put).toMatchObject({
      status: 200,
      body: { name: 'acme', connection: { baseUrl: { production: production.url }, auth: { type: 'header', prefix: '' } } },
    });
    expect((put.body as { warnings?: unknown }).warnings).toBeUndefined();
    expect(await admin.call('GET', '/admin/connections/acme')).toMatchObject({ status: 200, body: { name: 'acme' } });
    expect(await admin.call('GET', '/admin/connections')).toMatchObject({
      status: 200,
      body: { connections: [expect.objectContaining({ name: 'acme' })] },
    });
    const bad = await admin.call('PUT', '/admin/connections/Bad Name', { baseUrl: { production: 'ftp://x' }, auth: { type: 'oauth' } });
    expect(bad.status).toBe(400);
    const paths = (bad.body as { problems: Array<{ path: string }> }).problems.map((problem) => problem.path);
    expect(paths).toEqual(expect.arrayContaining(['path.name', 'baseUrl.production', 'auth.type']));
    expect((await admin.call('GET', '/admin/connections/nope')).status).toBe(404);
    // A secret the workspace lacks, or one not allowed for the base URL's host: saved, with warnings.
    const warned = await admin.call('PUT', '/admin/connections/half', {
      baseUrl: { production: 'https://api.half.example' },
      auth: { type: 'header', secret: { production: 'ACME_KEY', staging: 'MISSING_KEY' } },
    });
    expect(warned.status).toBe(200);
    expect((warned.body as { warnings: Array<{ path: string; message: string }> }).warnings).toEqual([
      { path: 'auth.secret.production', message: expect.stringContaining('may not be sent to api.half.example') },
      { path: 'auth.secret.staging', message: expect.stringContaining('MISSING_KEY is not set') },
    ]);
    for (const reply of [put, warned, await admin.call('GET', '/admin/connections')])
      expect(reply.text).not.toMatch(new RegExp(`${PROD_KEY}|${STAGING_KEY}`));
  });

  test('a customer on LINE reaches production with its key; the simulator and the Test reach staging with its own; the log says which', async () => {
    expect((await admin.call('POST', '/admin/flows', { flowId: 'connected', flow: flow('acme') })).status).toBe(201);
    expect(
      (
        await admin.call('POST', '/admin/flows/connected/publish', {
          version: 1,
          channels: [{ kind: 'line', channelId: stack.demo.lineChannelId }],
        })
      ).status,
    ).toBe(200);

    const sent = await sendLine(stack, { type: 'text', text: 'acme tickets' }, { userId: 'U-connected' });
    const isAnswer = (c: LineCall) => c.kind === 'reply' && c.replyToken === sent.replyToken;
    const calls = await waitForLineCalls(stack, (all) => all.some(isAnswer), 15_000);
    expect(transcript(calls.filter(isAnswer).flatMap((c) => c.messages ?? []))).toEqual(['Answered by production']);
    expect(production.requests.map((r) => [r.url, r.headers['x-api-key']])).toEqual([['/v1/tickets?who=U-connected', PROD_KEY]]);
    expect(staging.requests).toHaveLength(0);

    const simulated = `/admin/simulator/line/${stack.demo.lineChannelId}/sim-connected`;
    expect((await admin.call('POST', simulated, { event: { type: 'text', text: 'acme tickets' } })).status).toBe(200);
    await stack.idle();
    expect(JSON.stringify((await admin.call('GET', simulated)).body)).toContain('Answered by staging');
    expect(staging.requests.map((r) => [r.url, r.headers['x-api-key']])).toEqual([['/v1/tickets?who=sim-connected', STAGING_KEY]]);

    const test = await admin.call('POST', '/admin/dry-run', { flowId: 'connected', blockId: 'tickets' });
    expect(test).toMatchObject({
      status: 200,
      body: { environment: 'staging', outcome: { ok: true }, request: { url: expect.stringContaining(staging.url) } },
    });
    expect(test.text).not.toContain(STAGING_KEY);
    const live = await admin.call('POST', '/admin/dry-run', { flowId: 'connected', blockId: 'tickets', environment: 'production' });
    expect(live).toMatchObject({
      status: 200,
      body: { environment: 'production', request: { url: expect.stringContaining(production.url) } },
    });
    expect(live.text).not.toContain(PROD_KEY);
    expect(staging.requests).toHaveLength(2);
    expect(production.requests).toHaveLength(2);

    const customerLog = await admin.call('GET', `/admin/logs?customer=line:${stack.demo.lineChannelId}:U-connected`);
    expect(customerLog.body).toMatchObject({
      entries: [expect.objectContaining({ environment: 'production', url: `${production.url}/v1/tickets?who=U-connected` })],
    });
    const simulatorLog = await admin.call('GET', `/admin/logs?customer=line:${stack.demo.lineChannelId}:sim-connected`);
    expect(simulatorLog.body).toMatchObject({ entries: [expect.objectContaining({ environment: 'staging' })] });
  }, 60_000);

  test('a card naming a connection the workspace lacks: a warning at its path on save, 409 at publish; a connection in use cannot be deleted', async () => {
    const saved = await admin.call('POST', '/admin/flows', {
      flowId: 'unconnected',
      flow: { ...flow('missing'), triggers: [{ type: 'keyword', keywords: ['missing tickets'], start: 'tickets' }] },
    });
    expect(saved).toMatchObject({
      status: 201,
      body: {
        warnings: [
          { path: 'flow.blocks.tickets.request.connection', message: expect.stringContaining('connection missing does not exist') },
        ],
      },
    });
    const refused = await admin.call('POST', '/admin/flows/unconnected/publish', {
      version: 1,
      channels: [{ kind: 'line', channelId: stack.demo.lineChannelId }],
    });
    expect(refused).toMatchObject({ status: 409, body: { problems: [{ path: 'flow.blocks.tickets.request.connection' }] } });

    // Under a connection, url is a path.
    const invalid = await admin.call('POST', '/admin/flows/validate', { flow: flow('acme', 'https://elsewhere.example/x') });
    expect(JSON.stringify(invalid.body)).toContain('blocks.tickets.request.url');

    const inUse = await admin.call('DELETE', '/admin/connections/acme');
    expect(inUse).toMatchObject({
      status: 409,
      body: { problems: [{ path: 'flows.connected.versions.1.blocks.tickets.request.connection' }] },
    });
    expect(
      (await admin.call('POST', '/admin/flows/connected/unpublish', { channels: [{ kind: 'line', channelId: stack.demo.lineChannelId }] }))
        .status,
    ).toBe(200);
    expect(await admin.call('DELETE', '/admin/connections/acme')).toMatchObject({ status: 200, body: { deleted: true } });
    expect((await admin.call('DELETE', '/admin/connections/acme')).status).toBe(404);
  }, 30_000);
});
