import * as fs from 'node:fs';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import type { TLSSocket } from 'node:tls';
import type { LineCall } from '../../local/lineStandIn';
import type { LocalStack } from '../../local/localStack';
import { adminClient, captureOutput, type AdminClient } from '../support/adminClient';
import { sendLine, startTestStack, transcript, waitForLineCalls } from '../support/localStackHarness';

/**
 * Mutual TLS (issue 20) on the local stack: a brand whose HTTPS server asks every caller for a client
 * certificate signed by its CA (test/fixtures/mtls, made for this test) answers 403 to a caller
 * without one. A connection naming the certificate, its key and the brand's CA as workspace secrets
 * gets in; the same connection with another certificate does not, even after the good one's
 * connections were pooled; the key never appears in a log line or an admin answer.
 */

const fixture = (name: string) => fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'mtls', name), 'utf8');

describe('a connection with a client certificate, on the local stack', () => {
  let stack: LocalStack;
  let server: https.Server;
  let url: string;
  let admin: AdminClient;
  let output: ReturnType<typeof captureOutput>;
  const seen: Array<string | undefined> = [];

  beforeAll(async () => {
    output = captureOutput();
    server = https.createServer(
      { cert: fixture('server.pem'), key: fixture('server.key'), ca: fixture('ca.pem'), requestCert: true, rejectUnauthorized: false },
      (req, res) => {
        const socket = req.socket as TLSSocket;
        const cn = socket.getPeerCertificate()?.subject?.CN;
        const subject = Array.isArray(cn) ? cn.join(',') : cn;
        seen.push(socket.authorized ? subject : undefined);
        res.setHeader('content-type', 'application/json');
        if (!socket.authorized) res.writeHead(403).end('{"error":"client certificate required"}');
        else res.writeHead(200).end(JSON.stringify({ caller: subject }));
      },
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    url = `https://127.0.0.1:${port}`;
    stack = await startTestStack({ extraAllowHttpHosts: [`127.0.0.1:${port}`], logLevel: 'DEBUG' });
    admin = adminClient(stack, stack.demo.adminKey);
    const secrets = {
      BRAND_CERT: fixture('client.pem'),
      BRAND_KEY: fixture('client.key'),
      BRAND_CA: fixture('ca.pem'),
      OTHER_CERT: fixture('other.pem'),
      OTHER_KEY: fixture('other.key'),
    };
    for (const [name, value] of Object.entries(secrets))
      expect((await admin.call('PUT', `/admin/secrets/${name}`, { value, allowedHosts: ['127.0.0.1'] })).status).toBe(200);
    const connection = (certificate: string, key: string) => ({
      baseUrl: { production: url },
      tls: { certificate: { production: certificate }, key: { production: key }, ca: { production: 'BRAND_CA' } },
    });
    expect(await admin.call('PUT', '/admin/connections/bank', connection('BRAND_CERT', 'BRAND_KEY'))).toMatchObject({
      status: 200,
      body: { connection: { tls: { certificate: { production: 'BRAND_CERT' } } } },
    });
    expect((await admin.call('PUT', '/admin/connections/impostor', connection('OTHER_CERT', 'OTHER_KEY'))).status).toBe(200);
    expect((await admin.call('PUT', '/admin/connections/plain', { baseUrl: { production: url } })).status).toBe(200);
    const flow = (connection: string, keyword: string) => ({
      schemaVersion: 1,
      name: connection,
      triggers: [{ type: 'keyword', keywords: [keyword], start: 'call' }],
      blocks: {
        call: { type: 'callApi', request: { connection, url: '/whoami' }, retry: false, onSuccess: 'said', onFailure: 'failed' },
        said: { type: 'message', messages: [{ type: 'text', text: 'The bank sees {{ response.body.caller }}' }] },
        failed: { type: 'message', messages: [{ type: 'text', text: 'Failed: {{ failure.reason }}' }] },
      },
    });
    for (const [flowId, keyword] of [
      ['bank', 'bank whoami'],
      ['impostor', 'impostor whoami'],
      ['plain', 'plain whoami'],
    ] as const) {
      expect((await admin.call('POST', '/admin/flows', { flowId, flow: flow(flowId, keyword) })).status).toBe(201);
      expect(
        (
          await admin.call('POST', `/admin/flows/${flowId}/publish`, {
            version: 1,
            channels: [{ kind: 'line', channelId: stack.demo.lineChannelId }],
          })
        ).status,
      ).toBe(200);
    }
  });

  afterAll(async () => {
    await stack?.stop();
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
    output?.stop();
  });

  async function say(text: string, userId: string): Promise<string[]> {
    const sent = await sendLine(stack, { type: 'text', text }, { userId });
    const isAnswer = (c: LineCall) => c.kind === 'reply' && c.replyToken === sent.replyToken;
    const calls = await waitForLineCalls(stack, (all) => all.some(isAnswer), 15_000);
    await stack.idle();
    return transcript(calls.filter(isAnswer).flatMap((c) => c.messages ?? []));
  }

  test('with the client certificate (and the brand CA pinned) the brand answers; with another it refuses, pooled sockets or not', async () => {
    expect(await say('bank whoami', 'U-mtls-1')).toEqual(['The bank sees callcard workspace demo']);
    expect(await say('impostor whoami', 'U-mtls-2')).toEqual(['Failed: http_4xx']);
    expect(await say('bank whoami', 'U-mtls-3')).toEqual(['The bank sees callcard workspace demo']);
    expect(await say('impostor whoami', 'U-mtls-4')).toEqual(['Failed: http_4xx']);
    expect(seen).toEqual(['callcard workspace demo', undefined, 'callcard workspace demo', undefined]);
  }, 60_000);

  test("without a client certificate nothing gets through: the brand's CA is not a public one (network), and no certificate is sent", async () => {
    expect(await say('plain whoami', 'U-mtls-5')).toEqual(['Failed: network']);
    expect(seen).toHaveLength(4);
  }, 30_000);

  test('a certificate secret bound to another host is never presented; the key never shows', async () => {
    expect(
      (await admin.call('PUT', '/admin/secrets/BRAND_KEY', { value: fixture('client.key'), allowedHosts: ['api.bank.example'] })).status,
    ).toBe(200);
    expect(await say('bank whoami', 'U-mtls-6')).toEqual(['Failed: guard']);
    expect(seen).toHaveLength(4);
    const test = await admin.call('POST', '/admin/dry-run', { flowId: 'bank', blockId: 'call' });
    expect(test.body).toMatchObject({ outcome: { ok: false, reason: 'secret BRAND_KEY not allowed for host 127.0.0.1' } });
    const keyLine = fixture('client.key').split('\n')[1] ?? '';
    expect(keyLine.length).toBeGreaterThan(20);
    for (const text of [
      output.text(),
      test.text,
      (await admin.call('GET', '/admin/connections/bank')).text,
      (await admin.call('GET', `/admin/logs?customer=line:${stack.demo.lineChannelId}:U-mtls-6`)).text,
    ])
      expect(text).not.toContain(keyLine);
  }, 30_000);
});
