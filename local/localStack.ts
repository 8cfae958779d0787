import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient, ScanCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import dynalite from 'dynalite';
import { createSqsServer } from 'local-aws-sqs';
import type { LogLevel } from '@aws-lambda-powertools/logger/types';
import { createAdminDeps } from '../functions/admin/deps';
import { createHandler as createAdminHandler } from '../functions/admin/handler';
import { createHandler as createConsoleHandler } from '../functions/console/handler';
import { createExecutorDeps } from '../functions/executor/deps';
import { createHandler as createExecutorHandler } from '../functions/executor/handler';
import { createHandler as createLineWebhookHandler } from '../functions/line-webhook/handler';
import { createHandler as createMessengerWebhookHandler } from '../functions/messenger-webhook/handler';
import { AWS_CLIENT_DEFAULTS } from '../shared/config/awsClients';
import { createGuardedFetch } from '../shared/http/guardedFetch';
import { EXECUTOR_DEFAULTS, JOB_MAX_RECEIVES } from '../shared/jobs/fairShare';
import { createJobQueue, type JobQueue } from '../shared/jobs/jobQueue';
import { createLogger } from '../shared/logging/logger';
import { createStore, TABLE_DEFINITION, type Store } from '../shared/store/store';
import { createTable, type Table } from '../shared/store/table';
import { recordCalls, type CallRecord } from './aws/callRecorder';
import { DYNAMODB_ENDPOINT_ENV, isolatedCredentials, startDynamoDbLocal } from './aws/dynamodbLocal';
import { createModelDynamoClient } from './aws/modelDynamo';
import { createModelSqs } from './aws/modelSqs';
import { startDemoBrandApi, type DemoBrandApi, type DemoBrandApiOptions } from './demoBrandApi';
import { httpApiRoutes, routeToLambda } from './httpApiRouter';
import type { HttpRoute } from '../infra/httpRoutes';
import { currentFunction } from './lambdaContext';
import { closeServer, listen, portOf, writeJson } from './httpServer';
import { answerIdle, answerWatch } from './emulatorWatch';
import { validateLineRequest } from './lineOpenApi';
import { startLineStandIn, type AccountLinkDelivery, type LineStandIn, type LineStandInOptions } from './lineStandIn';
import { newWebhookEventId, signLineBody } from './lineWebhookBody';
import {
  accountLinkingBody,
  startMessengerStandIn,
  type AccountLinkingDelivery,
  type MessengerEchoBody,
  type MessengerStandIn,
  type MessengerStandInOptions,
} from './messengerStandIn';
import { signMessengerBody } from './messengerWebhookBody';
import { seedDemo, type DemoSettings } from './seedDemo';
import { startSqsEventSource, type SqsEventSource } from './sqsEventSource';
import {
  createHandler as createCallbackHandler,
  createTimeoutHandler as createCallbackTimeoutHandler,
} from '../functions/callbacks/handler';
import { createCallbackTimeouts, type CallbackTimeout } from '../shared/jobs/callbackTimeouts';

/** No executor in this process (`startExecutor: false`): nothing to wake, stop or wait for. */
const NO_EVENT_SOURCE: SqsEventSource = { stop: async () => undefined, idle: async () => undefined, wake: () => undefined };

