import type { LocalStack } from '../../local/localStack';
import type { MessengerCall } from '../../local/messengerStandIn';
import { newMessengerMid, signMessengerBody } from '../../local/messengerWebhookBody';
import { DEMO_FLOW_ID } from '../../local/seedDemo';
import { echoMetadata } from '../../shared/channels/messenger/echoReceipt';
import { adminClient, type AdminClient } from '../support/adminClient';
import { startTestStack, waitForMessengerCalls } from '../support/localStackHarness';

/**
 * Echo receipts (issue 24, finding 8) on the local stack, over real sockets: Meta posts the echo of every
 * message sent on a page to each app subscribed to it, and any app on the page may put metadata on its
 * own messages. Only callcard's own echoes (sent by the page's app, tagged with the page's token) mark a
 * delivery as landed, each index at most once and only one the job has; a storm of repeated echoes
 * leaves the outbox's list no longer than the job's messages.
 */
const APP = { appId: '900000000000001', secret: 'echo-receipts-app-secret', verifyToken: 'echo-receipts-verify' };
const PAGE = { pageId: '700000000000007', token: 'echo-receipts-page-token' };
/** Another app on the same page (a page inbox, another bot). */
const OTHER_APP_ID = 42;

describe('Messenger echo receipts (local stack)', () => {
  let stack: LocalStack;
  let admin: AdminClient;

  const echoOf = (metadata: string, appId: number | string = Number(APP.appId)) => ({
    sender: { id: PAGE.pageId },
    recipient: { id: 'PSID-echo' },
    timestamp: Date.now(),
    message: { is_echo: true, app_id: appId, mid: newMessengerMid(), text: 'hello', metadata },
  });
  /** Echoes as Meta posts them to the app's URL, signed with the app secret. */
  const postEchoes = async (events: unknown[]) => {
    const raw = JSON.stringify({ object: 'page', entry: [{ id: PAGE.pageId, time: Date.now(), messaging: events }] });
    const response = await fetch(`${stack.url}/webhooks/messenger/apps/${APP.appId}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-hub-signature-256': signMessengerBody(raw, APP.secret) },
      body: raw,
    });
    expect(response.status).toBe(200);
  };
  const echoed = async (jobId: string) => (await stack.store.jobStates.get(jobId))?.echoed;
  /** An outbox of `messages` deliveries, as the executor stores it before its first send. */
  const outbox = async (messages: number) => {
    const jobId = `messenger:${PAGE.pageId}:${newMessengerMid()}`;
    await stack.store.jobStates.create({
      jobId,
      deliveries: Array.from({ length: messages }, (_, i) => ({ messages: [{ text: `m${i}` }] })),
      sent: 0,
      replyTokenSpent: false,
      replyRefused: false,
      echoed: [],
      done: false,
    });
    return jobId;
  };

  beforeAll(async () => {
    stack = await startTestStack();
    admin = adminClient(stack, stack.demo.adminKey);
    expect(
      await admin.call('PUT', `/admin/messenger-apps/${APP.appId}`, { name: 'Echo app', secret: APP.secret, verifyToken: APP.verifyToken }),
    ).toMatchObject({ status: 200 });
    expect(
      await admin.call('PUT', `/admin/channels/messenger/${PAGE.pageId}`, { appId: APP.appId, accessToken: PAGE.token }),
    ).toMatchObject({ status: 200 });
    expect(
      await admin.call('POST', `/admin/flows/${DEMO_FLOW_ID}/publish`, {
        version: 1,
        channels: [{ kind: 'messenger', channelId: PAGE.pageId }],
      }),
    ).toMatchObject({ status: 200 });
  });

  afterAll(() => stack.stop());

  test("callcard's own echo still counts: the answer's echo, from the page's app, marks its delivery", async () => {
    const mid = newMessengerMid();
    const raw = JSON.stringify({
      object: 'page',
      entry: [
        {
          id: PAGE.pageId,
          time: Date.now(),
          messaging: [
            { sender: { id: 'PSID-own' }, recipient: { id: PAGE.pageId }, timestamp: Date.now(), message: { mid, text: 'what?' } },
          ],
        },
      ],
    });
    await fetch(`${stack.url}/webhooks/messenger/apps/${APP.appId}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-hub-signature-256': signMessengerBody(raw, APP.secret) },
      body: raw,
    });
    const calls = await waitForMessengerCalls(stack, (c: MessengerCall[]) =>
      c.some((call) => call.kind === 'send' && call.to === 'PSID-own'),
    );
    const jobId = `messenger:${PAGE.pageId}:${mid}`;
    const deadline = Date.now() + 5_000;
    while (!(await echoed(jobId))?.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(await stack.store.jobStates.get(jobId)).toMatchObject({ done: true, echoed: [0] });
    // The stand-in posted Meta's echo with this page's app as its sender, and callcard's tagged metadata.
    const sent = calls.find((call) => call.kind === 'send' && call.to === 'PSID-own');
    expect((sent?.message as { metadata?: string }).metadata).toBe(echoMetadata(jobId, 0, PAGE.token));
  });

  test("another app's echo carrying callcard's metadata is ignored", async () => {
    const jobId = await outbox(3);
    await postEchoes([
      echoOf(echoMetadata(jobId, 0, PAGE.token), OTHER_APP_ID),
      echoOf(echoMetadata(jobId, 1, PAGE.token), String(OTHER_APP_ID)),
      echoOf(echoMetadata(jobId, 2, PAGE.token), ''),
    ]);
    expect(await echoed(jobId)).toEqual([]);
    // The same receipts from the page's own app count.
    await postEchoes([echoOf(echoMetadata(jobId, 0, PAGE.token)), echoOf(echoMetadata(jobId, 1, PAGE.token))]);
    expect(await echoed(jobId)).toEqual(expect.arrayContaining([0, 1]));
    expect(await echoed(jobId)).toHaveLength(2);
  });

  test('an index the job did not send is ignored, tagged or not', async () => {
    const jobId = await outbox(1);
    const [, , , tag] = echoMetadata(jobId, 0, PAGE.token).split(':');
    await postEchoes([
      echoOf(`callcard:2:42:${tag}:${jobId}`),
      echoOf(echoMetadata(jobId, 42, PAGE.token)),
      echoOf(echoMetadata(jobId, 1, PAGE.token)),
      echoOf(echoMetadata(jobId, 0, 'not-the-page-token')),
    ]);
    expect(await echoed(jobId)).toEqual([]);
  });

  test('1,000 repeated echoes leave the list at most the job’s message count, quickly', async () => {
    const jobId = await outbox(2);
    const started = performance.now();
    // In one delivery, as the report sent them.
    await postEchoes(Array.from({ length: 1000 }, () => echoOf(echoMetadata(jobId, 0, PAGE.token))));
    const oneDelivery = performance.now() - started;
    // And 1,000 more in 50 deliveries of 20, every index of the job and past it, several at once.
    const mixed = Array.from({ length: 1000 }, (_, i) => echoOf(echoMetadata(jobId, i % 4, PAGE.token)));
    const startedMixed = performance.now();
    for (let round = 0; round < 5; round += 1)
      await Promise.all(Array.from({ length: 10 }, (_, d) => postEchoes(mixed.slice((round * 10 + d) * 20, (round * 10 + d + 1) * 20))));
    const fiftyDeliveries = performance.now() - startedMixed;
    expect((await echoed(jobId))?.sort()).toEqual([0, 1]);
    console.log(
      `1,000 echoes of one delivery: ${oneDelivery.toFixed(0)} ms in one POST; 1,000 more in 50 POSTs: ${fiftyDeliveries.toFixed(0)} ms`,
    );
    expect(oneDelivery).toBeLessThan(1_500);
    expect(fiftyDeliveries).toBeLessThan(10_000);
  });
});
