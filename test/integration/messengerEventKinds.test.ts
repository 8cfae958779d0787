import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LocalStack } from '../../local/localStack';
import { accessTokenFingerprint, type MessengerCall } from '../../local/messengerStandIn';
import { signMessengerBody } from '../../local/messengerWebhookBody';
import { DEMO_FLOW_ID } from '../../local/seedDemo';
import { captureOutput } from '../support/adminClient';
import { startTestStack, waitForMessengerCalls } from '../support/localStackHarness';

/**
 * Every event kind of Meta's Messenger webhook reference, on purpose: each sample file (see
 * test/fixtures/SAMPLES.md) is signed and posted to the app's URL of the local stack, and the test shows
 * what callcard does with it: answered (a Send API call to the person, with the page's token), or
 * skipped with the reason the webhook logged. Nothing gets a 5xx.
 */
const FIXTURES = join(__dirname, '../fixtures/messenger');
/** The page and PSID the sample files use. */
const FIXTURE_PAGE = '682498302938465';
const FIXTURE_PSID = '1254477777772919';
/** The app id of Meta's own echo example (echo.json). */
const APP = { appId: '1517776481860111', secret: 'event-kinds-app-secret', verifyToken: 'event-kinds-verify' };
const PAGE_TOKEN = 'event-kinds-page-token';
const FALLBACK = 'Sorry, I did not catch that. Try one of these:';

/** What callcard does with each sample: answered (with the demo flow's fallback), or skipped with this logged reason. */
const EXPECTED: Record<string, 'answered' | { duplicate: true } | { skipped: string } | { unrouted: string }> = {
  // An account link no conversation waits on, on a page whose flows link accounts on LINE only (the demo: a one-time code on Messenger).
  'account-linking.json': { unrouted: 'account link (ok): no conversation waits on it and no active flow links accounts on messenger' },
  'delivery.json': { skipped: 'delivery: a delivery receipt, nothing to answer' },
  // Not callcard's message (no callcard metadata): not a receipt, and never answered.
  'echo.json': { skipped: 'echo' },
  // The text typed with the link is the turn.
  'fallback-with-text.json': 'answered',
  'fallback.json': { skipped: 'message with fallback attachment, no text' },
  'image.json': { skipped: 'message with image attachment, no text' },
  'location.json': { skipped: 'message with location attachment, no text' },
  'message-edit.json': { skipped: 'message_edit: an edit of an earlier message, not a new turn' },
  'optin.json': { skipped: 'optin: an opt-in (marketing messages, plugin), not a trigger' },
  'pass-thread-control.json': { skipped: 'pass_thread_control: handover gave this app the thread: it answers when the person writes' },
  'postback-doc-field-value-format.json': { skipped: 'user_ref sender, no PSID' },
  // A Get Started tap from an m.me link: the payload is the turn, the referral is not read.
  'postback-referral.json': 'answered',
  'postback.json': 'answered',
  'quick-reply.json': 'answered',
  'reaction.json': { skipped: 'reaction: an emoji on a message, not a trigger' },
  'read.json': { skipped: 'read: a read receipt, nothing to answer' },
  'referral.json': { skipped: 'referral: an m.me link or an ad opened an existing thread, not a trigger' },
  'reply-to.json': 'answered',
  // Handover: another app owns the thread, so callcard never answers there.
  'standby.json': { skipped: 'standby: another app owns the thread (handover), never answered' },
  'sticker.json': { skipped: 'message with sticker attachment, no text' },
  // Meta's docs give text.json the mid of quick-reply.json: a redelivery, counted once.
  'text.json': { duplicate: true },
};

describe('every Messenger event kind, posted to the app URL of the local stack', () => {
  let stack: LocalStack;
  let output: ReturnType<typeof captureOutput>;

  /** The webhook's log lines (Powertools JSON) written since `from`. */
  const webhookLogs = (from: number) => output.logLines(from).filter((line) => line.handler === 'messenger-webhook');
  const answers = () => stack.messengerStandIn.calls().filter((c: MessengerCall) => c.kind === 'send' && c.to === FIXTURE_PSID);

  beforeAll(async () => {
    output = captureOutput();
    stack = await startTestStack({ logLevel: 'DEBUG' });
    await stack.store.messengerApps.save(stack.demo.workspaceId, APP.appId, {
      name: 'Sample app',
      secret: APP.secret,
      verifyToken: APP.verifyToken,
    });
    await stack.store.channels.put({
      workspaceId: stack.demo.workspaceId,
      kind: 'messenger',
      channelId: FIXTURE_PAGE,
      name: 'Sample page',
      appId: APP.appId,
      accessToken: PAGE_TOKEN,
      activeFlows: [{ flowId: DEMO_FLOW_ID, version: 1 }],
    });
  });

  afterAll(async () => {
    await stack.stop();
    output.stop();
  });

  test('the samples are exactly the event kinds listed here', () => {
    expect(readdirSync(FIXTURES).sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  test.each(Object.entries(EXPECTED))('%s', async (file, expected) => {
    await stack.idle();
    const answered = answers().length;
    const from = output.text().length;
    const raw = readFileSync(join(FIXTURES, file));
    const response = await fetch(`${stack.url}/webhooks/messenger/apps/${APP.appId}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-hub-signature-256': signMessengerBody(raw, APP.secret) },
      body: raw,
    });
    expect([response.status, await response.json()]).toEqual([200, { ok: true, queued: expected === 'answered' ? 1 : 0 }]);
    if (expected === 'answered') {
      await waitForMessengerCalls(stack, () => answers().length > answered);
      await stack.idle();
      // Neither text nor payload is a trigger of the demo flow: its fallback answers, once, on the page with its token.
      expect(answers().slice(answered)).toEqual([
        expect.objectContaining({
          pageId: FIXTURE_PAGE,
          token: accessTokenFingerprint(PAGE_TOKEN),
          message: expect.objectContaining({ text: FALLBACK }),
        }),
      ]);
      return;
    }
    await stack.idle();
    expect(answers()).toHaveLength(answered);
    const logged = webhookLogs(from).map(({ level, message, reason }) => ({ level, message, reason }));
    if ('duplicate' in expected) expect(logged).toContainEqual({ level: 'INFO', message: 'duplicate event ignored', reason: undefined });
    else if ('unrouted' in expected) expect(logged).toContainEqual({ level: 'INFO', message: expected.unrouted, reason: undefined });
    else expect(logged).toContainEqual({ level: 'DEBUG', message: 'skipped Messenger event', reason: expected.skipped });
  });

  test("callcard's own answers came back as echoes to the app URL: each recorded as its delivery's receipt", async () => {
    await stack.idle();
    for (const mid of ['m_MESSAGE-ID', 'm_GET-STARTED-MESSAGE-ID', 'mid.1457764197618:41d102a3e1ae206a38']) {
      const jobId = `messenger:${FIXTURE_PAGE}:${mid}`;
      const deadline = Date.now() + 5_000;
      while (!(await stack.store.jobStates.get(jobId))?.echoed.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect([mid, await stack.store.jobStates.get(jobId)]).toEqual([mid, expect.objectContaining({ done: true, echoed: [0] })]);
    }
  });
});