export interface LocalStackOptions {
  /** Port of the API (webhooks, admin, emulator views). 0 picks a free one. @default 3000 */
  port?: number;
  /** Ports of the LINE stand-in, the Messenger Send API stand-in and the demo brand API. 0 picks a free one. */
  lineApiPort?: number;
  messengerApiPort?: number;
  brandApiPort?: number;
  /** Keep DynamoDB data on disk here between runs; in memory when absent. */
  dataDir?: string;
  /** The jobs queue's visibility timeout, seconds: how long a failed job waits before its retry. @default 30 */
  visibilityTimeoutSeconds?: number;
  /** Receives before a job goes to the DLQ, as on AWS: 5 runs after as many deferrals as a job may have (shared/jobs/fairShare.ts). @default JOB_MAX_RECEIVES (15) */
  maxReceiveCount?: number;
  /** Powertools log level of the handlers. @default 'WARN' */
  logLevel?: LogLevel;
  demo?: Partial<Omit<DemoSettings, 'brandUrl'>>;
  /** More "host:port" entries the executor may call over plain http (tests' own brand servers). */
  extraAllowHttpHosts?: string[];
  /**
   * Where DynamoDB and SQS come from: the emulators `npm start` runs (dynalite and local-aws-sqs over
   * HTTP; the default), or a latency model of AWS in this process (the bench: no emulator CPU, a
   * fixed latency per call).
   */
  aws?: 'emulators' | { model: AwsLatencyModel };
  /**
   * Which emulator stands in for DynamoDB (with `aws: 'emulators'`): dynalite in this process, AWS's own
   * DynamoDB Local started for this stack (`'dynamodb-local'`, Java 17+; `npm start -- --dynamodb-local`),
   * or a DynamoDB Local already running (`{ endpoint }`), where this stack signs with an access key of its
   * own and so gets a database of its own. @default `{ endpoint: $CALLCARD_DYNAMODB_ENDPOINT }` when that
   * is set (the test suite on DynamoDB Local: test/globalSetup.ts), else 'dynalite'
   */
  dynamodb?: 'dynalite' | 'dynamodb-local' | { endpoint: string };
  /** More options of the stand-ins (benchmarks: a fixed latency, an observer of every answer). */
  lineStandIn?: Omit<LineStandInOptions, 'port'>;
  messengerStandIn?: Omit<MessengerStandInOptions, 'port'>;
  brandApi?: Omit<DemoBrandApiOptions, 'port' | 'signingSecret'>;
  /**
   * Every DynamoDB and SQS call of the stack goes here, tagged with the function that made it (the
   * bench's round-trip count). The recorders are added before the first call, as clients with
   * `cacheMiddleware` require.
   */
  awsCalls?: CallRecord[];
  /**
   * The Messenger stand-in posts Meta's echo of every message it accepts to the page's webhook, as Meta
   * does for an app subscribed to `message_echoes` (callcard's delivery receipts). @default true
   */
  messengerEchoes?: boolean;
  /** The executor's event source mapping: records per invocation and invocations at once. @default as deployed: EXECUTOR_DEFAULTS (10 and 10) */
  executor?: { batchSize?: number; concurrency?: number };
  /**
   * Run the executor (and its SQS event source) in this process. `false` leaves the queue to a consumer
   * elsewhere (the soak runs it in a child process against `endpoints`); `idle()` then resolves at once.
   * @default true
   */
  startExecutor?: boolean;
}

/** AWS as the bench models it: a fixed latency per call, no CPU of note. */
export interface AwsLatencyModel {
  /** Every DynamoDB call. @default 5 */
  dynamoMs?: number;
  /** SendMessage's round trip. @default 10 */
  sqsSendMs?: number;
  /** From a send until the executor can pick the job up. @default 20 */
  pickupMs?: number;
}

export interface LocalStack {
  url: string;
  lineStandIn: LineStandIn;
  messengerStandIn: MessengerStandIn;
  brandApi: DemoBrandApi;
  store: Store;
  /** The table the store uses (for tests that look at raw items). */
  table: Table;
  /** The DynamoDB client under the store. */
  dynamo: DynamoDBClient;
  sqs: SQSClient;
  queueUrl: string;
  dlqUrl: string;
  demo: DemoSettings;
  seeded: boolean;
  /** Where the emulators listen (dynalite or DynamoDB Local, local-aws-sqs), or `in-memory model`. */
  endpoints: { dynamodb: string; sqs: string };
  /** Which DynamoDB stands in: `dynalite`, `DynamoDB Local` or `in-memory model`. */
  dynamodbKind: string;
  /** The credentials the stack's clients sign with (a process of its own on `endpoints` needs them: the soak's executor). */
  credentials: { accessKeyId: string; secretAccessKey: string };
  /** The HTTP API routes its router serves, each with its function (infra/httpRoutes.ts, as on AWS). */
  httpRoutes: readonly HttpRoute[];
  /** Resolves when the executor has nothing left to do. */
  idle(): Promise<void>;
  stop(): Promise<void>;
}

const REGION = 'us-east-1';
const TABLE_NAME = 'callcard';
/**
 * On Lambda each function's sandboxes have sockets of their own (the SDK's default, 50 per client);
 * here every handler and every executor invocation shares one client, so one workspace's burst would
 * queue the others' calls behind its own (the noisy-neighbour test saw 138 requests waiting for 50
 * sockets). Room for all of them, as separate sandboxes would have.
 */
