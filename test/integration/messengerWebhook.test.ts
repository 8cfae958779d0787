import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import type { LocalStack } from '../../local/localStack';
import { accessTokenFingerprint, type MessengerCall } from '../../local/messengerStandIn';
import { newMessengerMid, signMessengerBody } from '../../local/messengerWebhookBody';
import { DEMO_FLOW_ID, DEMO_MESSENGER_MEMBER_PSID } from '../../local/seedDemo';
import { sendMessenger, startTestStack, waitForMessengerCalls } from '../support/localStackHarness';

const FIXTURES = join(__dirname, '../fixtures/messenger');
/** The page and PSID the sample files use. */
const FIXTURE_PAGE = '682498302938465';
const FIXTURE_PSID = '1254477777772919';
const FIXTURE_SECRET = 'fixture-app-secret';

/** Every message carries its delivery receipt, returned in Meta's echo (shared/channels/messenger/echoReceipt.ts). */
const RECEIPT = expect.stringMatching(/^callcard:2:\d+:[0-9a-f]{64}:messenger:/) as unknown as string;
const sends = (calls: MessengerCall[], to?: string) => calls.filter((c) => c.kind === 'send' && (to === undefined || c.to === to));

/** End to end over real sockets: signed Messenger webhook → SQS → executor → brand API → Send API stand-in. */
describe('Messenger webhook to Send API, on the local stack', () => {
  let stack: LocalStack;

  beforeAll(async () => {
    stack = await startTestStack();
    // The sample files' page, running the demo flow.
    await stack.store.channels.put({
      workspaceId: stack.demo.workspaceId,
      kind: 'messenger',
      channelId: FIXTURE_PAGE,
      name: 'Sample page',
      secret: FIXTURE_SECRET,
      accessToken: 'fixture-page-token',
      verifyToken: 'fixture-verify',
      activeFlow: { flowId: DEMO_FLOW_ID, version: 1 },
    });
  });

  afterAll(async () => {
    await stack.stop();
  });

  beforeEach(async () => {
    await stack.idle();
    stack.messengerStandIn.reset();
    stack.brandApi.reset();
  });

  async function queueDepth(queueUrl = stack.queueUrl): Promise<number> {
    const { Attributes = {} } = await stack.sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: queueUrl,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    return Number(Attributes.ApproximateNumberOfMessages ?? 0) + Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0);
  }

  function webhookUrl(pageId = stack.demo.messengerPageId): string {
    return `${stack.url}/webhooks/messenger/${pageId}`;
  }

  describe('subscription check', () => {
    const verify = (query: Record<string, string>, pageId?: string) =>
      fetch(`${webhookUrl(pageId)}?${new URLSearchParams(query).toString()}`);

    test('the right verify token gets the challenge back as text/plain', async () => {
      const response = await verify({
        'hub.mode': 'subscribe',
        'hub.verify_token': stack.demo.messengerVerifyToken,
        'hub.challenge': '1158201444',
      });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
      expect(await response.text()).toBe('1158201444');
    });

    test('a wrong token or a missing mode gets 403; an unknown page the same 403 as a wrong token', async () => {
      const wrong = await verify({ 'hub.mode': 'subscribe', 'hub.verify_token': 'guess', 'hub.challenge': '1' });
      expect(wrong.status).toBe(403);
      expect(await wrong.json()).toEqual({ error: 'verify token does not match' });
      const noMode = await verify({ 'hub.verify_token': stack.demo.messengerVerifyToken, 'hub.challenge': '1' });
      expect(noMode.status).toBe(403);
      expect(await noMode.json()).toEqual({ error: 'hub.mode must be subscribe' });
      // Another page's token does not open this page.
      expect((await verify({ 'hub.mode': 'subscribe', 'hub.verify_token': 'fixture-verify', 'hub.challenge': '1' })).status).toBe(403);
      // A prober cannot tell an unknown page from a wrong token.
      const unknown = await verify(
        { 'hub.mode': 'subscribe', 'hub.verify_token': stack.demo.messengerVerifyToken, 'hub.challenge': '1' },
        'no-such-page',
      );
      expect(unknown.status).toBe(403);
      expect(await unknown.json()).toEqual({ error: 'verify token does not match' });
    });
  });

  describe('signatures and bodies', () => {
    const event = (mid: string, psid: string) =>
      JSON.stringify({
        object: 'page',
        entry: [
          {
            id: 'demo-messenger',
            time: 1,
            messaging: [
              {
                sender: { id: psid },
                recipient: { id: 'demo-messenger' },
                timestamp: Date.now(),
                postback: { mid, title: 'My tickets', payload: 'action=my_tickets' },
              },
            ],
          },
        ],
      });

    test('a forged or missing signature is refused with 401 and leaves nothing behind', async () => {
      const before = await queueDepth();
      const mid = newMessengerMid();
      const body = event(mid, 'PSID-forger');
      const attempts: Array<{ signature?: string; error: string }> = [
        { signature: signMessengerBody(body, 'not-the-app-secret'), error: 'invalid signature' },
        { signature: `sha256=${'0'.repeat(64)}`, error: 'invalid signature' },
        { signature: signMessengerBody(body, stack.demo.messengerAppSecret).replace('sha256=', 'sha1='), error: 'invalid signature' },
        { error: 'missing x-hub-signature-256' },
      ];
      for (const { signature, error } of attempts) {
        const response = await fetch(webhookUrl(), {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...(signature ? { 'x-hub-signature-256': signature } : {}) },
          body,
        });
        expect(response.status).toBe(401);
        expect(await response.json()).toEqual({ error });
      }
      expect(await queueDepth()).toBe(before);
      expect(
        await stack.store.customers.get({ channelKind: 'messenger', channelId: 'demo-messenger', userId: 'PSID-forger' }),
      ).toBeUndefined();
      // The mid was not consumed: the genuine event with it would still go through.
      expect(await stack.store.events.claim('messenger#demo-messenger', mid)).toBe(true);
      await stack.idle();
      expect(stack.messengerStandIn.calls()).toEqual([]);
    });

    test('unknown page → the same 401 as a bad signature, malformed JSON → 400, not a webhook → 400, each a JSON error', async () => {
      const body = event(newMessengerMid(), 'PSID-x');
      const answer = async (pageId: string, headers: Record<string, string>) => {
        const response = await fetch(webhookUrl(pageId), { method: 'POST', headers, body });
        return { status: response.status, body: (await response.json()) as unknown };
      };
      // Signed with some page's secret or not signed at all, an unknown page answers like a known one
      // whose signature fails: a prober learns nothing about which pages exist.
      const forged = await answer(stack.demo.messengerPageId, { 'x-hub-signature-256': signMessengerBody(body, 'not-the-app-secret') });
      expect(forged).toEqual({ status: 401, body: { error: 'invalid signature' } });
      const unsigned = await answer(stack.demo.messengerPageId, {});
      expect(unsigned).toEqual({ status: 401, body: { error: 'missing x-hub-signature-256' } });
      for (const pageId of ['no-such-page', '9'.repeat(3_000)]) {
        expect(await answer(pageId, { 'x-hub-signature-256': signMessengerBody(body, stack.demo.messengerAppSecret) })).toEqual(forged);
        expect(await answer(pageId, {})).toEqual(unsigned);
      }

      const bodies = [
        { raw: '{"object": "page", "entry": [', error: 'body is not valid JSON' },
        { raw: '{"events": []}', error: 'not a Messenger webhook' },
      ];
      for (const { raw, error } of bodies) {
        const response = await fetch(webhookUrl(), {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-hub-signature-256': signMessengerBody(raw, stack.demo.messengerAppSecret) },
          body: raw,
        });
        expect(response.status).toBe(400);
        expect(await response.json()).toEqual({ error });
      }
    });

    test('an echo of the page’s own message is skipped', async () => {
      const echo = JSON.stringify({
        object: 'page',
        entry: [
          {
            id: 'demo-messenger',
            time: 1,
            messaging: [
              {
                sender: { id: 'demo-messenger' },
                recipient: { id: 'PSID-echoed' },
                timestamp: Date.now(),
                message: { is_echo: true, app_id: 1517776481860111, mid: newMessengerMid(), text: 'hot' },
              },
            ],
          },
        ],
      });
      const response = await fetch(webhookUrl(), {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-hub-signature-256': signMessengerBody(echo, stack.demo.messengerAppSecret) },
        body: echo,
      });
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ ok: true, queued: 0 });
      await stack.idle();
      expect(stack.messengerStandIn.calls()).toEqual([]);
      expect(
        await stack.store.customers.get({ channelKind: 'messenger', channelId: 'demo-messenger', userId: 'PSID-echoed' }),
      ).toBeUndefined();
    });

    test('an event addressed to another page of the same app is not answered with this page', async () => {
      const body = JSON.stringify({
        object: 'page',
        entry: [
          {
            id: 'other-page',
            time: 1,
            messaging: [
              {
                sender: { id: 'PSID-of-other-page' },
                recipient: { id: 'other-page' },
                timestamp: Date.now(),
                message: { mid: newMessengerMid(), text: 'hot' },
              },
            ],
          },
        ],
      });
      const response = await fetch(webhookUrl(), {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-hub-signature-256': signMessengerBody(body, stack.demo.messengerAppSecret) },
        body,
      });
      expect(await response.json()).toEqual({ ok: true, queued: 0 });
      expect(
        await stack.store.customers.get({ channelKind: 'messenger', channelId: 'demo-messenger', userId: 'PSID-of-other-page' }),
      ).toBeUndefined();
    });

    test('the {field, value} format is answered when it names a PSID', async () => {
      const body = JSON.stringify({
        field: 'messages',
        value: {
          sender: { id: 'PSID-field-value' },
          recipient: { id: 'demo-messenger' },
          timestamp: String(Math.floor(Date.now() / 1000)),
          message: { mid: newMessengerMid(), text: 'hot' },
        },
      });
      const response = await fetch(webhookUrl(), {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-hub-signature-256': signMessengerBody(body, stack.demo.messengerAppSecret) },
        body,
      });
      expect(await response.json()).toEqual({ ok: true, queued: 1 });
      const calls = await waitForMessengerCalls(stack, (c) => sends(c, 'PSID-field-value').length >= 2);
      expect(sends(calls, 'PSID-field-value')[0]?.message).toEqual({ text: "Today's best sellers:", metadata: RECEIPT });
    });

    test('every sample file, signed and posted, is answered 200 and queued only when it should be', async () => {
      const expected: Record<string, number> = {
        'echo.json': 0,
        // user_ref sender: no PSID to answer.
        'postback-doc-field-value-format.json': 0,
        'postback.json': 1,
        'quick-reply.json': 1,
        // Same mid as quick-reply.json (Meta's docs reuse it): a duplicate.
        'text.json': 0,
      };
      // The files of every other event kind: messengerEventKinds.test.ts.
      const files = Object.keys(expected).sort();
      for (const file of files) {
        const body = readFileSync(join(FIXTURES, file));
        const response = await fetch(webhookUrl(FIXTURE_PAGE), {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-hub-signature-256': signMessengerBody(body, FIXTURE_SECRET) },
          body,
        });
        expect([file, response.status, await response.json()]).toEqual([file, 200, { ok: true, queued: expected[file] }]);
      }
      // Neither payload is a trigger of the demo flow: both get its fallback, with quick replies.
      const calls = await waitForMessengerCalls(stack, (c) => sends(c).length >= 2);
      await stack.idle();
      expect(stack.messengerStandIn.calls()).toHaveLength(2);
      for (const call of calls) {
        expect(call).toEqual({
          kind: 'send',
          pageId: FIXTURE_PAGE,
          token: accessTokenFingerprint('fixture-page-token'),
          to: FIXTURE_PSID,
          messagingType: 'RESPONSE',
          message: {
            text: 'Sorry, I did not catch that. Try one of these:',
            quick_replies: [
              { content_type: 'text', title: 'My tickets', payload: 'action=my_tickets' },
              { content_type: 'text', title: 'Best sellers', payload: 'hot' },
              { content_type: 'text', title: 'Register', payload: 'register' },
            ],
            metadata: RECEIPT,
          },
          at: expect.any(String),
        });
      }
    });
  });

  test('the demo member taps "My tickets": typing, then a carousel of unused tickets', async () => {
    const sent = await sendMessenger(
      stack,
      { type: 'postback', data: 'action=my_tickets', title: 'My tickets' },
      { psid: DEMO_MESSENGER_MEMBER_PSID },
    );
    expect(sent).toMatchObject({ status: 200, body: { ok: true, queued: 1 } });
    const calls = await waitForMessengerCalls(stack, (c) => sends(c).length >= 1);
    expect(calls).toEqual([
      {
        kind: 'typing',
        pageId: 'demo-messenger',
        token: accessTokenFingerprint(stack.demo.messengerPageToken),
        to: DEMO_MESSENGER_MEMBER_PSID,
        senderAction: 'typing_on',
        at: expect.any(String),
      },
      {
        kind: 'send',
        pageId: 'demo-messenger',
        token: accessTokenFingerprint(stack.demo.messengerPageToken),
        to: DEMO_MESSENGER_MEMBER_PSID,
        messagingType: 'RESPONSE',
        message: {
          attachment: {
            type: 'template',
            payload: {
              template_type: 'generic',
              elements: [
                ['T-1001', 'Taipei 101 Observatory', '2026-12-31'],
                ['T-1002', 'National Palace Museum', '2026-10-31'],
                ['T-1003', 'Jiufen Tea House Afternoon Set', '2027-03-31'],
              ].map(([id = '', title, validUntil]) => ({
                title,
                subtitle: `Valid until ${validUntil}`,
                image_url: `https://picsum.photos/seed/${id.replace('-', '').toLowerCase()}/600/400`,
                buttons: [{ type: 'postback', title: 'Use this ticket', payload: `action=use_ticket&id=${id}` }],
              })),
            },
          },
          metadata: RECEIPT,
        },
        at: expect.any(String),
      },
    ]);
    expect(stack.brandApi.requests().filter((r) => r.method === 'GET' && r.path === '/members/M001/tickets')).toHaveLength(1);
    // The emulator view serves the same calls.
    const view = await fetch(`${stack.url}/_emulator/messenger/messages`);
    expect(await view.json()).toEqual(stack.messengerStandIn.calls());
    await stack.idle();
    expect((await stack.store.jobStates.get(`messenger:demo-messenger:${sent.mid}`))?.done).toBe(true);
  });

  test('"hot" answers with the best sellers: a text, then a carousel', async () => {
    await sendMessenger(stack, { type: 'text', text: 'hot' }, { psid: 'PSID-guest-1' });
    const calls = await waitForMessengerCalls(stack, (c) => sends(c).length >= 2);
    expect(calls.map((c) => c.kind)).toEqual(['typing', 'send', 'send']);
    expect(calls[1]).toMatchObject({ to: 'PSID-guest-1', messagingType: 'RESPONSE', message: { text: "Today's best sellers:" } });
    expect(calls[2]?.message).toEqual({
      attachment: {
        type: 'template',
        payload: {
          template_type: 'generic',
          elements: [
            {
              title: '土鳳梨酥禮盒 (12入)',
              subtitle: 'NT$ 450',
              image_url: 'https://picsum.photos/seed/pc001/600/400',
              buttons: [{ type: 'web_url', title: 'View', url: 'https://shop.example.com/products/PC-001' }],
            },
            {
              title: '阿里山高山烏龍茶 150g',
              subtitle: 'NT$ 680',
              image_url: 'https://picsum.photos/seed/tea201/600/400',
              buttons: [{ type: 'web_url', title: 'View', url: 'https://shop.example.com/products/TEA-201' }],
            },
            {
              title: '黑糖珍珠奶茶 DIY 組',
              subtitle: 'NT$ 320',
              image_url: 'https://picsum.photos/seed/bt330/600/400',
              buttons: [{ type: 'web_url', title: 'View', url: 'https://shop.example.com/products/BT-330' }],
            },
          ],
        },
      },
      metadata: RECEIPT,
    });
  });

  test('the "Best sellers" quick reply (a message button) reaches the keyword trigger', async () => {
    await sendMessenger(stack, { type: 'quick_reply', text: 'Best sellers', payload: 'hot' }, { psid: 'PSID-guest-2' });
    const calls = await waitForMessengerCalls(stack, (c) => sends(c).length >= 2);
    expect(sends(calls).map((c) => c.message)).toEqual([
      { text: "Today's best sellers:", metadata: RECEIPT },
      expect.objectContaining({ attachment: expect.anything() }),
    ]);
  });

  test('the same mid twice (a redelivery) gets one answer', async () => {
    const mid = newMessengerMid();
    const first = await sendMessenger(stack, { type: 'text', text: 'hot' }, { psid: 'PSID-dup', mid });
    const second = await sendMessenger(stack, { type: 'text', text: 'hot' }, { psid: 'PSID-dup', mid });
    expect([first.body, second.body]).toEqual([
      { ok: true, queued: 1 },
      { ok: true, queued: 0 },
    ]);
    await waitForMessengerCalls(stack, (c) => sends(c).length >= 2);
    await stack.idle();
    expect(stack.messengerStandIn.calls().map((c) => c.kind)).toEqual(['typing', 'send', 'send']);
  });

  test('outside the 24-hour window: nothing is sent, nothing throws, the job completes', async () => {
    stack.messengerStandIn.expireWindow('PSID-late');
    // A fallback answer (no card, so no typing indicator: the send itself meets the window error) ...
    const plain = await sendMessenger(stack, { type: 'text', text: 'what is this?' }, { psid: 'PSID-late' });
    // ... and a card's answer (the typing indicator meets it first).
    const card = await sendMessenger(stack, { type: 'text', text: 'hot' }, { psid: 'PSID-late' });
    expect([plain.body, card.body]).toEqual([
      { ok: true, queued: 1 },
      { ok: true, queued: 1 },
    ]);
    for (const { mid } of [plain, card]) {
      const deadline = Date.now() + 5_000;
      while (!(await stack.store.jobStates.get(`messenger:demo-messenger:${mid}`))?.done && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 20));
      expect(await stack.store.jobStates.get(`messenger:demo-messenger:${mid}`)).toMatchObject({ done: true });
    }
    await stack.idle();
    expect(stack.messengerStandIn.calls()).toEqual([]);
    expect(await queueDepth()).toBe(0);
    expect(await queueDepth(stack.dlqUrl)).toBe(0);
  });

  test('a Send API 500 is retried by the client: each message goes out exactly once', async () => {
    stack.messengerStandIn.failNext(1, 500);
    await sendMessenger(stack, { type: 'text', text: 'hot' }, { psid: 'PSID-retry-1' });
    await waitForMessengerCalls(stack, (c) => sends(c).length >= 2);
    await stack.idle();
    expect(
      sends(stack.messengerStandIn.calls()).map((c) =>
        c.message && typeof c.message === 'object' && 'text' in c.message ? c.message.text : 'carousel',
      ),
    ).toEqual(["Today's best sellers:", 'carousel']);
  });

  test('a send that keeps failing fails the job; its retry resends only what did not go out', async () => {
    // The first message goes out, the second fails all three client attempts.
    stack.messengerStandIn.failNext(3, 503, { after: 1 });
    await sendMessenger(stack, { type: 'text', text: 'hot' }, { psid: 'PSID-retry-2' });
    // The job comes back after the queue's visibility timeout (2 s in tests).
    await waitForMessengerCalls(stack, (c) => sends(c).length >= 2, 15_000);
    await stack.idle();
    const calls = stack.messengerStandIn.calls();
    expect(calls.map((c) => c.kind)).toEqual(['typing', 'send', 'send']);
    expect(calls[1]?.message).toEqual({ text: "Today's best sellers:", metadata: RECEIPT });
    expect(calls[2]?.message).toMatchObject({ attachment: { type: 'template', payload: { template_type: 'generic' } } });
    // The flow did not run twice: the brand was asked once.
    expect(stack.brandApi.requests().filter((r) => r.path === '/best-sellers')).toHaveLength(1);
  });

  describe('oversized or malformed events in a signed delivery: skipped, never a 5xx', () => {
    const big = '1'.repeat(100_000);
    const messaging = (psid: string, message: Record<string, unknown>) => ({
      sender: { id: psid },
      recipient: { id: stack.demo.messengerPageId },
      timestamp: Date.now(),
      message,
    });
    const deliver = async (events: unknown[]) => {
      const body = JSON.stringify({ object: 'page', entry: [{ id: stack.demo.messengerPageId, time: Date.now(), messaging: events }] });
      const response = await fetch(webhookUrl(), {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-hub-signature-256': signMessengerBody(body, stack.demo.messengerAppSecret) },
        body,
      });
      return { status: response.status, body: (await response.json()) as unknown };
    };

    test('one event with a 100,000-character PSID beside a normal one: 200, the normal one answered, the oversized skipped', async () => {
      const before = await queueDepth();
      const result = await deliver([
        messaging(big, { mid: newMessengerMid(), text: 'hot' }),
        messaging('PSID-bounds-normal', { mid: newMessengerMid(), text: 'hot' }),
      ]);
      expect(result).toEqual({ status: 200, body: { ok: true, queued: 1 } });
      const calls = await waitForMessengerCalls(stack, (c) => sends(c, 'PSID-bounds-normal').length >= 2);
      expect(sends(calls, 'PSID-bounds-normal')[0]).toMatchObject({ message: { text: "Today's best sellers:" } });
      await stack.idle();
      expect(stack.messengerStandIn.calls().filter((c) => c.to !== 'PSID-bounds-normal')).toEqual([]);
      expect(await queueDepth()).toBe(before);
    });

    test.each<[string, () => unknown]>([
      ['a 100,000-character PSID', () => messaging(big, { mid: newMessengerMid(), text: 'hot' })],
      ['a 100,000-character mid', () => messaging('PSID-bounds-alone', { mid: big, text: 'hot' })],
      ['5 MiB of text', () => messaging('PSID-bounds-alone', { mid: newMessengerMid(), text: 'x'.repeat(5 * 1024 * 1024) })],
      [
        'a 100,000-character quick-reply payload',
        () => messaging('PSID-bounds-alone', { mid: newMessengerMid(), text: 'Hot', quick_reply: { payload: `action=x&y=${big}` } }),
      ],
      [
        'a 100,000-character recipient',
        () => ({ ...messaging('PSID-bounds-alone', { mid: newMessengerMid(), text: 'hot' }), recipient: { id: big } }),
      ],
      ['a sender that is not an object', () => ({ sender: 'PSID', timestamp: 1, message: { mid: newMessengerMid(), text: 'hot' } })],
    ])('an event with %s alone: 200 with nothing queued, nothing sent', async (_what, event) => {
      const result = await deliver([event()]);
      expect(result).toEqual({ status: 200, body: { ok: true, queued: 0 } });
      await stack.idle();
      expect(stack.messengerStandIn.calls()).toEqual([]);
    });
  });
});
