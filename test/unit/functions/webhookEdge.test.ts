import { CreateTableCommand } from '@aws-sdk/client-dynamodb';
import type { Logger } from '@aws-lambda-powertools/logger';
import { handleLineWebhook } from '../../../functions/line-webhook/handleLineWebhook';
import { handleMessengerWebhook, handleVerificationRequest } from '../../../functions/messenger-webhook/handleMessengerWebhook';
import { createModelDynamoClient } from '../../../local/aws/modelDynamo';
import { lineWebhookBody, signLineBody } from '../../../local/lineWebhookBody';
import { messengerWebhookBody, signMessengerBody } from '../../../local/messengerWebhookBody';
import { seedDemo, type DemoSettings } from '../../../local/seedDemo';
import type { TurnJob } from '../../../shared/jobs/job';
import type { JobQueue } from '../../../shared/jobs/jobQueue';
import { createStore, TABLE_DEFINITION, type Store } from '../../../shared/store/store';
import { createTable } from '../../../shared/store/table';

/**
 * The webhooks' edge, on their real code paths over the in-memory DynamoDB model: what a signed sender
 * can put in a delivery is bounded before it becomes a key, a job or a log line, and what is refused
 * is logged with its reason, never with the full value.
 */
const DEMO: DemoSettings = {
  workspaceId: 'demo',
  lineChannelId: 'demo-line',
  lineChannelSecret: 'demo-line-secret',
  lineAccessToken: 'token',
  messengerPageId: 'demo-messenger',
  messengerAppSecret: 'demo-messenger-secret',
  messengerVerifyToken: 'verify',
  messengerPageToken: 'page-token',
  adminKey: 'demo-admin-key',
  signingSecret: `whsec_${Buffer.from('callcard-demo-signing-secret-32b').toString('base64')}`,
  brandUrl: 'https://brand.example',
};

const client = createModelDynamoClient({ latencyMs: 0 });
let store: Store;
let sent: TurnJob[] = [];
let logs: Array<{ level: string; message: string; extra: unknown }> = [];
/** An SQS stand-in with SQS's own limit. */
const queue: JobQueue = {
  async send(job) {
    if (Buffer.byteLength(JSON.stringify(job)) > 256 * 1024) throw new Error('SQS: message too long');
    sent.push(job);
  },
};
const record = (level: string) => (message: string, extra?: unknown) => void logs.push({ level, message, extra });
const logger = { debug: record('debug'), info: record('info'), warn: record('warn'), error: record('error') } as unknown as Logger;
const deps = () => ({ store, queue, logger });
const big = 'x'.repeat(100_000);

beforeAll(async () => {
  await client.send(new CreateTableCommand({ TableName: 'callcard', ...TABLE_DEFINITION }));
  store = createStore(createTable('callcard', client));
  await seedDemo(store, DEMO);
});

afterAll(() => client.destroy());

beforeEach(() => {
  sent = [];
  logs = [];
});

/** Nothing logged holds a long run of the oversized value. */
const expectLogsBounded = () => expect(JSON.stringify(logs)).not.toMatch(/x{200}/);

describe('LINE webhook edge', () => {
  const event = (userId: string, text = 'hot') =>
    (JSON.parse(lineWebhookBody({ type: 'text', text }, { userId })) as { events: unknown[] }).events[0];
  const post = (events: unknown[], channelId = DEMO.lineChannelId, secret = DEMO.lineChannelSecret) => {
    const body = JSON.stringify({ destination: 'U1', events });
    return handleLineWebhook(
      { channelId, rawBody: Buffer.from(body), headers: { 'x-line-signature': signLineBody(body, secret) } },
      deps(),
    );
  };

  test('an oversized event is skipped with a logged reason; the rest of the delivery is queued', async () => {
    const result = await post([event(`U${big}`), event('U-edge-1'), event('U-edge-2', 'x'.repeat(5 * 1024 * 1024))]);
    expect(result).toEqual({ statusCode: 200, body: { ok: true, queued: 1 } });
    expect(sent.map((j) => j.userId)).toEqual(['U-edge-1']);
    const warnings = logs.filter((l) => l.level === 'warn');
    expect(warnings).toEqual([
      {
        level: 'warn',
        message: 'skipped malformed LINE event',
        extra: {
          channelId: 'demo-line',
          eventId: expect.any(String),
          reason: expect.stringContaining('source.userId: longer than 128 characters'),
        },
      },
      {
        level: 'warn',
        message: 'skipped malformed LINE event',
        extra: {
          channelId: 'demo-line',
          eventId: expect.any(String),
          reason: expect.stringContaining('message.text: longer than 5000 characters'),
        },
      },
    ]);
    expectLogsBounded();
  });

  test('an unknown channel answers exactly like a bad signature; only the log tells them apart', async () => {
    const forged = await post([event('U-edge-3')], DEMO.lineChannelId, 'not-the-secret');
    const unknown = await post([event('U-edge-3')], 'no-such-channel');
    const impossible = await post([event('U-edge-3')], `c${big}`);
    expect(forged).toEqual({ statusCode: 401, body: { error: 'invalid signature' } });
    expect(unknown).toEqual(forged);
    expect(impossible).toEqual(forged);
    expect(logs.map((l) => l.message)).toEqual([
      'rejected LINE webhook: bad or missing signature',
      'rejected LINE webhook: unknown channel',
      'rejected LINE webhook: not a channel id',
    ]);
    expect(sent).toEqual([]);
    expectLogsBounded();
  });

  test('a body that is not a LINE webhook at all stays a 400', async () => {
    for (const body of ['{"events": {}}', '[]', '"hello"', '{"destination": 1, "events": []}']) {
      const result = await handleLineWebhook(
        {
          channelId: DEMO.lineChannelId,
          rawBody: Buffer.from(body),
          headers: { 'x-line-signature': signLineBody(body, DEMO.lineChannelSecret) },
        },
        deps(),
      );
      expect(result.statusCode).toBe(400);
    }
  });
});

