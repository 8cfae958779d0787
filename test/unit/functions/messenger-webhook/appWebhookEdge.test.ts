import { CreateTableCommand } from '@aws-sdk/client-dynamodb';
import type { Logger } from '@aws-lambda-powertools/logger';
import { handleAppVerificationRequest, handleMessengerAppWebhook } from '../../../../functions/messenger-webhook/handleMessengerAppWebhook';
import { createModelDynamoClient } from '../../../../local/aws/modelDynamo';
import { signMessengerBody } from '../../../../local/messengerWebhookBody';
import { flowSchema } from '../../../../shared/flow/schema';
import type { TurnJob } from '../../../../shared/jobs/job';
import type { JobQueue } from '../../../../shared/jobs/jobQueue';
import { createStore, TABLE_DEFINITION, type Store } from '../../../../shared/store/store';
import { createTable } from '../../../../shared/store/table';
import { createWebhookStore, type WebhookStore } from '../../../../shared/store/webhookStore';

/**
 * The app webhook's edge, on its real code path over the in-memory DynamoDB model, with the webhook's
 * own store (read-only channels and apps): what is refused answers like a bad signature and is logged
 * with its reason; each entry reaches its own page or is skipped with a logged reason.
 */
const APP = { appId: '1517776481860111', secret: 'edge-app-secret', verifyToken: 'edge-verify' };
const FLOW = {
  schemaVersion: 1,
  name: 'Edge',
  triggers: [{ type: 'fallback', start: 'hi' }],
  blocks: { hi: { type: 'message', messages: [{ type: 'text', text: 'hi' }] } },
};

const client = createModelDynamoClient({ latencyMs: 0 });
let admin: Store;
let store: WebhookStore;
let sent: TurnJob[] = [];
let logs: Array<{ level: string; message: string; extra: Record<string, unknown> }> = [];
const queue: JobQueue = { send: async (job) => void sent.push(job) };
const record =
  (level: string) =>
  (message: string, extra: Record<string, unknown> = {}) =>
    void logs.push({ level, message, extra });
const logger = { debug: record('debug'), info: record('info'), warn: record('warn'), error: record('error') } as unknown as Logger;
const deps = () => ({ store, queue, logger });

const event = (pageId: string, psid: string, mid: string) => ({
  id: pageId,
  time: 1,
  messaging: [{ sender: { id: psid }, recipient: { id: pageId }, timestamp: Date.now(), message: { mid, text: 'hello' } }],
});
const post = (entries: unknown[], appId = APP.appId, secret = APP.secret) => {
  const body = JSON.stringify({ object: 'page', entry: entries });
  return handleMessengerAppWebhook(
    { appId, rawBody: Buffer.from(body), headers: { 'x-hub-signature-256': signMessengerBody(body, secret) } },
    deps(),
  );
};

beforeAll(async () => {
  await client.send(new CreateTableCommand({ TableName: 'callcard', ...TABLE_DEFINITION }));
  const table = createTable('callcard', client);
  admin = createStore(table);
  store = createWebhookStore(table);
  await admin.flows.putVersion('ws', 'edge', 1, flowSchema.parse(FLOW));
  await admin.messengerApps.save('ws', APP.appId, { secret: APP.secret, verifyToken: APP.verifyToken });
  for (const pageId of ['page-a', 'page-b']) {
    await admin.channels.put({
      workspaceId: 'ws',
      kind: 'messenger',
      channelId: pageId,
      appId: APP.appId,
      accessToken: `${pageId}-token`,
      activeFlows: [{ flowId: 'edge', version: 1 }],
    });
  }
  // A page of another workspace that claims the app: never served through it.
  await admin.channels.put({
    workspaceId: 'ws-other',
    kind: 'messenger',
    channelId: 'page-other',
    appId: APP.appId,
    accessToken: 'other-token',
    activeFlows: [{ flowId: 'edge', version: 1 }],
  });
});

afterAll(() => client.destroy());

beforeEach(() => {
  sent = [];
  logs = [];
});

test('each entry goes to its own page; a page of another workspace under the same app id is skipped with a logged reason', async () => {
  const result = await post([event('page-a', 'PSID-a', 'm_a'), event('page-b', 'PSID-b', 'm_b'), event('page-other', 'PSID-o', 'm_o')]);
  expect(result).toEqual({ statusCode: 200, body: { ok: true, queued: 2 } });
  expect(sent.map((job) => [job.channel.id, job.userId, job.jobId])).toEqual([
    ['page-a', 'PSID-a', 'messenger:page-a:m_a'],
    ['page-b', 'PSID-b', 'messenger:page-b:m_b'],
  ]);
  expect(logs.filter((l) => l.level === 'warn')).toEqual([
    {
      level: 'warn',
      message: 'Messenger events for a page not served here skipped',
      extra: { appId: APP.appId, pageId: 'page-other', events: 1, reason: expect.stringContaining('page not registered under this app') },
    },
  ]);
});

test('an unknown app, an impossible app id and a bad signature get the same 401; only the log tells them apart', async () => {
  const forged = await post([event('page-a', 'PSID-f', 'm_f')], APP.appId, 'not-the-secret');
  expect(forged).toEqual({ statusCode: 401, body: { error: 'invalid signature' } });
  expect(await post([event('page-a', 'PSID-f', 'm_f')], '999')).toEqual(forged);
  expect(await post([event('page-a', 'PSID-f', 'm_f')], `9${'x'.repeat(100_000)}`)).toEqual(forged);
  expect(logs.map((l) => [l.message, l.extra.appId])).toEqual([
    ['rejected Messenger webhook: bad or missing signature', APP.appId],
    ['rejected Messenger webhook: unknown app', '999'],
    ['rejected Messenger webhook: not an app id', '<string of 100001 characters>'],
  ]);
  expect(sent).toEqual([]);
});

test("the subscription check answers with the app's verify token; an unknown app like a wrong token, logged", async () => {
  const query = { 'hub.mode': 'subscribe', 'hub.verify_token': APP.verifyToken, 'hub.challenge': '42' };
  expect(await handleAppVerificationRequest(APP.appId, query, deps())).toEqual({ statusCode: 200, text: '42' });
  const wrong = await handleAppVerificationRequest(APP.appId, { ...query, 'hub.verify_token': 'guess' }, deps());
  expect(wrong).toEqual({ statusCode: 403, body: { error: 'verify token does not match' } });
  expect(await handleAppVerificationRequest('999', query, deps())).toEqual(wrong);
  expect(logs.map((l) => [l.message, l.extra])).toEqual([
    ['refused Messenger subscription check: verify token does not match', { appId: APP.appId }],
    ['refused Messenger subscription check: unknown app', { appId: '999' }],
  ]);
});
