import { CreateTableCommand } from '@aws-sdk/client-dynamodb';
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Logger } from '@aws-lambda-powertools/logger';
import { handleMessengerAppWebhook } from '../../../../functions/messenger-webhook/handleMessengerAppWebhook';
import { handleMessengerWebhook } from '../../../../functions/messenger-webhook/handleMessengerWebhook';
import { createModelDynamoClient } from '../../../../local/aws/modelDynamo';
import { signMessengerBody } from '../../../../local/messengerWebhookBody';
import { echoMetadata } from '../../../../shared/channels/messenger/echoReceipt';
import type { JobQueue } from '../../../../shared/jobs/jobQueue';
import { jobStateKey, type JobState } from '../../../../shared/store/jobStates';
import { createStore, TABLE_DEFINITION, type Store } from '../../../../shared/store/store';
import { createTable, type Table } from '../../../../shared/store/table';
import { createWebhookStore, type WebhookStore } from '../../../../shared/store/webhookStore';

/**
 * Echo receipts (issue 24, finding 8) on the webhook's real code path over the in-memory DynamoDB model
 * (dynalite's engine): only callcard's own echoes count (the page's app, the tag made with the page's
 * token), each index of the outbox at most once, and never one the job does not have.
 */
const APP = { appId: '1517776481860111', secret: 'echo-app-secret', verifyToken: 'echo-verify' };
const APP_PAGE = { pageId: 'page-app', token: 'page-app-token' };
/** A page with its own secret: callcard has no app id on record for it, the tag decides. */
const OWN_PAGE = { pageId: 'page-own', token: 'page-own-token', secret: 'page-own-secret' };

const client = createModelDynamoClient({ latencyMs: 0 });
let table: Table;
let admin: Store;
let store: WebhookStore;
let logs: Array<{ message: string; extra: Record<string, unknown> }> = [];
const queue: JobQueue = { send: async () => undefined };
const record = (message: string, extra: Record<string, unknown> = {}) => void logs.push({ message, extra });
const logger = { debug: record, info: record, warn: record, error: record } as unknown as Logger;
const deps = () => ({ store, queue, logger });

type Page = { pageId: string; token: string };
const echo = (page: Page, metadata: string, appId: number | string = Number(APP.appId)) => ({
  sender: { id: page.pageId },
  recipient: { id: 'PSID-1' },
  timestamp: Date.now(),
  message: { is_echo: true, app_id: appId, mid: `m_echo_${Math.random()}`, text: 'hi', metadata },
});
const body = (pageId: string, events: unknown[]) => JSON.stringify({ object: 'page', entry: [{ id: pageId, time: 1, messaging: events }] });
const postToApp = (events: unknown[]) => {
  const raw = body(APP_PAGE.pageId, events);
  return handleMessengerAppWebhook(
    { appId: APP.appId, rawBody: Buffer.from(raw), headers: { 'x-hub-signature-256': signMessengerBody(raw, APP.secret) } },
    deps(),
  );
};
const postToOwnPage = (events: unknown[]) => {
  const raw = body(OWN_PAGE.pageId, events);
  return handleMessengerWebhook(
    { channelId: OWN_PAGE.pageId, rawBody: Buffer.from(raw), headers: { 'x-hub-signature-256': signMessengerBody(raw, OWN_PAGE.secret) } },
    deps(),
  );
};

let jobs = 0;
/** A stored outbox of `deliveries` messages for the page, as the executor writes it before sending. */
async function outbox(page: Page, deliveries: number): Promise<string> {
  jobs += 1;
  const jobId = `messenger:${page.pageId}:m_job${jobs}`;
  const state: JobState = {
    jobId,
    deliveries: Array.from({ length: deliveries }, (_, i) => ({ messages: [{ text: `${i}` }] })),
    sent: 0,
    replyTokenSpent: false,
    replyRefused: false,
    echoed: [],
    done: false,
  };
  await admin.jobStates.create(state);
  return jobId;
}
const echoed = async (jobId: string) => (await admin.jobStates.get(jobId))?.echoed;

beforeAll(async () => {
  await client.send(new CreateTableCommand({ TableName: 'callcard', ...TABLE_DEFINITION }));
  table = createTable('callcard', client);
  admin = createStore(table);
  store = createWebhookStore(table);
  await admin.messengerApps.save('ws', APP.appId, { secret: APP.secret, verifyToken: APP.verifyToken });
  await admin.channels.put({
    workspaceId: 'ws',
    kind: 'messenger',
    channelId: APP_PAGE.pageId,
    appId: APP.appId,
    accessToken: APP_PAGE.token,
  });
  await admin.channels.put({
    workspaceId: 'ws',
    kind: 'messenger',
    channelId: OWN_PAGE.pageId,
    secret: OWN_PAGE.secret,
    verifyToken: 'v',
    accessToken: OWN_PAGE.token,
  });
});
afterAll(() => client.destroy());
beforeEach(() => {
  logs = [];
});