describe('Messenger webhook edge', () => {
  const messaging = (psid: string, text = 'hot', mid = `m_${psid.slice(0, 20)}_${Math.random().toString(36).slice(2)}`) =>
    (
      JSON.parse(messengerWebhookBody({ type: 'text', text }, { psid, pageId: DEMO.messengerPageId, mid })) as {
        entry: Array<{ messaging: unknown[] }>;
      }
    ).entry[0]?.messaging[0];
  const post = (events: unknown[], pageId = DEMO.messengerPageId, secret = DEMO.messengerAppSecret) => {
    const body = JSON.stringify({ object: 'page', entry: [{ id: DEMO.messengerPageId, time: 1, messaging: events }] });
    return handleMessengerWebhook(
      { channelId: pageId, rawBody: Buffer.from(body), headers: { 'x-hub-signature-256': signMessengerBody(body, secret) } },
      deps(),
    );
  };

  test('an oversized event is skipped with a logged reason; the rest of the delivery is queued', async () => {
    const result = await post([
      messaging(big),
      messaging('PSID-edge-1'),
      messaging('PSID-edge-2', 'x'.repeat(2_001)),
      messaging('PSID-edge-3', 'hot', big),
    ]);
    expect(result).toEqual({ statusCode: 200, body: { ok: true, queued: 1 } });
    expect(sent.map((j) => j.userId)).toEqual(['PSID-edge-1']);
    expect(logs.filter((l) => l.level === 'warn').map((l) => (l.extra as { reason: string }).reason)).toEqual([
      expect.stringContaining('sender.id: longer than 128 characters'),
      expect.stringContaining('message.text: longer than 2000 characters'),
      expect.stringContaining('message.mid: longer than 512 characters'),
    ]);
    expectLogsBounded();
  });

  test('an unknown page answers exactly like a bad signature; only the log tells them apart', async () => {
    const forged = await post([messaging('PSID-edge-4')], DEMO.messengerPageId, 'not-the-secret');
    expect(forged).toEqual({ statusCode: 401, body: { error: 'invalid signature' } });
    expect(await post([messaging('PSID-edge-4')], 'no-such-page')).toEqual(forged);
    expect(await post([messaging('PSID-edge-4')], `9${big}`)).toEqual(forged);
    expect(logs.map((l) => l.message)).toEqual([
      'rejected Messenger webhook: bad or missing signature',
      'rejected Messenger webhook: unknown channel',
      'rejected Messenger webhook: not a channel id',
    ]);
    expectLogsBounded();
  });

  test('the subscription check: an unknown or impossible page answers like a wrong token, and is logged', async () => {
    const query = { 'hub.mode': 'subscribe', 'hub.verify_token': DEMO.messengerVerifyToken, 'hub.challenge': '42' };
    expect(await handleVerificationRequest(DEMO.messengerPageId, query, deps())).toEqual({ statusCode: 200, text: '42' });
    const wrong = await handleVerificationRequest(DEMO.messengerPageId, { ...query, 'hub.verify_token': 'guess' }, deps());
    expect(wrong).toEqual({ statusCode: 403, body: { error: 'verify token does not match' } });
    expect(await handleVerificationRequest('no-such-page', query, deps())).toEqual(wrong);
    expect(await handleVerificationRequest(`9${big}`, query, deps())).toEqual(wrong);
    expect(logs.filter((l) => l.level === 'warn').map((l) => [l.message, l.extra])).toEqual([
      ['refused Messenger subscription check: verify token does not match', { channelId: DEMO.messengerPageId }],
      ['refused Messenger subscription check: unknown channel', { channelId: 'no-such-page' }],
      ['refused Messenger subscription check: unknown channel', { channelId: '<string of 100001 characters>' }],
    ]);
    expectLogsBounded();
  });
});
