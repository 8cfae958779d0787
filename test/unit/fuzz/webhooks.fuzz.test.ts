import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { CreateTableCommand } from '@aws-sdk/client-dynamodb';
import * as fc from 'fast-check';
import { handleLineWebhook } from '../../../functions/line-webhook/handleLineWebhook';
import { handleMessengerWebhook } from '../../../functions/messenger-webhook/handleMessengerWebhook';
import { createModelDynamoClient } from '../../../local/aws/modelDynamo';
import { signLineBody } from '../../../local/lineWebhookBody';
import { signMessengerBody } from '../../../local/messengerWebhookBody';
import { seedDemo, type DemoSettings } from '../../../local/seedDemo';
import type { TurnJob } from '../../../shared/jobs/job';
import type { JobQueue } from '../../../shared/jobs/jobQueue';
import { createLogger } from '../../../shared/logging/logger';
import { createStore, TABLE_DEFINITION, type Store } from '../../../shared/store/store';
import { createTable } from '../../../shared/store/table';

/**
 * Fuzzing the webhooks with fast-check on their real code paths (signature check, parsing, bounds,
 * the store on the in-memory DynamoDB model): whatever arrives, the answer is never a 5xx and never a
 * crash, and a request without the channel's signature is refused and leaves no trace.
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

const runs = Number(process.env.FUZZ_RUNS ?? 150);
const client = createModelDynamoClient({ latencyMs: 0 });
let store: Store;
const sent: TurnJob[] = [];
/** An SQS stand-in with SQS's own limit: a message over 256 KiB is refused. */
const queue: JobQueue = {
  async send(job) {
    if (Buffer.byteLength(JSON.stringify(job)) > 256 * 1024) throw new Error('SQS: message too long');
    sent.push(job);
  },
};
const deps = () => ({ store, queue, logger: createLogger('fuzz', { logLevel: 'SILENT' }) });

beforeAll(async () => {
  await client.send(new CreateTableCommand({ TableName: 'callcard', ...TABLE_DEFINITION }));
  store = createStore(createTable('callcard', client));
  await seedDemo(store, DEMO);
});

afterAll(() => client.destroy());

async function itemCount(): Promise<number> {
  const { Count } = await client.send(new ScanCommand({ TableName: 'callcard', Select: 'COUNT' }));
  return Count ?? 0;
}

const headerName = fc.constantFrom(
  'x-line-signature',
  'X-Line-Signature',
  'x-hub-signature-256',
  'X-Hub-Signature-256',
  'content-type',
  'x-other',
);
const headers = fc.dictionary(headerName, fc.string({ maxLength: 80 }), { maxKeys: 4 });
const longString = fc.oneof(fc.string({ maxLength: 40 }), fc.string({ minLength: 200, maxLength: 3000 }), fc.constant('x'.repeat(100_000)));

/** LINE-shaped events with anything in their fields: the shapes a signed sender could send. */
const lineEvent = fc.record(
  {
    type: fc.oneof(
      fc.constantFrom('message', 'postback', 'follow', 'unfollow', 'join', 'memberJoined', 'beacon', 'accountLink', 'things'),
      fc.string(),
    ),
    mode: fc.constantFrom('active', 'standby', 'other'),
    timestamp: fc.oneof(fc.integer(), fc.double(), fc.string()),
    webhookEventId: longString,
    replyToken: longString,
    deliveryContext: fc.record({ isRedelivery: fc.oneof(fc.boolean(), fc.string()) }),
    source: fc.oneof(
      fc.record({ type: fc.constantFrom('user', 'group', 'room'), userId: longString, groupId: longString }, { requiredKeys: ['type'] }),
      fc.anything(),
    ),
    message: fc.oneof(
      fc.record(
        { type: fc.constantFrom('text', 'sticker', 'image', 'location'), id: longString, text: longString },
        { requiredKeys: ['type'] },
      ),
      fc.anything(),
    ),
    postback: fc.record({ data: longString, params: fc.dictionary(fc.string(), fc.string()) }),
  },
  { requiredKeys: [] },
);
const lineBody = fc.oneof(
  fc.record({ destination: fc.string(), events: fc.array(lineEvent, { maxLength: 5 }) }).map((b) => JSON.stringify(b)),
  fc.json().map((j) => j),
  fc.string({ maxLength: 500 }),
);