const LOCAL_SOCKETS = { requestHandler: { httpAgent: { keepAlive: true, maxSockets: 500 } } };
/** What the emulators are signed with (they check no signature). */
const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

/**
 * The whole system on one machine: dynalite for DynamoDB, local-aws-sqs for SQS, stand-ins for the LINE
 * API, the Messenger Send API and a brand, and the very handler modules Lambda runs, behind an API
 * Gateway-shaped router and an SQS event source.
 */
/** The demo workspace's Standard Webhooks secret: `whsec_` and base64 of 32 bytes. */
export const DEMO_SIGNING_SECRET = `whsec_${Buffer.from('callcard-demo-signing-secret-32b').toString('base64')}`;

export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const aws = await startAws(options);
  const demoAccessToken = options.demo?.lineAccessToken ?? 'demo-line-access-token';
  // Account links go to this stack's own LINE webhook, known once it listens.
  let postAccountLink: (delivery: AccountLinkDelivery) => Promise<void> = async () => undefined;
  const lineStandIn = await startLineStandIn({
    ...options.lineStandIn,
    port: options.lineApiPort ?? 0,
    onAccountLink: (delivery) => postAccountLink(delivery),
  });
  // Echoes go to this stack's own Messenger webhook, known once it listens.
  let postEcho: (echo: { pageId: string; body: MessengerEchoBody }) => void = () => undefined;
  let postAccountLinking: (delivery: AccountLinkingDelivery) => Promise<void> = async () => undefined;
  const messengerStandIn = await startMessengerStandIn({
    ...options.messengerStandIn,
    port: options.messengerApiPort ?? 0,
    ...(options.messengerEchoes === false ? {} : { onEcho: (echo) => postEcho(echo) }),
    onAccountLinking: (delivery) => postAccountLinking(delivery),
  });
  // Compile LINE's OpenAPI validators now, not on the first reply.
  validateLineRequest('loading', { chatId: 'warm-up', loadingSeconds: 5 });
  const signingSecret = options.demo?.signingSecret ?? DEMO_SIGNING_SECRET;
  // The demo brand's sign-ins go back to the stand-ins' account-link dialogs, as a brand's go to LINE's and Meta's.
  const brandApi = await startDemoBrandApi({
    lineAccountLinkUrl: `${lineStandIn.url}/dialog/bot/accountLink`,
    messengerRedirectPrefixes: [`${messengerStandIn.url}/messenger_platform/account_linking/`],
    ...options.brandApi,
    port: options.brandApiPort ?? 0,
    signingSecret,
  });

  // The same handler modules Lambda runs, given their dependencies directly (on Lambda, `handler`
  // builds them from the environment through the same functions/<fn>/deps.ts).
  const { dynamo: dynamoClient, sqs } = aws;
  if (options.awsCalls) {
    recordCalls(dynamoClient, 'dynamodb', options.awsCalls, { tag: currentFunction });
    recordCalls(sqs, 'sqs', options.awsCalls, { tag: currentFunction });
  }
  await ensureTable(dynamoClient, TABLE_NAME);
  const { queueUrl, queueArn, dlqUrl } = await ensureQueues(
    sqs,
    options.visibilityTimeoutSeconds ?? 30,
    options.maxReceiveCount ?? JOB_MAX_RECEIVES,
  );

  const table = createTable(TABLE_NAME, dynamoClient);
  const store = createStore(table);
  const demo: DemoSettings = {
    workspaceId: options.demo?.workspaceId ?? 'demo',
    lineChannelId: options.demo?.lineChannelId ?? 'demo-line',
    lineChannelSecret: options.demo?.lineChannelSecret ?? 'demo-line-secret',
    lineAccessToken: demoAccessToken,
    messengerPageId: options.demo?.messengerPageId ?? 'demo-messenger',
    messengerAppSecret: options.demo?.messengerAppSecret ?? 'demo-messenger-secret',
    messengerVerifyToken: options.demo?.messengerVerifyToken ?? 'demo-verify-token',
    messengerPageToken: options.demo?.messengerPageToken ?? 'demo-messenger-page-token',
    adminKey: options.demo?.adminKey ?? 'demo-admin-key',
    signingSecret,
    brandUrl: brandApi.url,
  };
  const seeded = await seedDemo(store, demo);

  const logLevel = options.logLevel ?? (process.env.POWERTOOLS_LOG_LEVEL as LogLevel | undefined) ?? 'WARN';
  const logger = (name: string) => createLogger(name, { serviceName: 'callcard-local', logLevel });
  const fetch = createGuardedFetch({
    allowHttpHosts: [
      ...[lineStandIn.url, messengerStandIn.url, brandApi.url].map((u) => new URL(u).host),
      ...(options.extraAllowHttpHosts ?? []),
    ],
  });
  const executorLogger = logger('executor');
  // The event source mapping as deployed (infra: batchSize 10, executorMaxConcurrency), and each
  // workspace's share of it, counted in the same table and deferred through the same queue.
  // (local-aws-sqs counts a ChangeMessageVisibility as a receive: here a deferred job's receive count
  // grows twice as fast as on AWS, so it runs whatever its workspace holds after 5 deferrals, not 10.)
  const executorConcurrency = options.executor?.concurrency ?? EXECUTOR_DEFAULTS.maxConcurrency;
  // Callbacks (issue 20): brands call back to this server (its URL is known once it listens), and
  // their timeouts wait in a standard queue with per-message delays, as on AWS.
  const timeoutsQueueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'callcard-callback-timeouts' }))).QueueUrl ?? '';
  const timeoutsQueueArn =
    (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: timeoutsQueueUrl, AttributeNames: ['QueueArn'] }))).Attributes?.QueueArn ??
    '';
  const callbackTimeouts = createCallbackTimeouts(timeoutsQueueUrl, sqs);
  const callbacks = {
    publicApiUrl: '',
    timeouts: {
      async schedule(timeout: CallbackTimeout, delaySeconds: number) {
        await callbackTimeouts.schedule(timeout, delaySeconds);
        timeoutSource.wake();
      },
    },
  };
  const executor = createExecutorHandler(
    createExecutorDeps({
      store,
      fetch,
      logger: executorLogger,
      channelApis: { lineApiBaseUrl: lineStandIn.url, messengerApiBaseUrl: messengerStandIn.url },
      fairShare: { sqs, queueUrl, maxConcurrency: executorConcurrency },
      callbacks,
      // This stack's own, on its store: the process's would be bound to the first store that used
      // them, and a later stack in the same process (the bench runs several) would wait on a stopped one.
      connectionStatePerStore: true,
    }),
  );
  const eventSource: SqsEventSource =
    options.startExecutor === false
      ? NO_EVENT_SOURCE
      : startSqsEventSource({
          sqs,
          queueUrl,
          queueArn,
          functionName: 'executor',
          handler: executor,
          batchSize: options.executor?.batchSize ?? EXECUTOR_DEFAULTS.batchSize,
          concurrency: executorConcurrency,
          // The model answers long polls the moment a message is receivable, as SQS does (1 s keeps stop() and idle() prompt).
          ...(aws.longPolls ? { waitTimeSeconds: 1 } : {}),
          onError: (error) => console.error('[local sqs event source]', error),
        });
  // A faithful event source hands a long-polled message to the executor as soon as it is sent: on the
  // emulators each send wakes the poller (local-aws-sqs answers long polls with duplicated records, so
  // the event source short-polls it).
  const jobs = createJobQueue(queueUrl, sqs);
  const queue: JobQueue = {
    async send(job, sendOptions) {
      await jobs.send(job, sendOptions);
      eventSource.wake();
    },
  };
  const lineWebhook = createLineWebhookHandler({ store, queue, logger: logger('line-webhook') });
  const callbackRoute = createCallbackHandler({ callbacks: store.callbacks, secrets: store.secrets, queue, logger: logger('callbacks') });
  const timeoutSource: SqsEventSource =
    options.startExecutor === false
      ? NO_EVENT_SOURCE
      : startSqsEventSource({
          sqs,
          queueUrl: timeoutsQueueUrl,
          queueArn: timeoutsQueueArn,
          functionName: 'callback-timeouts',
          handler: createCallbackTimeoutHandler({ callbacks: store.callbacks, queue, logger: logger('callback-timeouts') }),
          batchSize: 10,
          ...(aws.longPolls ? { waitTimeSeconds: 1 } : {}),
          onError: (error) => console.error('[local sqs event source: callback timeouts]', error),
        });
  const messengerWebhook = createMessengerWebhookHandler({ store, queue, logger: logger('messenger-webhook') });
  const consolePage = createConsoleHandler();
  const admin = createAdminHandler(createAdminDeps({ store, fetch, logger: logger('admin'), jobs: queue, sqs, dlqUrl }));

  const routes = httpApiRoutes({
    lineWebhook: { functionName: 'line-webhook', handler: lineWebhook },
    messengerWebhook: { functionName: 'messenger-webhook', handler: messengerWebhook },
    admin: { functionName: 'admin', handler: admin },
    console: { functionName: 'console', handler: consolePage },
    callbacks: { functionName: 'callbacks', handler: callbackRoute },
  });
  const server = createServer((req, res) => {
    void (async () => {
      const path = new URL(req.url ?? '/', 'http://local').pathname;
      if (req.method === 'GET' && path === '/health') return writeJson(res, 200, { ok: true });
      if (req.method === 'GET' && path === '/_emulator/line/messages') return writeJson(res, 200, lineStandIn.calls());
      if (req.method === 'GET' && path === '/_emulator/messenger/messages') return writeJson(res, 200, messengerStandIn.calls());
      // Long polls for new calls (npm run line / messenger): see emulatorWatch.ts.
      if (req.method === 'GET' && path === '/_emulator/line/watch') return answerWatch(req, res, () => lineStandIn.calls());
      if (req.method === 'GET' && path === '/_emulator/messenger/watch') return answerWatch(req, res, () => messengerStandIn.calls());
      if (req.method === 'GET' && path === '/_emulator/idle') return answerIdle(req, res, () => eventSource.idle());
      if (await routeToLambda(routes, req, res)) return;
      writeJson(res, 404, { message: 'Not Found' });
    })().catch(() => writeJson(res, 500, { message: 'Internal Server Error' }));
  });
  const port = await listen(server, options.port ?? 3000);
  callbacks.publicApiUrl = `http://127.0.0.1:${port}`;
  postEcho = (echo) => void deliverEcho(`http://127.0.0.1:${port}`, store, echo);
  postAccountLink = (delivery) => deliverAccountLink(`http://127.0.0.1:${port}`, dynamoClient, TABLE_NAME, delivery);
  postAccountLinking = (delivery) =>
    deliverMessengerEvent(`http://127.0.0.1:${port}`, store, delivery.pageId, accountLinkingBody(delivery));

  return {
    url: `http://127.0.0.1:${port}`,
    lineStandIn,
    messengerStandIn,
    brandApi,
    store,
    table,
    dynamo: dynamoClient,
    sqs,
    queueUrl,
    dlqUrl,
    demo,
    seeded,
    endpoints: aws.endpoints,
    dynamodbKind: aws.dynamodbKind,
    credentials: aws.credentials,
    httpRoutes: routes,
    idle: () => eventSource.idle(),
    async stop() {
      await Promise.all([eventSource.stop(), timeoutSource.stop()]);
      await Promise.all([closeServer(server), lineStandIn.close(), messengerStandIn.close(), brandApi.close(), aws.close()]);
    },
  };
}

