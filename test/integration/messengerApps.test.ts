import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import type { LocalStack } from '../../local/localStack';
import { accessTokenFingerprint, type MessengerCall } from '../../local/messengerStandIn';
import { newMessengerMid, signMessengerBody } from '../../local/messengerWebhookBody';
import { DEMO_FLOW_ID } from '../../local/seedDemo';
import { adminClient, captureOutput, type AdminClient } from '../support/adminClient';
import { startTestStack, waitForMessengerCalls } from '../support/localStackHarness';

/**
 * One Meta app, many pages: Meta gives an app one callback URL for the `page` object, and one POST may
 * carry entries of several pages. The app's URL verifies the app's signature and answers each entry on
 * its own page, with that page's token; the per-page URL keeps working; Meta's retries (the same event
 * in two POSTs at once, and again later) are answered once, through either URL. On the local stack,
 * over real sockets, set up through the admin API.
 */
const APP = {
  appId: '1517776481860111',
  secret: 'brand-app-secret-0123456789abcdef',
  verifyToken: 'brand-app-verify-token-42',
};
const PAGE_A = { pageId: '111111111111111', token: 'page-a-access-token-aaaa' };
const PAGE_B = { pageId: '222222222222222', token: 'page-b-access-token-bbbb' };
/** A page of the same workspace that is not registered under the app (the seeded demo page). */
const DEMO_PAGE = 'demo-messenger';
/** The demo flow's fallback: the one answer to text no trigger takes (no card, so no typing indicator). */
const FALLBACK = 'Sorry, I did not catch that. Try one of these:';

const sends = (calls: MessengerCall[], to: string) => calls.filter((c) => c.kind === 'send' && c.to === to);

/** One entry of a delivery: a person writing to a page. */
function entry(pageId: string, psid: string, text: string, mid = newMessengerMid()) {
  const timestamp = Date.now();
  return {
    id: pageId,
    time: timestamp,
    messaging: [{ sender: { id: psid }, recipient: { id: pageId }, timestamp, message: { mid, text } }],
  };
}

const body = (...entries: unknown[]) => JSON.stringify({ object: 'page', entry: entries });