const messengerMessaging = fc.record(
  {
    sender: fc.oneof(fc.record({ id: longString }), fc.anything()),
    recipient: fc.record({ id: fc.oneof(fc.constant(DEMO.messengerPageId), longString) }),
    timestamp: fc.oneof(fc.integer(), fc.string()),
    message: fc.record(
      { mid: longString, text: longString, is_echo: fc.boolean(), quick_reply: fc.record({ payload: longString }) },
      { requiredKeys: [] },
    ),
    postback: fc.record({ mid: longString, payload: longString, title: fc.string() }, { requiredKeys: [] }),
    read: fc.record({ watermark: fc.integer() }),
  },
  { requiredKeys: [] },
);
const messengerBody = fc.oneof(
  fc
    .record({
      object: fc.constantFrom('page', 'instagram', 'x'),
      entry: fc.array(
        fc.record({
          id: fc.oneof(fc.constant(DEMO.messengerPageId), fc.string()),
          time: fc.integer(),
          messaging: fc.array(messengerMessaging, { maxLength: 4 }),
        }),
        { maxLength: 3 },
      ),
    })
    .map((b) => JSON.stringify(b)),
  fc.json(),
  fc.string({ maxLength: 500 }),
);

describe('LINE webhook under fuzzing', () => {
  test('forged or unsigned deliveries are refused (401) and write nothing', async () => {
    const before = await itemCount();
    const queued = sent.length;
    await fc.assert(
      fc.asyncProperty(lineBody, headers, async (body, extra) => {
        const rawBody = Buffer.from(body);
        const forged = { ...extra, 'x-line-signature': signLineBody(body, 'not-the-secret') };
        const result = await handleLineWebhook({ channelId: DEMO.lineChannelId, rawBody, headers: forged }, deps());
        expect(result.statusCode).toBe(401);
      }),
      { numRuns: runs },
    );
    expect(await itemCount()).toBe(before);
    expect(sent.length).toBe(queued);
  });

  test('signed deliveries of any shape never answer 5xx nor throw', async () => {
    await fc.assert(
      fc.asyncProperty(lineBody, async (body) => {
        const rawBody = Buffer.from(body);
        const result = await handleLineWebhook(
          { channelId: DEMO.lineChannelId, rawBody, headers: { 'x-line-signature': signLineBody(body, DEMO.lineChannelSecret) } },
          deps(),
        );
        expect(result.statusCode).toBeLessThan(500);
      }),
      { numRuns: runs },
    );
  });
});

describe('Messenger webhook under fuzzing', () => {
  test('forged or unsigned deliveries are refused (401) and write nothing', async () => {
    const before = await itemCount();
    const queued = sent.length;
    await fc.assert(
      fc.asyncProperty(messengerBody, headers, async (body, extra) => {
        const rawBody = Buffer.from(body);
        const forged = { ...extra, 'x-hub-signature-256': signMessengerBody(body, 'not-the-secret') };
        const result = await handleMessengerWebhook({ channelId: DEMO.messengerPageId, rawBody, headers: forged }, deps());
        expect(result.statusCode).toBe(401);
      }),
      { numRuns: runs },
    );
    expect(await itemCount()).toBe(before);
    expect(sent.length).toBe(queued);
  });

  test('signed deliveries of any shape never answer 5xx nor throw', async () => {
    await fc.assert(
      fc.asyncProperty(messengerBody, async (body) => {
        const rawBody = Buffer.from(body);
        const result = await handleMessengerWebhook(
          {
            channelId: DEMO.messengerPageId,
            rawBody,
            headers: { 'x-hub-signature-256': signMessengerBody(body, DEMO.messengerAppSecret) },
          },
          deps(),
        );
        expect(result.statusCode).toBeLessThan(500);
      }),
      { numRuns: runs },
    );
  });
});
