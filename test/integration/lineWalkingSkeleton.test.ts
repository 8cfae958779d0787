import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { flowSchema } from '../../shared/flow/schema';
import { isValidUuid } from '../../local/lineStandIn';
import type { LocalStack } from '../../local/localStack';
import { DEMO_MEMBER_USER_ID } from '../../local/seedDemo';
import { lineWebhookBody, signLineBody } from '../../local/lineWebhookBody';
import {
  sendLine,
  sentMessages,
  startFakeBrand,
  startTestStack,
  transcript,
  waitForLineCalls,
  type FakeBrand,
} from '../support/localStackHarness';

/** The walking skeleton, end to end over real sockets: signed webhook → SQS → executor → brand API → LINE stand-in. */
describe('LINE webhook to reply, on the local stack', () => {
  let stack: LocalStack;
  let failingBrand: FakeBrand;

  beforeAll(async () => {
    failingBrand = await startFakeBrand((_req, res) => {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end('{"error":"database down"}');
    });
    stack = await startTestStack({ extraAllowHttpHosts: [failingBrand.host] });
    // A second channel whose card calls a brand that always fails.
    await stack.store.flows.putVersion(
      'ws-fail',
      'tickets',
      1,
      flowSchema.parse({
        schemaVersion: 1,
        name: 'failing brand',
        triggers: [{ type: 'postback', action: 'my_tickets', start: 'load' }],
        blocks: {
          load: { type: 'callApi', request: { url: `${failingBrand.url}/tickets` }, retry: false, onSuccess: 'ok', onFailure: 'sorry' },
          ok: { type: 'message', messages: [{ type: 'text', text: 'never' }] },
          sorry: { type: 'message', messages: [{ type: 'text', text: 'Our ticket system is down, please try again later.' }] },
        },
      }),
    );
    await stack.store.channels.put({
      workspaceId: 'ws-fail',
      kind: 'line',
      channelId: 'fail-line',
      secret: 'fail-secret',
      accessToken: 'fail-token',
      name: '',
      activeFlow: { flowId: 'tickets', version: 1 },
    });
  });

  afterAll(async () => {
    await stack.stop();
    await failingBrand.close();
  });

  beforeEach(async () => {
    await stack.idle();
    stack.lineStandIn.reset();
  });

  async function queuedJobs(): Promise<number> {
    const { Attributes = {} } = await stack.sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: stack.queueUrl,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    return Number(Attributes.ApproximateNumberOfMessages ?? 0) + Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0);
  }

  test('GET /health answers 200 JSON', async () => {
    const response = await fetch(`${stack.url}/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true });
  });

  test('the demo member taps "My tickets" and gets a carousel of unused tickets by reply, after a loading animation', async () => {
    const sent = await sendLine(stack, { type: 'postback', data: 'action=my_tickets' }, { userId: DEMO_MEMBER_USER_ID });
    expect(sent.status).toBe(200);
    const calls = await waitForLineCalls(stack, (c) => c.some((call) => call.kind === 'reply'));
    expect(calls.map((c) => c.kind)).toEqual(['loading', 'reply']);
    expect(calls[0]).toMatchObject({ kind: 'loading', to: DEMO_MEMBER_USER_ID });
    const reply = calls[1];
    expect(reply?.replyToken).toBe(sent.replyToken);
    const [carousel] = reply?.messages ?? [];
    expect(carousel).toMatchObject({ type: 'flex', altText: 'Your unused tickets', contents: { type: 'carousel' } });
    const text = JSON.stringify(carousel);
    for (const title of ['Taipei 101 Observatory', 'National Palace Museum', 'Jiufen Tea House Afternoon Set'])
      expect(text).toContain(title);
    expect(text).not.toContain('Sun Moon Lake Cruise');
    expect(text).toContain('action=use_ticket&id=T-1001');
    // The brand was asked for member M001's tickets.
    expect(stack.brandApi.requests().some((r) => r.method === 'GET' && r.path === '/members/M001/tickets')).toBe(true);
  });

  test('typing "hot" or "熱銷" answers with the best sellers, no membership needed', async () => {
    for (const keyword of ['hot', '熱銷', 'ＨＯＴ']) {
      stack.lineStandIn.reset();
      await sendLine(stack, { type: 'text', text: keyword }, { userId: `U-guest-${keyword.length}` });
      const calls = await waitForLineCalls(stack, (c) => c.some((call) => call.kind === 'reply'));
      expect(transcript(sentMessages(calls))).toEqual(["Today's best sellers:", "[flex] Today's best sellers"]);
    }
  });

  test('a forged signature is refused with 401 and leaves nothing behind', async () => {
    const before = await queuedJobs();
    const response = await fetch(`${stack.url}/webhooks/line/demo-line`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-line-signature': Buffer.alloc(32, 7).toString('base64') },
      body: JSON.stringify({
        destination: 'U1',
        events: [
          {
            type: 'postback',
            mode: 'active',
            timestamp: 1,
            webhookEventId: '01FORGED',
            source: { type: 'user', userId: 'U-forger' },
            replyToken: 'r',
            postback: { data: 'action=my_tickets' },
          },
        ],
      }),
    });
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ error: 'invalid signature' });
    expect(await queuedJobs()).toBe(before);
    expect(await stack.store.customers.get({ channelKind: 'line', channelId: 'demo-line', userId: 'U-forger' })).toBeUndefined();
    // The event id was not consumed either: the genuine event with that id still goes through.
    expect(await stack.store.events.claim('line#demo-line', '01FORGED')).toBe(true);
    await stack.idle();
    expect(stack.lineStandIn.calls()).toEqual([]);
  });

  test('missing signature → 401, unknown channel → the same 401, malformed JSON → 400, each a JSON error', async () => {
    const missing = await fetch(`${stack.url}/webhooks/line/demo-line`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"events":[]}',
    });
    expect(missing.status).toBe(401);
    expect(await missing.json()).toEqual({ error: 'missing x-line-signature' });

    // An unknown channel answers exactly like a known one with a bad signature: a prober learns nothing.
    const answer = async (channelId: string, headers: Record<string, string>) => {
      const response = await fetch(`${stack.url}/webhooks/line/${channelId}`, { method: 'POST', headers, body: '{"events":[]}' });
      return { status: response.status, body: (await response.json()) as unknown };
    };
    for (const headers of [{ 'x-line-signature': 'x' }, {}] as Array<Record<string, string>>) {
      const known = await answer('demo-line', headers);
      expect(known.status).toBe(401);
      expect(await answer('nope', headers)).toEqual(known);
      // Nor does a channel id no channel can have (past the bound of a table key).
      expect(await answer('c'.repeat(3_000), headers)).toEqual(known);
    }

    const bad = '{"events": [';
    const malformed = await fetch(`${stack.url}/webhooks/line/demo-line`, {
      method: 'POST',
      headers: { 'x-line-signature': signLineBody(bad, 'demo-line-secret') },
      body: bad,
    });
    expect(malformed.status).toBe(400);
    expect(await malformed.json()).toEqual({ error: 'body is not valid JSON' });
  });

  test("LINE's published test vector: the verification request with empty events is accepted", async () => {
    await stack.store.channels.put({
      workspaceId: 'ws-vector',
      kind: 'line',
      channelId: 'vector',
      secret: '8c570fa6dd201bb328f1c1eac23a96d8',
      accessToken: 't',
      name: '',
    });
    const body = readFileSync(join(__dirname, '../fixtures/line/verify-empty-events.json'));
    const response = await fetch(`${stack.url}/webhooks/line/vector`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-line-signature': 'GhRKmvmHys4Pi8DxkF4+EayaH0OqtJtaZxgTD9fMDLs=' },
      body,
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true, queued: 0 });
  });

  test('the same webhookEventId twice (a redelivery) gets one reply', async () => {
    const options = { userId: DEMO_MEMBER_USER_ID, webhookEventId: '01HDUPLICATEEVENT00000000', replyToken: 'dup-token' };
    const first = await sendLine(stack, { type: 'text', text: 'hot' }, options);
    const second = await sendLine(stack, { type: 'text', text: 'hot' }, options);
    expect([first.status, second.status]).toEqual([200, 200]);
    expect(second.body).toEqual({ ok: true, queued: 0 });
    await waitForLineCalls(stack, (c) => c.some((call) => call.kind === 'reply'));
    await stack.idle();
    expect(stack.lineStandIn.calls().filter((c) => c.kind === 'reply' || c.kind === 'push')).toHaveLength(1);
  });

  test('a brand API answering 500 gives the customer the failure message', async () => {
    const sent = await sendLine(
      stack,
      { type: 'postback', data: 'action=my_tickets' },
      { userId: 'U-unlucky', channelId: 'fail-line', secret: 'fail-secret' },
    );
    expect(sent.status).toBe(200);
    const calls = await waitForLineCalls(stack, (c) => c.some((call) => call.kind === 'reply'));
    expect(transcript(sentMessages(calls))).toEqual(['Our ticket system is down, please try again later.']);
    expect(failingBrand.requests).toHaveLength(1);
  });

  test('an expired reply token falls back to a push carrying an X-Line-Retry-Key', async () => {
    const replyToken = 'expired-token-1';
    stack.lineStandIn.expireReplyToken(replyToken);
    await sendLine(stack, { type: 'text', text: 'hot' }, { userId: 'U-late', replyToken });
    const calls = await waitForLineCalls(stack, (c) => c.some((call) => call.kind === 'push'));
    const push = calls.find((c) => c.kind === 'push');
    expect(push?.to).toBe('U-late');
    expect(isValidUuid(push?.retryKey ?? '')).toBe(true);
    expect(transcript(push?.messages ?? [])).toEqual(["Today's best sellers:", "[flex] Today's best sellers"]);
    expect(calls.some((c) => c.kind === 'reply')).toBe(false);
  });

  describe('oversized or malformed events in a signed delivery: skipped, never a 5xx', () => {
    const big = 'x'.repeat(100_000);
    /** One LINE event, as `lineWebhookBody` shapes them, with fields replaced. */
    const lineEvent = (text: string, options: { userId: string; replyToken: string }): Record<string, unknown> =>
      (JSON.parse(lineWebhookBody({ type: 'text', text }, options)) as { events: Array<Record<string, unknown>> }).events[0] ?? {};
    const deliver = async (events: unknown[]) => {
      const body = JSON.stringify({ destination: 'Udeadbeefdeadbeefdeadbeefdeadbeef', events });
      const response = await fetch(`${stack.url}/webhooks/line/demo-line`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-line-signature': signLineBody(body, stack.demo.lineChannelSecret) },
        body,
      });
      return { status: response.status, body: (await response.json()) as unknown };
    };

    test('one event with a 100,000-character user id beside a normal one: 200, the normal one answered, the oversized skipped', async () => {
      const before = await queuedJobs();
      const result = await deliver([
        lineEvent('hot', { userId: `U${big}`, replyToken: 'rt-oversized' }),
        lineEvent('hot', { userId: 'U-bounds-normal', replyToken: 'rt-normal' }),
      ]);
      expect(result).toEqual({ status: 200, body: { ok: true, queued: 1 } });
      const calls = await waitForLineCalls(stack, (c) => c.some((call) => call.kind === 'reply' && call.replyToken === 'rt-normal'));
      expect(transcript(sentMessages(calls, { replyToken: 'rt-normal' }))).toEqual([
        "Today's best sellers:",
        "[flex] Today's best sellers",
      ]);
      await stack.idle();
      expect(stack.lineStandIn.calls().filter((c) => c.replyToken === 'rt-oversized' || (c.to ?? '').length > 128)).toEqual([]);
      expect(await queuedJobs()).toBe(before);
    });

    test.each<[string, (event: Record<string, unknown>) => Record<string, unknown>]>([
      ['a 100,000-character user id', (e) => ({ ...e, source: { type: 'user', userId: `U${big}` } })],
      ['a 100,000-character webhookEventId', (e) => ({ ...e, webhookEventId: big })],
      ['5 MiB of text', (e) => ({ ...e, message: { type: 'text', id: '1', text: 'x'.repeat(5 * 1024 * 1024) } })],
      ['a 100,000-character reply token', (e) => ({ ...e, replyToken: big })],
      [
        'a 100,000-character postback',
        (e) => ({ ...e, type: 'postback', message: undefined, postback: { data: `action=my_tickets&x=${big}` } }),
      ],
      ['a timestamp that is not a number', (e) => ({ ...e, timestamp: 'yesterday' })],
    ])('an event with %s alone: 200 with nothing queued, nothing sent', async (_what, change) => {
      const result = await deliver([change(lineEvent('hot', { userId: 'U-bounds-alone', replyToken: 'rt-alone' }))]);
      expect(result).toEqual({ status: 200, body: { ok: true, queued: 0 } });
      await stack.idle();
      expect(stack.lineStandIn.calls()).toEqual([]);
    });
  });
});