/**
 * LINE's side of an account link: the `accountLink` event, signed with the secret of the channel whose
 * access token issued the link token, posted to that channel's webhook (LINE retries nothing here).
 * Failed links carry no reply token, as LINE sends them.
 */
async function deliverAccountLink(
  baseUrl: string,
  dynamo: DynamoDBClient,
  tableName: string,
  delivery: AccountLinkDelivery,
): Promise<void> {
  // The stand-in knows the bot by its access token only, as LINE would: find its channel (local data is small).
  const items = [];
  let startKey: Record<string, AttributeValue> | undefined;
  do {
    const page = await dynamo.send(
      new ScanCommand({
        TableName: tableName,
        FilterExpression: 'begins_with(pk, :p) AND accessToken = :t',
        ExpressionAttributeValues: { ':p': { S: 'CHANNEL#line#' }, ':t': { S: delivery.accessToken } },
        ...(startKey ? { ExclusiveStartKey: startKey } : {}),
      }),
    );
    items.push(...(page.Items ?? []));
    startKey = page.LastEvaluatedKey;
  } while (startKey && items.length === 0);
  const channel = { channelId: items[0]?.channelId?.S, secret: items[0]?.secret?.S };
  if (channel.channelId === undefined || channel.secret === undefined)
    throw new Error('no LINE channel has the access token that issued this link token');
  const event = {
    type: 'accountLink',
    mode: 'active',
    timestamp: Date.now(),
    source: { type: 'user', userId: delivery.userId },
    webhookEventId: newWebhookEventId(),
    deliveryContext: { isRedelivery: false },
    ...(delivery.result === 'ok' ? { replyToken: randomBytes(16).toString('hex') } : {}),
    link: { result: delivery.result, nonce: delivery.nonce },
  };
  const body = JSON.stringify({ destination: 'Udeadbeefdeadbeefdeadbeefdeadbeef', events: [event] });
  const response = await fetch(`${baseUrl}/webhooks/line/${encodeURIComponent(channel.channelId)}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-line-signature': signLineBody(body, channel.secret) },
    body,
  });
  if (!response.ok) throw new Error(`the LINE webhook answered ${response.status}`);
}

/** Meta's side of an event for a page (account linking): signed with the page's app secret, posted to its callback URL. */
async function deliverMessengerEvent(baseUrl: string, store: Store, pageId: string, body: MessengerEchoBody): Promise<void> {
  const channel = await store.channels.get('messenger', pageId);
  const app = channel?.appId !== undefined ? await store.messengerApps.get(channel.appId) : undefined;
  const secret = app?.secret ?? channel?.secret;
  if (!channel || secret === undefined) throw new Error(`no Messenger page ${pageId}`);
  const text = JSON.stringify(body);
  const path = app ? `apps/${encodeURIComponent(app.appId)}` : encodeURIComponent(pageId);
  const response = await fetch(`${baseUrl}/webhooks/messenger/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-hub-signature-256': signMessengerBody(text, secret) },
    body: text,
  });
  if (!response.ok) throw new Error(`the Messenger webhook answered ${response.status}`);
}

