import { Logger } from '@aws-lambda-powertools/logger';
import { CreateTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { handleCallback, handleCallbackTimeout, type CallbackDeps } from '../../../../functions/callbacks/handleCallback';
import { createModelDynamoClient } from '../../../../local/aws/modelDynamo';
import { newCallbackId } from '../../../../shared/callbacks/callback';
import { SIGNING_SECRET_NAME, standardWebhookHeaders } from '../../../../shared/http/signRequest';
import type { TurnJob } from '../../../../shared/jobs/job';
import { createStore, TABLE_DEFINITION, type Store } from '../../../../shared/store/store';
import { createTable } from '../../../../shared/store/table';

/**
 * The callback route and the timeout, over the model DynamoDB: a signed callback resumes the
 * conversation once; a forged, reused, late or unknown one is refused with nothing queued; the timeout
 * and the callback race for one use.
 */
const secret = `whsec_${Buffer.from('the workspace signing key, 32 b!').toString('base64')}`;
const T0 = Date.parse('2026-12-06T02:00:00Z');

describe('callbacks', () => {
  let client: DynamoDBClient;
  let store: Store;
  let sent: TurnJob[];
  let clock: number;
  let deps: CallbackDeps;
  let callbackId: string;

  beforeEach(async () => {
    client = createModelDynamoClient({ latencyMs: 0 });
    await client.send(new CreateTableCommand({ TableName: 'callcard', ...TABLE_DEFINITION }));
    store = createStore(createTable('callcard', client));
    sent = [];
    clock = T0;
    deps = {
      callbacks: store.callbacks,
      secrets: { value: async (ws: string, name: string) => (ws === 'ws1' && name === SIGNING_SECRET_NAME ? secret : undefined) },
      queue: { send: async (job) => void sent.push(job) },
      logger: new Logger({ logLevel: 'SILENT' }),
      now: () => clock,
      unknownRetryMs: 10,
    };
    callbackId = newCallbackId();
    await store.callbacks.put({
      workspaceId: 'ws1',
      callbackId,
      channel: { kind: 'line', id: 'c1' },
      userId: 'U1',
      flow: { flowId: 'f', version: 3 },
      blockId: 'booking',
      jobId: 'line:c1:e1',
      replyToken: 'rt-1',
      receivedAt: T0 - 1000,
      deadline: T0 + 30_000,
    });
  });
  afterEach(() => client.destroy());

  const body = '{"status":"confirmed","bookingId":"B-17"}';
  const post = (options: { id?: string; ws?: string; signWith?: string; text?: string } = {}) => {
    const text = options.text ?? body;
    return handleCallback(
      {
        workspaceId: options.ws ?? 'ws1',
        callbackId: options.id ?? callbackId,
        rawBody: Buffer.from(text),
        headers: standardWebhookHeaders(options.signWith ?? secret, 'msg_1', text, new Date(clock)),
      },
      deps,
    );
  };

  test('a signed callback queues the resume job in the conversation, pinned to its flow, with its reply token', async () => {
    expect(await post()).toEqual({ statusCode: 202, body: { ok: true } });
    expect(sent).toEqual([
      {
        v: 1,
        jobId: `callback:ws1:${callbackId}`,
        workspaceId: 'ws1',
        channel: { kind: 'line', id: 'c1' },
        userId: 'U1',
        event: { type: 'callback', callbackId, result: 'ok', body },
        replyToken: 'rt-1',
        receivedAt: T0 - 1000,
        flow: { flowId: 'f', version: 3 },
      },
    ]);
    expect((await store.callbacks.get('ws1', callbackId))?.state).toBe('answered');
  });

  test('a forged callback: 401, still waiting, nothing queued', async () => {
    const other = `whsec_${Buffer.from('not the workspace key, 32 bytes!').toString('base64')}`;
    expect((await post({ signWith: other })).statusCode).toBe(401);
    const text = body;
    const tampered = await handleCallback(
      {
        workspaceId: 'ws1',
        callbackId,
        rawBody: Buffer.from('{"status":"confirmed","bookingId":"B-99"}'),
        headers: standardWebhookHeaders(secret, 'm', text, new Date(clock)),
      },
      deps,
    );
    expect(tampered.statusCode).toBe(401);
    // Another workspace's URL: its secret (none here) decides, never this one's.
    expect((await post({ ws: 'ws2' })).statusCode).toBe(401);
    expect(sent).toEqual([]);
    expect((await store.callbacks.get('ws1', callbackId))?.state).toBe('waiting');
  });

  test('used once: a repeated callback is 409 and queues nothing more', async () => {
    expect((await post()).statusCode).toBe(202);
    expect(await post()).toEqual({ statusCode: 409, body: { error: 'callback already used' } });
    expect(sent).toHaveLength(1);
  });

  test('past its deadline: 410; after the timeout used it: 409; unknown or malformed id: 404', async () => {
    clock = T0 + 30_001;
    expect((await post()).statusCode).toBe(410);
    expect(sent).toEqual([]);
    expect(await handleCallbackTimeout({ workspaceId: 'ws1', callbackId }, deps)).toBe(true);
    expect(sent.map((j) => j.event)).toEqual([{ type: 'callback', callbackId, result: 'timeout' }]);
    expect((await post()).statusCode).toBe(409);
    expect((await post({ id: newCallbackId() })).statusCode).toBe(404);
    expect((await post({ id: '../x' })).statusCode).toBe(404);
    expect(sent).toHaveLength(1);
  });

  test('the callback first: its timeout resumes nothing', async () => {
    expect((await post()).statusCode).toBe(202);
    expect(await handleCallbackTimeout({ workspaceId: 'ws1', callbackId }, deps)).toBe(false);
    expect(sent.map((j) => j.event.type)).toEqual(['callback']);
  });

  test('the callback and its timeout at once: exactly one resumes the conversation', async () => {
    clock = T0 + 29_999;
    const [callback, timeout] = await Promise.all([post(), handleCallbackTimeout({ workspaceId: 'ws1', callbackId }, deps)]);
    expect([callback.statusCode === 202, timeout].filter(Boolean)).toHaveLength(1);
    expect(sent).toHaveLength(1);
  });

  test('a resume job that cannot be queued gives the callback back (500 for the brand to retry)', async () => {
    deps.queue = { send: async () => Promise.reject(new Error('SQS down')) };
    await expect(post()).rejects.toThrow('SQS down');
    expect((await store.callbacks.get('ws1', callbackId))?.state).toBe('waiting');
  });

  test('a retried turn storing the callback again does not make a used one wait again', async () => {
    expect((await post()).statusCode).toBe(202);
    await store.callbacks.put({
      workspaceId: 'ws1',
      callbackId,
      channel: { kind: 'line', id: 'c1' },
      userId: 'U1',
      flow: { flowId: 'f', version: 3 },
      blockId: 'booking',
      jobId: 'line:c1:e1',
      receivedAt: T0,
      deadline: T0 + 30_000,
    });
    expect((await store.callbacks.get('ws1', callbackId))?.state).toBe('answered');
  });

  test('a brand calling back before its callback was stored: found a moment later', async () => {
    const early = newCallbackId();
    const storing = new Promise((resolve) => setTimeout(resolve, 2)).then(() =>
      store.callbacks.put({
        workspaceId: 'ws1',
        callbackId: early,
        channel: { kind: 'line', id: 'c1' },
        userId: 'U2',
        flow: { flowId: 'f', version: 3 },
        blockId: 'booking',
        jobId: 'line:c1:e2',
        receivedAt: T0,
        deadline: T0 + 30_000,
      }),
    );
    expect((await post({ id: early })).statusCode).toBe(202);
    await storing;
    expect(sent.map((job) => job.userId)).toEqual(['U2']);
  });

  test('an oversized body: 413 before anything is read', async () => {
    expect((await post({ text: `"${'x'.repeat(70_000)}"` })).statusCode).toBe(413);
  });
});
