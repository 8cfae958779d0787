import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CreateTableCommand } from '@aws-sdk/client-dynamodb';
import type { Logger } from '@aws-lambda-powertools/logger';
import { handleLineWebhook } from '../../../functions/line-webhook/handleLineWebhook';
import { createModelDynamoClient } from '../../../local/aws/modelDynamo';
import {
  lineWebhookBody,
  newWebhookEventId,
  signLineBody,
  type CustomerAction,
  type LineBodyOptions,
} from '../../../local/lineWebhookBody';
import { skipReason } from '../../../shared/channels/line/lineWebhook';
import { flowSchema } from '../../../shared/flow/schema';
import { conversationKey, type TurnJob } from '../../../shared/jobs/job';
import type { JobQueue } from '../../../shared/jobs/jobQueue';
import { createStore, TABLE_DEFINITION, type Store } from '../../../shared/store/store';
import { createTable } from '../../../shared/store/table';

/** The logged reason callcard skips an event type with. */
const why = (type: string): string => skipReason(type) ?? `(${type} is not skipped)`;

/**
 * The LINE webhook's handling of each kind of event, on its real code path over the in-memory DynamoDB
 * model: what it queues (and how a group's job names its conversation and speaker), and the reason it
 * logs for what it skips.
 */
const CHANNEL = 'events-line';
const SECRET = 'events-line-secret';
const client = createModelDynamoClient({ latencyMs: 0 });
let store: Store;
let sent: TurnJob[] = [];
let logs: Array<{ level: string; message: string; extra: Record<string, unknown> }> = [];
const queue: JobQueue = {
  async send(job) {
    sent.push(job);
  },
};
const record = (level: string) => (message: string, extra?: Record<string, unknown>) =>
  void logs.push({ level, message, extra: extra ?? {} });
const logger = { debug: record('debug'), info: record('info'), warn: record('warn'), error: record('error') } as unknown as Logger;

beforeAll(async () => {
  await client.send(new CreateTableCommand({ TableName: 'callcard', ...TABLE_DEFINITION }));
  store = createStore(createTable('callcard', client));
  const flow = flowSchema.parse({
    schemaVersion: 1,
    name: 'events',
    triggers: [
      { type: 'keyword', keywords: ['hot'], start: 'hot', chats: ['user', 'group', 'room'] },
      { type: 'postback', action: 'my_tickets', start: 'tickets' },
      { type: 'follow', start: 'hot' },
      { type: 'fallback', start: 'hot' },
    ],
    blocks: {
      hot: { type: 'message', messages: [{ type: 'text', text: 'hot' }] },
      tickets: { type: 'message', messages: [{ type: 'text', text: 'tickets' }] },
    },
  });
  await store.flows.putVersion('ws-events', 'events', 1, flow);
  await store.channels.put({
    workspaceId: 'ws-events',
    kind: 'line',
    channelId: CHANNEL,
    secret: SECRET,
    accessToken: 't',
    name: '',
    activeFlow: { flowId: 'events', version: 1 },
  });
});

afterAll(() => client.destroy());

beforeEach(() => {
  sent = [];
  logs = [];
});

function post(events: unknown[]) {
  const body = JSON.stringify({ destination: 'U1', events });
  return handleLineWebhook(
    { channelId: CHANNEL, rawBody: Buffer.from(body), headers: { 'x-line-signature': signLineBody(body, SECRET) } },
    { store, queue, logger },
  );
}

const eventOf = (action: CustomerAction, options: LineBodyOptions) =>
  (JSON.parse(lineWebhookBody(action, options)) as { events: unknown[] }).events[0];