/**
 * Meta's side of `message_echoes`: sign the echo with the page's app secret and post it to the callback
 * URL: the app's, for a page registered under an app (one URL for all its pages), else the page's own.
 * Like Meta, it does not retry; a failure is only printed.
 */
async function deliverEcho(baseUrl: string, store: Store, echo: { pageId: string; body: MessengerEchoBody }): Promise<void> {
  try {
    const channel = await store.channels.get('messenger', echo.pageId);
    const app = channel?.appId !== undefined ? await store.messengerApps.get(channel.appId) : undefined;
    const secret = app?.secret ?? channel?.secret;
    if (!channel || secret === undefined) return;
    // Meta names the app that sent the message: the page's app, when it is registered under one.
    const body = JSON.stringify(app ? withAppId(echo.body, app.appId) : echo.body);
    const path = app ? `apps/${encodeURIComponent(app.appId)}` : encodeURIComponent(echo.pageId);
    await fetch(`${baseUrl}/webhooks/messenger/${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-hub-signature-256': signMessengerBody(body, secret) },
      body,
    });
  } catch (error) {
    console.error('[local messenger echo]', error instanceof Error ? error.message : error);
  }
}

/** The echo with `app_id` set to the app's id (a number, as Meta sends it, when it is one). */
function withAppId(body: MessengerEchoBody, appId: string): MessengerEchoBody {
  const id = /^\d+$/.test(appId) && Number.isSafeInteger(Number(appId)) ? Number(appId) : appId;
  return {
    ...body,
    entry: body.entry.map((entry) => ({
      ...entry,
      messaging: entry.messaging.map((event) => ({ ...event, message: { ...(event.message as Record<string, unknown>), app_id: id } })),
    })),
  };
}

interface LocalAws {
  dynamo: DynamoDBClient;
  sqs: SQSClient;
  endpoints: { dynamodb: string; sqs: string };
  dynamodbKind: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  /** Whether a receive with WaitTimeSeconds returns as soon as a message is sent (the model) or not (local-aws-sqs). */
  longPolls: boolean;
  close(): Promise<void>;
}

async function startAws(options: LocalStackOptions): Promise<LocalAws> {
  if (options.aws && options.aws !== 'emulators') {
    const model = options.aws.model;
    const dynamo = createModelDynamoClient({ latencyMs: model.dynamoMs ?? 5, region: REGION });
    const sqs = createModelSqs({
      sendLatencyMs: model.sqsSendMs ?? 10,
      pickupMs: model.pickupMs ?? 20,
      callLatencyMs: model.dynamoMs ?? 5,
      region: REGION,
    });
    return {
      dynamo,
      sqs: sqs.client,
      endpoints: { dynamodb: 'in-memory model', sqs: 'in-memory model' },
      dynamodbKind: 'in-memory model',
      credentials: LOCAL_CREDENTIALS,
      longPolls: true,
      async close() {
        sqs.close();
        dynamo.destroy();
        sqs.client.destroy();
      },
    };
  }
  const dynamodb = await startDynamo(options);
  const sqsServer = await createSqsServer({ port: 0, hostname: '127.0.0.1', emulateQueueCreationLifecycle: false });
  const sqsPort = portOf(sqsServer);
  const dynamo = new DynamoDBClient({
    ...AWS_CLIENT_DEFAULTS,
    ...LOCAL_SOCKETS,
    region: REGION,
    endpoint: dynamodb.endpoint,
    credentials: dynamodb.credentials,
  });
  const sqs = new SQSClient({
    ...AWS_CLIENT_DEFAULTS,
    ...LOCAL_SOCKETS,
    region: REGION,
    endpoint: `http://127.0.0.1:${sqsPort}`,
    credentials: LOCAL_CREDENTIALS,
  });
  return {
    dynamo,
    sqs,
    endpoints: { dynamodb: dynamodb.endpoint, sqs: `http://127.0.0.1:${sqsPort}` },
    dynamodbKind: dynamodb.kind,
    credentials: dynamodb.credentials,
    longPolls: false,
    async close() {
      await Promise.all([closeServer(sqsServer), dynamodb.close()]);
      dynamo.destroy();
      sqs.destroy();
    },
  };
}