describe('the outbox takes an echo receipt once, and only for one of its deliveries', () => {
  test('recordEcho: each index at most once, never past the deliveries, never without an outbox', async () => {
    const jobId = await outbox(APP_PAGE, 2);
    await expect(store.jobStates.recordEcho(jobId, 1)).resolves.toBe(true);
    await expect(store.jobStates.recordEcho(jobId, 1)).resolves.toBe(false);
    await expect(store.jobStates.recordEcho(jobId, 2)).resolves.toBe(false);
    await expect(store.jobStates.recordEcho(jobId, 42)).resolves.toBe(false);
    await expect(store.jobStates.recordEcho(jobId, 0)).resolves.toBe(true);
    await expect(store.jobStates.recordEcho('messenger:page-app:m_none', 0)).resolves.toBe(false);
    expect(await echoed(jobId)).toEqual([1, 0]);
    // Nothing but the list changed, and the missing outbox was not created.
    const { Item } = await table.doc.send(new GetCommand({ TableName: 'callcard', Key: jobStateKey('messenger:page-app:m_none') }));
    expect(Item).toBeUndefined();
  });

  test('an outbox written before the list existed takes its first receipt', async () => {
    const jobId = await outbox(APP_PAGE, 1);
    await table.doc.send(new UpdateCommand({ TableName: 'callcard', Key: jobStateKey(jobId), UpdateExpression: 'REMOVE echoed' }));
    await expect(store.jobStates.recordEcho(jobId, 0)).resolves.toBe(true);
    await expect(store.jobStates.recordEcho(jobId, 0)).resolves.toBe(false);
    expect(await echoed(jobId)).toEqual([0]);
  });
});

describe("only callcard's own echoes are receipts", () => {
  test("the page's app's echo counts; another app's echo with the same metadata does not", async () => {
    const jobId = await outbox(APP_PAGE, 2);
    expect(
      await postToApp([
        echo(APP_PAGE, echoMetadata(jobId, 1, APP_PAGE.token), 42),
        echo(APP_PAGE, echoMetadata(jobId, 0, APP_PAGE.token), '42'),
      ]),
    ).toMatchObject({ statusCode: 200 });
    expect(await echoed(jobId)).toEqual([]);
    expect(logs.filter((l) => l.message.startsWith('skipped Messenger echo'))).toEqual([
      {
        message: "skipped Messenger echo: not a receipt of callcard's",
        extra: { appId: APP.appId, pageId: APP_PAGE.pageId, reason: "another app's message (app_id is not the page's app)" },
      },
      {
        message: "skipped Messenger echo: not a receipt of callcard's",
        extra: { appId: APP.appId, pageId: APP_PAGE.pageId, reason: "another app's message (app_id is not the page's app)" },
      },
    ]);
    // An app id as a string, as Meta's docs say any property may arrive.
    await postToApp([echo(APP_PAGE, echoMetadata(jobId, 0, APP_PAGE.token), APP.appId)]);
    expect(await echoed(jobId)).toEqual([0]);
  });

  test('a receipt made up by another app (an index the job did not send, a tag not made with the page token) does not count', async () => {
    const jobId = await outbox(APP_PAGE, 1);
    const [, , , tag] = echoMetadata(jobId, 0, APP_PAGE.token).split(':');
    await postToApp([echo(APP_PAGE, `callcard:2:42:${tag}:${jobId}`), echo(APP_PAGE, echoMetadata(jobId, 0, 'another-apps-token'))]);
    expect(await echoed(jobId)).toEqual([]);
    // Tagged with the page token, yet not one of the job's deliveries: the outbox refuses it.
    await postToApp([echo(APP_PAGE, echoMetadata(jobId, 42, APP_PAGE.token))]);
    expect(await echoed(jobId)).toEqual([]);
    expect(logs.map((l) => l.message)).toContain('Messenger echo not recorded: no outbox, not a delivery it sent, or already recorded');
  });

  test('a page with its own secret (no app id on record): the tag decides, whatever app_id says', async () => {
    const jobId = await outbox(OWN_PAGE, 2);
    await postToOwnPage([echo(OWN_PAGE, echoMetadata(jobId, 1, 'another-apps-token'), 42)]);
    expect(await echoed(jobId)).toEqual([]);
    await postToOwnPage([echo(OWN_PAGE, echoMetadata(jobId, 1, OWN_PAGE.token))]);
    expect(await echoed(jobId)).toEqual([1]);
  });

  test('1,000 echoes of one delivery leave one entry, written once', async () => {
    const jobId = await outbox(APP_PAGE, 3);
    const metadata = echoMetadata(jobId, 0, APP_PAGE.token);
    const started = performance.now();
    await postToApp(Array.from({ length: 1000 }, () => echo(APP_PAGE, metadata)));
    const elapsed = performance.now() - started;
    expect(await echoed(jobId)).toEqual([0]);
    expect(logs.filter((l) => l.message === 'Messenger echo recorded')).toHaveLength(1);
    // Then 100 more deliveries of the same echo, and every index of the job twice: at most one entry per delivery.
    for (let i = 0; i < 100; i += 1) await postToApp([echo(APP_PAGE, metadata)]);
    await postToApp([0, 1, 2, 3, 0, 1, 2, 3].map((index) => echo(APP_PAGE, echoMetadata(jobId, index, APP_PAGE.token))));
    expect((await echoed(jobId))?.sort()).toEqual([0, 1, 2]);
    expect(elapsed).toBeLessThan(2_000);
  });
});