describe('Messenger: one app, several pages (local stack)', () => {
  let stack: LocalStack;
  let admin: AdminClient;
  let output: ReturnType<typeof captureOutput>;

  const appUrl = (appId = APP.appId) => `${stack.url}/webhooks/messenger/apps/${appId}`;
  const pageUrl = (pageId: string) => `${stack.url}/webhooks/messenger/${pageId}`;
  /** A signed POST (`secret` null: unsigned). */
  const post = async (url: string, raw: string, secret: string | null = APP.secret) => {
    const response = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(secret !== null ? { 'x-hub-signature-256': signMessengerBody(raw, secret) } : {}),
      },
      body: raw,
    });
    return { status: response.status, body: (await response.json()) as unknown };
  };
  /** Warning lines the webhooks logged since `from` (Powertools JSON lines). */
  const warnings = (from: number) => output.logLines(from).filter((line) => line.level === 'WARN');

  async function queueDepth(): Promise<number> {
    const { Attributes = {} } = await stack.sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: stack.queueUrl,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    return Number(Attributes.ApproximateNumberOfMessages ?? 0) + Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0);
  }

  beforeAll(async () => {
    output = captureOutput();
    stack = await startTestStack({ logLevel: 'WARN' });
    admin = adminClient(stack, stack.demo.adminKey);
    // The brand's admin: the app once, then each page under it with its own page token, then the flow on both.
    expect(
      await admin.call('PUT', `/admin/messenger-apps/${APP.appId}`, {
        name: 'Brand app',
        secret: APP.secret,
        verifyToken: APP.verifyToken,
      }),
    ).toMatchObject({ status: 200 });
    for (const page of [PAGE_A, PAGE_B]) {
      expect(
        await admin.call('PUT', `/admin/channels/messenger/${page.pageId}`, {
          name: `Page ${page.pageId}`,
          appId: APP.appId,
          accessToken: page.token,
        }),
      ).toMatchObject({ status: 200 });
    }
    const published = await admin.call('POST', `/admin/flows/${DEMO_FLOW_ID}/publish`, {
      version: 1,
      channels: [PAGE_A, PAGE_B].map((p) => ({ kind: 'messenger', channelId: p.pageId })),
    });
    expect(published.status).toBe(200);
  });

  afterAll(async () => {
    await stack.stop();
    output.stop();
  });

  beforeEach(async () => {
    await stack.idle();
    stack.messengerStandIn.reset();
  });

  describe('admin API', () => {
    test('the app and its pages: secrets write-only, pages listed under their app, the webhook path given', async () => {
      const app = await admin.call('GET', `/admin/messenger-apps/${APP.appId}`);
      expect(app).toMatchObject({
        status: 200,
        body: {
          appId: APP.appId,
          name: 'Brand app',
          secret: '••••cdef',
          verifyToken: '••••n-42',
          pages: [PAGE_A.pageId, PAGE_B.pageId],
          webhookPath: `/webhooks/messenger/apps/${APP.appId}`,
        },
      });
      expect((await admin.call('GET', '/admin/messenger-apps')).body).toEqual({ apps: [app.body] });
      const page = await admin.call('GET', `/admin/channels/messenger/${PAGE_A.pageId}`);
      expect(page.body).toEqual({
        kind: 'messenger',
        channelId: PAGE_A.pageId,
        name: `Page ${PAGE_A.pageId}`,
        appId: APP.appId,
        accessToken: '••••aaaa',
        activeFlows: [{ flowId: DEMO_FLOW_ID, version: 1 }],
      });
      // Stored once, on the app: the page item has neither the app's secret nor its verify token.
      const stored = await stack.store.channels.get('messenger', PAGE_A.pageId);
      expect(stored).not.toHaveProperty('secret');
      expect(stored).not.toHaveProperty('verifyToken');
      for (const reply of admin.bodies)
        expect(reply).not.toMatch(new RegExp(`${APP.secret}|${APP.verifyToken}|${PAGE_A.token}|${PAGE_B.token}`));
    });

    test('a page with its own secret moves under the app: its own secret and verify token are dropped, the app’s verify it', async () => {
      const pageId = '666666666666666';
      const own = { secret: 'page-own-app-secret-6666', accessToken: 'page-six-access-token', verifyToken: 'page-own-verify' };
      expect(await admin.call('PUT', `/admin/channels/messenger/${pageId}`, own)).toMatchObject({
        status: 200,
        body: { created: true, secret: '••••6666', verifyToken: '••••rify' },
      });
      const moved = await admin.call('PUT', `/admin/channels/messenger/${pageId}`, { appId: APP.appId });
      expect(moved.body).toEqual({
        kind: 'messenger',
        channelId: pageId,
        name: '',
        appId: APP.appId,
        accessToken: '••••oken',
        activeFlows: [],
        created: false,
      });
      const stored = await stack.store.channels.get('messenger', pageId);
      expect([stored?.secret, stored?.verifyToken]).toEqual([undefined, undefined]);
      const raw = body(entry(pageId, 'PSID-moved', 'what?'));
      // No flow runs there: nothing to queue, but the app's secret is the one that verifies it now.
      expect(await post(pageUrl(pageId), raw, own.secret)).toEqual({ status: 401, body: { error: 'invalid signature' } });
      expect(await post(pageUrl(pageId), raw)).toEqual({ status: 200, body: { ok: true, queued: 0 } });
      expect(await post(appUrl(), raw)).toEqual({ status: 200, body: { ok: true, queued: 0 } });
    });

    test('what a page under an app may not be given, and an app that is not the workspace’s', async () => {
      const put = (pageId: string, payload: unknown, kind = 'messenger') => admin.call('PUT', `/admin/channels/${kind}/${pageId}`, payload);
      expect(await put('333', { appId: APP.appId, accessToken: 't', secret: 's' })).toMatchObject({
        status: 400,
        body: { problems: [{ path: 'secret' }] },
      });
      expect(await put('333', { appId: 'no-such-app', accessToken: 't' })).toMatchObject({
        status: 400,
        body: { problems: [{ path: 'appId', message: expect.stringContaining('PUT /admin/messenger-apps/no-such-app') }] },
      });
      expect(await put('333', { appId: APP.appId })).toMatchObject({ status: 400, body: { problems: [{ path: 'accessToken' }] } });
      expect(await put('line-x', { appId: APP.appId, secret: 's', accessToken: 't' }, 'line')).toMatchObject({
        status: 400,
        body: { problems: [{ path: 'appId' }] },
      });
      // A page under an app keeps no secret of its own: the app's applies.
      expect(await put(PAGE_A.pageId, { verifyToken: 'mine' })).toMatchObject({
        status: 409,
        body: { error: expect.stringContaining(`PUT /admin/messenger-apps/${APP.appId}`) },
      });
      expect(await stack.store.channels.get('messenger', PAGE_A.pageId)).toMatchObject({ appId: APP.appId, accessToken: PAGE_A.token });
      // Another workspace can neither take the app id nor register a page under it.
      await stack.store.adminKeys.add('other-workspace-key', 'ws-other');
      const other = adminClient(stack, 'other-workspace-key');
      expect(await other.call('PUT', `/admin/messenger-apps/${APP.appId}`, { secret: 'x'.repeat(16), verifyToken: 'y' })).toMatchObject({
        status: 409,
        body: { error: 'app id not available' },
      });
      expect(await other.call('PUT', '/admin/channels/messenger/444', { appId: APP.appId, accessToken: 't' })).toMatchObject({
        status: 400,
        body: { problems: [{ path: 'appId' }] },
      });
      expect(await other.call('GET', `/admin/messenger-apps/${APP.appId}`)).toMatchObject({ status: 404 });
      expect(await stack.store.messengerApps.get(APP.appId)).toMatchObject({ workspaceId: 'demo', secret: APP.secret });
    });
  });

  describe("the app's subscription check", () => {
    const verify = (url: string, token: string) =>
      fetch(
        `${url}?${new URLSearchParams({ 'hub.mode': 'subscribe', 'hub.verify_token': token, 'hub.challenge': '1158201444' }).toString()}`,
      );

    test("the app's verify token gets the challenge back; a wrong token and an unknown app the same 403", async () => {
      const ok = await verify(appUrl(), APP.verifyToken);
      expect([ok.status, ok.headers.get('content-type'), await ok.text()]).toEqual([200, 'text/plain; charset=utf-8', '1158201444']);
      const wrong = await verify(appUrl(), 'guess');
      expect([wrong.status, await wrong.json()]).toEqual([403, { error: 'verify token does not match' }]);
      const unknown = await verify(appUrl('999999'), APP.verifyToken);
      expect([unknown.status, await unknown.json()]).toEqual([403, { error: 'verify token does not match' }]);
      // A page under the app answers its own URL's check with the app's token.
      expect(await (await verify(pageUrl(PAGE_A.pageId), APP.verifyToken)).text()).toBe('1158201444');
    });
  });

  describe('deliveries to the app URL', () => {
    test('one signed POST with entries of two pages: each answered once, on its own page with its own token', async () => {
      const result = await post(
        appUrl(),
        body(entry(PAGE_A.pageId, 'PSID-on-a', 'what is this?'), entry(PAGE_B.pageId, 'PSID-on-b', 'what is that?')),
      );
      expect(result).toEqual({ status: 200, body: { ok: true, queued: 2 } });
      await waitForMessengerCalls(stack, (calls) => sends(calls, 'PSID-on-a').length >= 1 && sends(calls, 'PSID-on-b').length >= 1);
      await stack.idle();
      const calls = stack.messengerStandIn.calls();
      expect(calls.map(({ kind, pageId, token, to }) => ({ kind, pageId, token, to })).sort((x, y) => x.to.localeCompare(y.to))).toEqual([
        { kind: 'send', pageId: PAGE_A.pageId, token: accessTokenFingerprint(PAGE_A.token), to: 'PSID-on-a' },
        { kind: 'send', pageId: PAGE_B.pageId, token: accessTokenFingerprint(PAGE_B.token), to: 'PSID-on-b' },
      ]);
      expect(sends(calls, 'PSID-on-a')[0]?.message).toMatchObject({ text: FALLBACK });
    });

    test("Meta's echoes of those answers come to the app URL and are recorded as each page's delivery receipts", async () => {
      const [a, b] = [newMessengerMid(), newMessengerMid()];
      await post(appUrl(), body(entry(PAGE_A.pageId, 'PSID-echo-a', 'what?', a), entry(PAGE_B.pageId, 'PSID-echo-b', 'what?', b)));
      for (const jobId of [`messenger:${PAGE_A.pageId}:${a}`, `messenger:${PAGE_B.pageId}:${b}`]) {
        const deadline = Date.now() + 5_000;
        while (!(await stack.store.jobStates.get(jobId))?.echoed.length && Date.now() < deadline)
          await new Promise((r) => setTimeout(r, 20));
        expect(await stack.store.jobStates.get(jobId)).toMatchObject({ done: true, echoed: [0] });
      }
    });

    test('an entry of a page not registered under the app is skipped with a logged reason; the others are answered', async () => {
      const from = output.text().length;
      const result = await post(
        appUrl(),
        body(
          entry(DEMO_PAGE, 'PSID-wrong-app', 'what?'),
          entry('555555555555555', 'PSID-unknown-page', 'what?'),
          entry(PAGE_A.pageId, 'PSID-right', 'what?'),
        ),
      );
      expect(result).toEqual({ status: 200, body: { ok: true, queued: 1 } });
      await waitForMessengerCalls(stack, (calls) => sends(calls, 'PSID-right').length >= 1);
      await stack.idle();
      expect(stack.messengerStandIn.calls().map((c) => c.to)).toEqual(['PSID-right']);
      expect(warnings(from).map(({ message, appId, pageId, events, reason }) => ({ message, appId, pageId, events, reason }))).toEqual([
        {
          message: 'Messenger events for a page not served here skipped',
          appId: APP.appId,
          pageId: DEMO_PAGE,
          events: 1,
          reason: expect.stringContaining('page not registered under this app'),
        },
        {
          message: 'Messenger events for a page not served here skipped',
          appId: APP.appId,
          pageId: '555555555555555',
          events: 1,
          reason: 'page not registered in callcard',
        },
      ]);
      expect(await stack.store.customers.get({ channelKind: 'messenger', channelId: DEMO_PAGE, userId: 'PSID-wrong-app' })).toBeUndefined();
    });

    test('an unknown app is answered like a bad signature (401), and nothing is written before the signature holds', async () => {
      const before = await queueDepth();
      const mid = newMessengerMid();
      const raw = body(entry(PAGE_A.pageId, 'PSID-forger', 'what?', mid));
      const forged = await post(appUrl(), raw, 'not-the-app-secret');
      expect(forged).toEqual({ status: 401, body: { error: 'invalid signature' } });
      // A page's token is no app secret either.
      expect(await post(appUrl(), raw, PAGE_A.token)).toEqual(forged);
      expect(await post(appUrl(), raw, null)).toEqual({ status: 401, body: { error: 'missing x-hub-signature-256' } });
      for (const appId of ['999999', '9'.repeat(3_000)]) {
        expect(await post(appUrl(appId), raw)).toEqual(forged);
        expect(await post(appUrl(appId), raw, null)).toEqual({ status: 401, body: { error: 'missing x-hub-signature-256' } });
      }
      expect(await queueDepth()).toBe(before);
      expect(
        await stack.store.customers.get({ channelKind: 'messenger', channelId: PAGE_A.pageId, userId: 'PSID-forger' }),
      ).toBeUndefined();
      // The mid was not consumed: the genuine event with it would still go through.
      expect(await stack.store.events.claim(`messenger#${PAGE_A.pageId}`, mid)).toBe(true);
      await stack.idle();
      expect(stack.messengerStandIn.calls()).toEqual([]);
    });
  });

  describe("a page's own URL", () => {
    test('still serves a page under an app (signed with the app secret); another page’s entry there is skipped with a logged reason', async () => {
      const from = output.text().length;
      const result = await post(
        pageUrl(PAGE_A.pageId),
        body(entry(PAGE_A.pageId, 'PSID-page-url', 'what?'), entry(PAGE_B.pageId, 'PSID-not-here', 'what?')),
      );
      expect(result).toEqual({ status: 200, body: { ok: true, queued: 1 } });
      await waitForMessengerCalls(stack, (calls) => sends(calls, 'PSID-page-url').length >= 1);
      await stack.idle();
      expect(stack.messengerStandIn.calls().map(({ pageId, token, to }) => ({ pageId, token, to }))).toEqual([
        { pageId: PAGE_A.pageId, token: accessTokenFingerprint(PAGE_A.token), to: 'PSID-page-url' },
      ]);
      expect(warnings(from)).toEqual([
        expect.objectContaining({
          message: 'Messenger events for a page not served here skipped',
          channelId: PAGE_A.pageId,
          pageId: PAGE_B.pageId,
          reason: expect.stringContaining('/webhooks/messenger/apps/'),
        }),
      ]);
      // Signed with anything but the app's secret, it is refused.
      expect(await post(pageUrl(PAGE_A.pageId), body(entry(PAGE_A.pageId, 'PSID-page-url', 'what?')), PAGE_A.token)).toEqual({
        status: 401,
        body: { error: 'invalid signature' },
      });
    });
  });

  describe("Meta's retries: the same event in two POSTs at once, and again later, is answered once", () => {
    /** Posts `raw` to each URL at the same moment, then to each again once the first answer went out. */
    async function deliverLikeMeta(urls: string[], raw: string, secret: string, psid: string) {
      const first = await Promise.all(urls.map((url) => post(url, raw, secret)));
      await waitForMessengerCalls(stack, (calls) => sends(calls, psid).length >= 1);
      await stack.idle();
      const later = await Promise.all(urls.map((url) => post(url, raw, secret)));
      await stack.idle();
      return { first, later, answers: sends(stack.messengerStandIn.calls(), psid) };
    }
    const queued = (results: Array<{ body: unknown }>) => results.map((r) => (r.body as { queued: number }).queued).sort();

    test.each([
      ['the app URL, twice', () => [appUrl(), appUrl()]],
      ["the page's URL and the app URL", () => [pageUrl(PAGE_A.pageId), appUrl()]],
    ])('a page under an app, through %s', async (_how, urls) => {
      const psid = `PSID-retry-${Math.random().toString(36).slice(2, 8)}`;
      const { first, later, answers } = await deliverLikeMeta(urls(), body(entry(PAGE_A.pageId, psid, 'what?')), APP.secret, psid);
      expect(first.every((r) => r.status === 200) && later.every((r) => r.status === 200)).toBe(true);
      expect(queued(first)).toEqual([0, 1]);
      expect(queued(later)).toEqual([0, 0]);
      expect(answers).toHaveLength(1);
      expect(answers[0]).toMatchObject({ pageId: PAGE_A.pageId, token: accessTokenFingerprint(PAGE_A.token), message: { text: FALLBACK } });
    });

    test('a page with its own secret, through its page URL twice', async () => {
      const psid = 'PSID-retry-own-page';
      const { first, later, answers } = await deliverLikeMeta(
        [pageUrl(DEMO_PAGE), pageUrl(DEMO_PAGE)],
        body(entry(DEMO_PAGE, psid, 'what?')),
        stack.demo.messengerAppSecret,
        psid,
      );
      expect(queued(first)).toEqual([0, 1]);
      expect(queued(later)).toEqual([0, 0]);
      expect(answers).toHaveLength(1);
      expect(answers[0]).toMatchObject({ pageId: DEMO_PAGE, token: accessTokenFingerprint(stack.demo.messengerPageToken) });
    });
  });
});
