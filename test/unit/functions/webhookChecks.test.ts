import { CreateTableCommand } from '@aws-sdk/client-dynamodb';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { Logger } from '@aws-lambda-powertools/logger';
import { handleLineWebhook } from '../../../functions/line-webhook/handleLineWebhook';
import { handleAppVerificationRequest } from '../../../functions/messenger-webhook/handleMessengerAppWebhook';
import { handleVerificationRequest } from '../../../functions/messenger-webhook/handleMessengerWebhook';
import { createModelDynamoClient } from '../../../local/aws/modelDynamo';
import { lineWebhookBody, signLineBody } from '../../../local/lineWebhookBody';
import type { JobQueue } from '../../../shared/jobs/jobQueue';
import { createStore, TABLE_DEFINITION, type Store } from '../../../shared/store/store';
import { createTable, type Table } from '../../../shared/store/table';
import { webhookCheckKey, type WebhookCheckSubject } from '../../../shared/store/webhookChecks';
import { createWebhookStore, type WebhookStore } from '../../../shared/store/webhookStore';

/**
 * The note that a webhook URL passed a verification (shared/store/webhookChecks.ts), on the webhooks'
 * real code paths over the in-memory DynamoDB model with the webhook's own store: LINE's Verify (a
 * signed delivery without events) and Meta's subscription check (a page's URL, an app's URL) write it;
 * a forged request or a wrong verify token writes nothing at all; a delivery with events writes no note.
 */
const LINE = { channelId: 'check-line', secret: 'check-line-secret' };
const PAGE = { channelId: '100200300', verifyToken: 'page-verify-token' };
const APP = { appId: '555666777', secret: 'app-secret', verifyToken: 'app-verify-token' };
const UNDER_APP = '100200301';
const AT = Date.parse('2026-03-01T08:00:00.000Z');

const client = createModelDynamoClient({ latencyMs: 0 });
let admin: Store;
let store: WebhookStore;
/** Every command the webhooks sent to the table, by name. */
let commands: string[] = [];
const queue: JobQueue = { send: async () => undefined };
const logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined } as unknown as Logger;
const deps = () => ({ store, queue, logger, now: () => AT });

async function note(subject: WebhookCheckSubject, id: string): Promise<Record<string, unknown> | undefined> {
  const table = createTable('callcard', client);
  return (await table.doc.send(new GetCommand({ TableName: 'callcard', Key: webhookCheckKey(subject, id) }))).Item;
}

function postLine(body: string, secret = LINE.secret) {
  return handleLineWebhook(
    { channelId: LINE.channelId, rawBody: Buffer.from(body), headers: { 'x-line-signature': signLineBody(body, secret) } },
    deps(),
  );
}

const handshake = (token: string) => ({ 'hub.mode': 'subscribe', 'hub.verify_token': token, 'hub.challenge': '1158201444' });
const writes = () => commands.filter((name) => name !== 'GetCommand');

beforeAll(async () => {
  await client.send(new CreateTableCommand({ TableName: 'callcard', ...TABLE_DEFINITION }));
  const table = createTable('callcard', client);
  admin = createStore(table);
  // The webhooks' store over a table that counts what they send.
  const counted: Table = {
    name: table.name,
    doc: {
      send: (command: { constructor: { name: string } }) => (commands.push(command.constructor.name), table.doc.send(command as never)),
    } as unknown as Table['doc'],
  };
  store = createWebhookStore(counted);
  await admin.channels.put({
    workspaceId: 'ws',
    kind: 'line',
    channelId: LINE.channelId,
    secret: LINE.secret,
    accessToken: 'line-token',
    activeFlows: [],
  });
  await admin.channels.put({
    workspaceId: 'ws',
    kind: 'messenger',
    channelId: PAGE.channelId,
    secret: 'page-app-secret',
    accessToken: 'page-token',
    verifyToken: PAGE.verifyToken,
    activeFlows: [],
  });
  await admin.messengerApps.save('ws', APP.appId, { secret: APP.secret, verifyToken: APP.verifyToken });
  await admin.channels.put({
    workspaceId: 'ws',
    kind: 'messenger',
    channelId: UNDER_APP,
    appId: APP.appId,
    accessToken: 'under-app-token',
    activeFlows: [],
  });
});

afterAll(() => client.destroy());

beforeEach(() => {
  commands = [];
});