/** DynamoDB's stand-in, as `options.dynamodb` (or the environment) asks. */
async function startDynamo(
  options: LocalStackOptions,
): Promise<{ endpoint: string; kind: string; credentials: typeof LOCAL_CREDENTIALS; close(): Promise<void> }> {
  const sharedEndpoint = process.env[DYNAMODB_ENDPOINT_ENV];
  const choice = options.dynamodb ?? (sharedEndpoint ? { endpoint: sharedEndpoint } : 'dynalite');
  if (typeof choice === 'object') {
    return { endpoint: choice.endpoint, kind: 'DynamoDB Local', credentials: isolatedCredentials(), close: async () => undefined };
  }
  if (choice === 'dynamodb-local') {
    const server = await startDynamoDbLocal(options.dataDir ? { path: ensureDir(join(options.dataDir, 'dynamodb-local')) } : {});
    return { endpoint: server.endpoint, kind: 'DynamoDB Local', credentials: LOCAL_CREDENTIALS, close: () => server.stop() };
  }
  const server = options.dataDir
    ? dynalite({ path: ensureDir(join(options.dataDir, 'dynamodb')), createTableMs: 0 })
    : dynalite({ createTableMs: 0 });
  const port = await listen(server, 0);
  return { endpoint: `http://127.0.0.1:${port}`, kind: 'dynalite', credentials: LOCAL_CREDENTIALS, close: () => closeServer(server) };
}

