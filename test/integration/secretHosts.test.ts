import type { LocalStack } from '../../local/localStack';
import { adminClient, type AdminClient } from '../support/adminClient';
import {
  sendLine,
  sentMessages,
  startFakeBrand,
  startTestStack,
  transcript,
  waitForLineCalls,
  type FakeBrand,
} from '../support/localStackHarness';

/**
 * A secret bound to hosts, end to end through the executor: the store hands the card the secret's
 * allowedHosts with its value, and a card whose request would carry it elsewhere takes its failure
 * path without connecting (and the execution log says why, without the value).
 */

const KEY = 'bound-brand-key-5e4d3c2b1a';

describe('allowedHosts in a real turn', () => {
  let stack: LocalStack;
  let lab: FakeBrand;
  let admin: AdminClient;

  beforeAll(async () => {
    lab = await startFakeBrand((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"ok":true}');
    });
    stack = await startTestStack({ extraAllowHttpHosts: [lab.host] });
    admin = adminClient(stack, stack.demo.adminKey);
    const flow = {
      schemaVersion: 1,
      name: 'bound key',
      triggers: [{ type: 'keyword', keywords: ['key'], start: 'card' }],
      blocks: {
        card: {
          type: 'callApi',
          request: { url: `${lab.url}/collect`, headers: { authorization: 'Bearer {{ secrets.BOUND_KEY }}' } },
          retry: false,
          onSuccess: 'sent',
          onFailure: 'refused',
        },
        sent: { type: 'message', messages: [{ type: 'text', text: 'sent' }] },
        refused: { type: 'message', messages: [{ type: 'text', text: 'refused' }] },
      },
    };
    expect((await admin.call('POST', '/admin/flows', { flowId: 'bound', flow })).status).toBe(201);
    // Publishing refuses a flow whose headers name a secret the workspace does not have.
    await admin.call('PUT', '/admin/secrets/BOUND_KEY', { value: KEY, allowedHosts: ['api.brand.example'] });
    expect(
      (
        await admin.call('POST', '/admin/flows/bound/publish', {
          version: 1,
          channels: [{ kind: 'line', channelId: stack.demo.lineChannelId }],
        })
      ).status,
    ).toBe(200);
  });

  afterAll(async () => {
    await stack.stop();
    await lab.close();
  });

  async function say(text: string, userId: string): Promise<string[]> {
    const sent = await sendLine(stack, { type: 'text', text }, { userId });
    expect(sent.status).toBe(200);
    const calls = await waitForLineCalls(stack, (all) => all.some((c) => c.replyToken === sent.replyToken));
    await stack.idle();
    return transcript(sentMessages(calls, { replyToken: sent.replyToken }));
  }

  test('to a host the secret is not bound to: the failure path, nothing sent, the reason logged', async () => {
    await admin.call('PUT', '/admin/secrets/BOUND_KEY', { value: KEY, allowedHosts: ['api.brand.example'] });
    expect(await say('key', 'U-bound-1')).toEqual(['refused']);
    expect(lab.requests).toEqual([]);
    const log = await admin.call('GET', '/admin/logs?flowId=bound&blockId=card');
    expect(log.body).toMatchObject({ entries: [{ outcome: 'failure', reason: 'secret BOUND_KEY not allowed for host 127.0.0.1' }] });
    expect(log.text).not.toContain(KEY);
  });

  test('once the host is allowed, the same card sends the secret', async () => {
    await admin.call('PUT', '/admin/secrets/BOUND_KEY', { value: KEY, allowedHosts: ['api.brand.example', '127.0.0.1'] });
    expect(await say('key', 'U-bound-2')).toEqual(['sent']);
    expect(lab.requests.map((r) => r.headers.authorization)).toEqual([`Bearer ${KEY}`]);
  });
});