describe('LINE: the Verify button', () => {
  test('a forged verify request (wrong secret) is refused and writes nothing', async () => {
    const result = await postLine(JSON.stringify({ destination: 'U0', events: [] }), 'not-the-secret');
    expect(result.statusCode).toBe(401);
    expect(writes()).toEqual([]);
    expect(await note('line', LINE.channelId)).toBeUndefined();
  });

  test('an unsigned one neither', async () => {
    const body = JSON.stringify({ destination: 'U0', events: [] });
    const result = await handleLineWebhook({ channelId: LINE.channelId, rawBody: Buffer.from(body), headers: {} }, deps());
    expect(result.statusCode).toBe(401);
    expect(writes()).toEqual([]);
    expect(await note('line', LINE.channelId)).toBeUndefined();
  });

  test('a delivery with events writes no note (the hot path is unchanged)', async () => {
    const result = await postLine(lineWebhookBody({ type: 'text', text: 'hello' }, { userId: 'U-someone' }));
    expect(result.statusCode).toBe(200);
    expect(commands).not.toContain('PutCommand');
    expect(await note('line', LINE.channelId)).toBeUndefined();
  });

  test('a correctly signed delivery with no events is answered 200 and noted once, with one PutItem', async () => {
    const result = await postLine(JSON.stringify({ destination: 'U0', events: [] }));
    expect(result).toEqual({ statusCode: 200, body: { ok: true, queued: 0 } });
    expect(writes()).toEqual(['PutCommand']);
    expect(await note('line', LINE.channelId)).toEqual({
      ...webhookCheckKey('line', LINE.channelId),
      workspaceId: 'ws',
      verifiedAt: '2026-03-01T08:00:00.000Z',
    });
    expect(await admin.webhookChecks.verifiedAt('ws', [{ subject: 'line', id: LINE.channelId }])).toEqual(
      new Map([[`line#${LINE.channelId}`, '2026-03-01T08:00:00.000Z']]),
    );
    // Another workspace never sees it (an id that changed hands).
    expect(await admin.webhookChecks.verifiedAt('ws-other', [{ subject: 'line', id: LINE.channelId }])).toEqual(new Map());
  });
});

describe("Messenger: Meta's subscription check", () => {
  test('a wrong verify token is refused and writes nothing, at a page URL and at an app URL', async () => {
    expect(await handleVerificationRequest(PAGE.channelId, handshake('guess'), deps())).toMatchObject({ statusCode: 403 });
    expect(await handleAppVerificationRequest(APP.appId, handshake(PAGE.verifyToken), deps())).toMatchObject({ statusCode: 403 });
    // A page under an app answers to the app's token only.
    expect(await handleVerificationRequest(UNDER_APP, handshake('guess'), deps())).toMatchObject({ statusCode: 403 });
    // An unknown page with some token.
    expect(await handleVerificationRequest('999888777', handshake(PAGE.verifyToken), deps())).toMatchObject({ statusCode: 403 });
    expect(writes()).toEqual([]);
    for (const [subject, id] of [
      ['messenger', PAGE.channelId],
      ['app', APP.appId],
      ['messenger', UNDER_APP],
      ['messenger', '999888777'],
    ] as const)
      expect(await note(subject, id)).toBeUndefined();
  });

  test("a page's handshake with its verify token echoes the challenge and notes the page", async () => {
    expect(await handleVerificationRequest(PAGE.channelId, handshake(PAGE.verifyToken), deps())).toEqual({
      statusCode: 200,
      text: '1158201444',
    });
    expect(writes()).toEqual(['PutCommand']);
    expect(await note('messenger', PAGE.channelId)).toMatchObject({ workspaceId: 'ws', verifiedAt: '2026-03-01T08:00:00.000Z' });
  });

  test("an app's handshake notes the app; a page under it, at the page's own URL with the app's token, notes the page", async () => {
    expect(await handleAppVerificationRequest(APP.appId, handshake(APP.verifyToken), deps())).toEqual({
      statusCode: 200,
      text: '1158201444',
    });
    expect(await note('app', APP.appId)).toMatchObject({ workspaceId: 'ws', verifiedAt: '2026-03-01T08:00:00.000Z' });
    expect(await handleVerificationRequest(UNDER_APP, handshake(APP.verifyToken), deps())).toEqual({ statusCode: 200, text: '1158201444' });
    expect(await note('messenger', UNDER_APP)).toMatchObject({ workspaceId: 'ws' });
    expect(writes()).toEqual(['PutCommand', 'PutCommand']);
  });

  test('a handshake without the challenge is refused and writes nothing', async () => {
    const { 'hub.challenge': _none, ...noChallenge } = handshake(PAGE.verifyToken);
    commands = [];
    expect(await handleVerificationRequest(PAGE.channelId, noChallenge, { ...deps(), now: () => AT + 60_000 })).toMatchObject({
      statusCode: 403,
    });
    expect(writes()).toEqual([]);
    expect(await note('messenger', PAGE.channelId)).toMatchObject({ verifiedAt: '2026-03-01T08:00:00.000Z' });
  });

  test('a failed note is logged and the check still answered (the subscription is Meta’s)', async () => {
    const warnings: string[] = [];
    const failing: WebhookStore = {
      ...store,
      webhookChecks: { record: () => Promise.reject(new Error('AccessDenied')) } as unknown as WebhookStore['webhookChecks'],
    };
    const result = await handleVerificationRequest(PAGE.channelId, handshake(PAGE.verifyToken), {
      store: failing,
      logger: { warn: (message: string) => void warnings.push(message) } as unknown as Logger,
    });
    expect(result).toEqual({ statusCode: 200, text: '1158201444' });
    expect(warnings).toEqual(['Messenger subscription check passed but was not recorded']);
  });
});