async function ensureTable(client: DynamoDBClient, name: string): Promise<void> {
  try {
    await client.send(new DescribeTableCommand({ TableName: name }));
  } catch {
    await client.send(new CreateTableCommand({ TableName: name, ...TABLE_DEFINITION }));
  }
}

async function ensureQueues(sqs: SQSClient, visibilityTimeout: number, maxReceiveCount: number) {
  const dlq = await sqs.send(new CreateQueueCommand({ QueueName: 'callcard-jobs-dlq.fifo', Attributes: { FifoQueue: 'true' } }));
  const dlqUrl = dlq.QueueUrl ?? '';
  const dlqAttributes = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ['QueueArn'] }));
  const queue = await sqs.send(
    new CreateQueueCommand({
      QueueName: 'callcard-jobs.fifo',
      Attributes: {
        FifoQueue: 'true',
        VisibilityTimeout: String(visibilityTimeout),
        RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqAttributes.Attributes?.QueueArn, maxReceiveCount }),
      },
    }),
  );
  const queueUrl = queue.QueueUrl ?? '';
  const attributes = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }));
  return { queueUrl, queueArn: attributes.Attributes?.QueueArn ?? '', dlqUrl };
}

function ensureDir(path: string): string {
  mkdirSync(path, { recursive: true });
  return path;
}