describe('group and room events become jobs of the group or room', () => {
  test("a group's job: the group is the conversation (its FIFO group too), the member who spoke is the speaker", async () => {
    const result = await post([eventOf({ type: 'text', text: 'hot' }, { userId: 'U-alice', groupId: 'C-group-1' })]);
    expect(result).toEqual({ statusCode: 200, body: { ok: true, queued: 1 } });
    expect(sent).toEqual([
      expect.objectContaining({ userId: 'C-group-1', chat: 'group', speakerId: 'U-alice', event: { type: 'text', text: 'hot' } }),
    ]);
    expect(conversationKey(sent[0] as TurnJob)).toBe(`line:${CHANNEL}:C-group-1`);
  });

  test('a room works the same way', async () => {
    await post([eventOf({ type: 'text', text: 'hot' }, { userId: 'U-bob', roomId: 'R-room-1' })]);
    expect(sent).toEqual([expect.objectContaining({ userId: 'R-room-1', chat: 'room', speakerId: 'U-bob' })]);
  });

  test('a one-to-one job carries neither chat nor speaker (as before groups were served)', async () => {
    await post([eventOf({ type: 'text', text: 'hot' }, { userId: 'U-carol' })]);
    expect(sent).toHaveLength(1);
    expect(sent[0]).not.toHaveProperty('chat');
    expect(sent[0]).not.toHaveProperty('speakerId');
  });

  test('a personal trigger used in a group is queued, for the turn to point to a one-to-one chat', async () => {
    await post([eventOf({ type: 'postback', data: 'action=my_tickets' }, { userId: 'U-alice', groupId: 'C-group-1' })]);
    expect(sent).toEqual([
      expect.objectContaining({ userId: 'C-group-1', chat: 'group', event: { type: 'postback', data: 'action=my_tickets' } }),
    ]);
  });

  test('group chatter no trigger takes is not queued (the fallback answers one-to-one only)', async () => {
    expect(await post([eventOf({ type: 'text', text: 'lunch?' }, { userId: 'U-alice', groupId: 'C-group-1' })])).toEqual({
      statusCode: 200,
      body: { ok: true, queued: 0 },
    });
    expect(sent).toEqual([]);
  });

  test('an unfollow or a leave with nothing open to close queues nothing, and says so in the log', async () => {
    await post([
      eventOf({ type: 'unfollow' }, { userId: 'U-dave' }),
      eventOf({ type: 'leave' }, { userId: 'U-dave', groupId: 'C-group-2' }),
    ]);
    expect(sent).toEqual([]);
    expect(logs.filter((l) => l.level === 'info').map((l) => l.message)).toEqual([
      'unfollow: no open conversation to close',
      'leave: no open conversation to close',
    ]);
  });

  test('an unfollow with an open conversation is queued on its flow version, to close it', async () => {
    await store.customers.putSession(
      { channelKind: 'line', channelId: CHANNEL, userId: 'U-erin' },
      { flowId: 'events', version: 1, waitingOn: 'hot', attempts: 0, trigger: {} },
    );
    await post([eventOf({ type: 'unfollow' }, { userId: 'U-erin' })]);
    expect(sent).toEqual([
      expect.objectContaining({ userId: 'U-erin', event: { type: 'closed', by: 'unfollow' }, flow: { flowId: 'events', version: 1 } }),
    ]);
    expect(sent[0]).not.toHaveProperty('replyToken');
  });
});

describe('every sample event: 200, and each skip logged with its reason', () => {
  const dir = join(__dirname, '../../fixtures/line');
  const samples = readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .flatMap((file) => (JSON.parse(readFileSync(join(dir, file), 'utf8')) as { events: Array<Record<string, unknown>> }).events)
    .map((event): Record<string, unknown> => ({ ...event, webhookEventId: newWebhookEventId() }));

  test('every skip is an info line naming the event and why; nothing is a warning or an error', async () => {
    const result = await post(samples);
    expect(result.statusCode).toBe(200);
    expect(logs.filter((l) => l.level === 'warn' || l.level === 'error')).toEqual([]);
    const reasons = new Set(logs.filter((l) => l.message === 'skipped LINE event').map((l) => l.extra.reason));
    for (const type of [
      'join',
      'memberJoined',
      'memberLeft',
      'unsend',
      'messageEdited',
      'beacon',
      'things',
      'videoPlayComplete',
      'membership',
      'module',
      'activated',
      'deactivated',
      'botSuspended',
      'botResumed',
      'delivery',
    ]) {
      expect(reasons).toContain(why(type));
    }
    for (const kind of ['image', 'video', 'audio', 'file', 'location', 'sticker'])
      expect(reasons).toContain(`message/${kind}: only text messages are answered`);
    expect(reasons).toContain('unsupported event undefined');
    for (const line of logs.filter((l) => l.message === 'skipped LINE event'))
      expect(line.extra).toEqual({ channelId: CHANNEL, eventId: expect.any(String), reason: expect.any(String) });
  });

  test('the postbacks of a datetime picker reach the job with what was picked', async () => {
    await post(samples.filter((e) => e.type === 'postback'));
    const params = sent.flatMap((job) => (job.event.type === 'postback' && job.event.params ? [job.event.params] : []));
    expect(params).toEqual(
      expect.arrayContaining([
        { date: '2013-04-01' },
        { time: '10:00' },
        { datetime: '2013-04-01T10:00' },
        { datetime: '2017-12-25T01:00' },
      ]),
    );
  });
});
