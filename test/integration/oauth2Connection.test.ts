import type { LineCall } from '../../local/lineStandIn';
import type { LocalStack } from '../../local/localStack';
import { OAuth2Tokens } from '../../shared/connections/oauth2';
import { createGuardedFetch } from '../../shared/http/guardedFetch';
import { adminClient, captureOutput, type AdminClient } from '../support/adminClient';
import { sendLine, startFakeBrand, startTestStack, transcript, waitForLineCalls, type FakeBrand } from '../support/localStackHarness';

/**
 * A connection with OAuth 2.0 client credentials (issue 20) on the local stack, against an OAuth2
 * token server written for the test (RFC 6749 §4.4: HTTP Basic client authentication, form body) and
 * a brand that admits only the bearer tokens that server issued: the token is asked for once and
 * reused across turns and executor instances (the table), asked again shortly before it expires and
 * once after the brand's 401, refused credentials take the card's failure path, and the token is never
 * in a log line, the execution log or an admin answer.
 */

const CLIENT_ID = 'callcard-test-client';
const CLIENT_SECRET = 'oauth-client-secret-8c2d';

describe('an OAuth 2.0 connection, on the local stack', () => {
  let stack: LocalStack;
  let auth: FakeBrand;
  let brand: FakeBrand;
  let admin: AdminClient;
  let output: ReturnType<typeof captureOutput>;
  const issued: string[] = [];
  const revoked = new Set<string>();
  let lifetimeS = 3600;

  beforeAll(async () => {
    output = captureOutput();
    auth = await startFakeBrand((req, res, body) => {
      const basic = Buffer.from((req.headers.authorization ?? '').replace(/^Basic /, ''), 'base64').toString();
      const form = new URLSearchParams(body);
      res.setHeader('content-type', 'application/json');
      if (basic !== `${CLIENT_ID}:${CLIENT_SECRET}` || form.get('grant_type') !== 'client_credentials') {
        res.writeHead(401).end('{"error":"invalid_client"}');
        return;
      }
      const token = `at-${issued.length + 1}-${Math.random().toString(36).slice(2)}`;
      issued.push(token);
      res
        .writeHead(200)
        .end(JSON.stringify({ access_token: token, token_type: 'Bearer', expires_in: lifetimeS, scope: form.get('scope') }));
    });
    brand = await startFakeBrand((req, res) => {
      const token = (req.headers.authorization ?? '').replace(/^Bearer /, '');
      res.setHeader('content-type', 'application/json');
      if (!issued.includes(token) || revoked.has(token)) res.writeHead(401).end('{"error":"invalid_token"}');
      else res.writeHead(200).end(JSON.stringify({ points: 1200, echo: token }));
    });
    stack = await startTestStack({ extraAllowHttpHosts: [auth.host, brand.host], logLevel: 'DEBUG' });
    admin = adminClient(stack, stack.demo.adminKey);
    expect(
      (await admin.call('PUT', '/admin/secrets/POINTS_CLIENT_SECRET', { value: CLIENT_SECRET, allowedHosts: ['127.0.0.1'] })).status,
    ).toBe(200);
    const connection = {
      baseUrl: { production: brand.url },
      auth: {
        type: 'oauth2ClientCredentials',
        tokenUrl: { production: `${auth.url}/oauth/token` },
        clientId: { production: CLIENT_ID },
        clientSecret: { production: 'POINTS_CLIENT_SECRET' },
        scope: 'points.read',
      },
    };
    expect((await admin.call('PUT', '/admin/connections/points', connection)).status).toBe(200);
    const flow = {
      schemaVersion: 1,
      name: 'points',
      triggers: [{ type: 'keyword', keywords: ['my points'], start: 'points' }],
      blocks: {
        points: {
          type: 'callApi',
          request: { connection: 'points', url: '/points' },
          retry: false,
          onSuccess: 'said',
          onFailure: 'failed',
        },
        said: { type: 'message', messages: [{ type: 'text', text: 'You have {{ response.body.points }} points' }] },
        failed: { type: 'message', messages: [{ type: 'text', text: 'Failed: {{ failure.reason }}' }] },
      },
    };
    expect((await admin.call('POST', '/admin/flows', { flowId: 'points', flow })).status).toBe(201);
    expect(
      (
        await admin.call('POST', '/admin/flows/points/publish', {
          version: 1,
          channels: [{ kind: 'line', channelId: stack.demo.lineChannelId }],
        })
      ).status,
    ).toBe(200);
  });

  afterAll(async () => {
    await stack?.stop();
    await auth?.close();
    await brand?.close();
    output?.stop();
  });

  async function ask(userId: string): Promise<string[]> {
    const sent = await sendLine(stack, { type: 'text', text: 'my points' }, { userId });
    const isAnswer = (c: LineCall) => c.kind === 'reply' && c.replyToken === sent.replyToken;
    const calls = await waitForLineCalls(stack, (all) => all.some(isAnswer), 15_000);
    await stack.idle();
    return transcript(calls.filter(isAnswer).flatMap((c) => c.messages ?? []));
  }

  test('one token for three customers; another executor instance takes it from the table', async () => {
    for (const user of ['U-points-1', 'U-points-2', 'U-points-3']) expect(await ask(user)).toEqual(['You have 1200 points']);
    expect(auth.requests).toHaveLength(1);
    expect(new URLSearchParams(auth.requests[0]?.body).get('scope')).toBe('points.read');
    expect(brand.requests.map((r) => r.headers.authorization)).toEqual(Array(3).fill(`Bearer ${issued[0]}`));
    const another = new OAuth2Tokens({ fetch: createGuardedFetch({ allowHttpHosts: [auth.host] }), store: stack.store.connectionTokens });
    const secrets = await stack.store.secrets.all('demo');
    const connection = (await stack.store.connections.get('demo', 'points'))?.connection;
    if (connection?.auth.type !== 'oauth2ClientCredentials') throw new Error('the oauth2 connection');
    expect(
      await another.token({
        workspaceId: 'demo',
        connection: 'points',
        environment: 'production',
        auth: connection.auth,
        secrets,
        allowedPorts: [],
        timeoutMs: 5_000,
      }),
    ).toEqual({ ok: true, accessToken: issued[0] });
    expect(auth.requests).toHaveLength(1);
  }, 60_000);

  test('a brand that echoes the access token into a message: the chat simulator shows it masked, as the log and the Test do', async () => {
    const flow = {
      schemaVersion: 1,
      name: 'echo',
      triggers: [{ type: 'keyword', keywords: ['echo my token'], start: 'points' }],
      blocks: {
        points: { type: 'callApi', request: { connection: 'points', url: '/points' }, retry: false, onSuccess: 'said' },
        said: { type: 'message', messages: [{ type: 'text', text: 'The brand says: {{ response.body.echo }}' }] },
      },
    };
    expect((await admin.call('POST', '/admin/flows', { flowId: 'echo', flow })).status).toBe(201);
    expect(
      (
        await admin.call('POST', '/admin/flows/echo/publish', {
          version: 1,
          channels: [{ kind: 'line', channelId: stack.demo.lineChannelId }],
        })
      ).status,
    ).toBe(200);
    const user = 'sim-echo-token';
    expect(
      (
        await admin.call('POST', `/admin/simulator/line/${stack.demo.lineChannelId}/${user}`, {
          event: { type: 'text', text: 'echo my token' },
        })
      ).status,
    ).toBe(200);
    await stack.idle();
    const read = await admin.call('GET', `/admin/simulator/line/${stack.demo.lineChannelId}/${user}`);
    expect(read.status).toBe(200);
    expect(read.text).toContain('The brand says: ••••');
    for (const token of issued) expect(read.text).not.toContain(token);
    // The brand did get the token (the simulator runs the card for real).
    expect(brand.requests.at(-1)?.headers.authorization).toBe(`Bearer ${issued.at(-1)}`);
    expect(
      (await admin.call('POST', '/admin/flows/echo/unpublish', { channels: [{ kind: 'line', channelId: stack.demo.lineChannelId }] }))
        .status,
    ).toBeLessThan(300);
  }, 60_000);

  test('a token the brand refuses (401) is replaced once, and the turn answers; the log keeps both attempts', async () => {
    revoked.add(issued[0] ?? '');
    expect(await ask('U-points-4')).toEqual(['You have 1200 points']);
    expect(auth.requests).toHaveLength(2);
    expect(brand.requests.slice(-2).map((r) => r.headers.authorization)).toEqual([`Bearer ${issued[0]}`, `Bearer ${issued[1]}`]);
    const log = await admin.call('GET', `/admin/logs?customer=line:${stack.demo.lineChannelId}:U-points-4`);
    expect((log.body as { entries: Array<{ attempt: number; status: number }> }).entries.map((e) => [e.attempt, e.status]).sort()).toEqual([
      [1, 401],
      [2, 200],
    ]);
  }, 60_000);

  test('a token about to expire is renewed before it is sent', async () => {
    lifetimeS = 62; // live for 2 s: callcard renews a token within a minute of its expiry
    revoked.add(issued[1] ?? '');
    expect(await ask('U-points-5')).toEqual(['You have 1200 points']);
    const before = auth.requests.length;
    await new Promise((resolve) => setTimeout(resolve, 2_200));
    expect(await ask('U-points-6')).toEqual(['You have 1200 points']);
    expect(auth.requests.length).toBe(before + 1);
    expect(brand.requests.at(-1)?.headers.authorization).toBe(`Bearer ${issued.at(-1)}`);
    lifetimeS = 3600;
  }, 60_000);

  test('refused client credentials take the failure path; the token never shows in logs, the execution log or the admin API', async () => {
    const dryRun = await admin.call('POST', '/admin/dry-run', { flowId: 'points', blockId: 'points' });
    expect(dryRun).toMatchObject({ status: 200, body: { outcome: { ok: true }, request: { headers: { authorization: '••••' } } } });
    expect(
      (await admin.call('PUT', '/admin/secrets/POINTS_CLIENT_SECRET', { value: 'a-wrong-secret', allowedHosts: ['127.0.0.1'] })).status,
    ).toBe(200);
    // The held token still works until the brand refuses it: revoke all, so the card must ask again.
    for (const token of issued) revoked.add(token);
    expect(await ask('U-points-7')).toEqual(['Failed: config']);
    const log = await admin.call('GET', `/admin/logs?customer=line:${stack.demo.lineChannelId}:U-points-7`);
    expect(JSON.stringify(log.body)).toContain('token endpoint: http_401 (invalid_client)');

    const everything = [
      output.text(),
      dryRun.text,
      log.text,
      (await admin.call('GET', '/admin/connections/points')).text,
      JSON.stringify(await stack.store.executionLog.page('demo', { flowId: 'points', blockId: 'points' }, { limit: 100 })),
    ].join('\n');
    for (const token of issued) expect(everything).not.toContain(token);
    expect(everything).not.toContain(CLIENT_SECRET);
  }, 60_000);
});
