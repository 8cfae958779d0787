import * as path from 'node:path';
import { Duration } from 'aws-cdk-lib';
import { HttpMethod } from 'aws-cdk-lib/aws-apigatewayv2';
import type { AwsSdkSource } from './bundling';

/**
 * The one list of callcard's Lambda functions: what each one runs, how long it may take, what it
 * may touch and which HTTP routes reach it. The app stack builds every function from this list,
 * so adding a function means adding one entry here.
 */

export type CallcardFunctionName = 'lineWebhook' | 'messengerWebhook' | 'admin' | 'executor' | 'console' | 'callbacks' | 'callbackTimeouts';

/**
 * What a function may do with the table. `webhook` is item-level only (no Scan, no batch
 * operations): the webhooks face the internet, so they get the least. `none`: no access, no variable.
 */
export type TableAccess = 'webhook' | 'readWrite' | 'none' | 'callbacks' | 'callbackTimeouts';

/**
 * A function's part in callbacks (issue 20): `schedule` sends timeouts (the executor, which also
 * learns the API's URL for the callback URLs it gives brands); `consume` runs them.
 */
export type CallbackTimeoutsAccess = 'schedule' | 'consume';

/** What a function may do with the jobs queue. */
export type JobsAccess = 'send' | 'consume' | 'readDeadLetters';

/** An HTTP API route served by a function. */
export interface RouteSpec {
  /** Path with `{parameters}`, e.g. `/webhooks/line/{channelId}`. */
  readonly path: string;
  readonly methods: readonly HttpMethod[];
  /**
   * How the function authorises requests on this route. API Gateway has no authoriser on these
   * routes (the senders are LINE and Meta, which sign their requests instead), so this text is
   * also the acknowledgement of cdk-nag's AwsSolutions-APIG4.
   */
  readonly authorization: string;
}

export interface CallcardFunctionSpec {
  readonly name: CallcardFunctionName;
  /** Construct id. Keep it stable: it is part of every CloudFormation logical id of the function. */
  readonly id: string;
  /** Handler file relative to the repository root; it exports `handler`. */
  readonly entry: string;
  readonly description: string;
  /** `POWERTOOLS_SERVICE_NAME`: the `service` key of every log line. */
  readonly serviceName: string;
  readonly timeout: Duration;
  /** @default 512 (the CallcardFunction default) */
  readonly memorySize?: number;
  readonly tableAccess: TableAccess;
  readonly jobs: readonly JobsAccess[];
  /** @default - no HTTP route (the function is invoked by SQS) */
  readonly routes?: readonly RouteSpec[];
  /**
   * Where the function gets AWS SDK v3 from (infra/bundling.ts): `bundled` loads 40-65 ms faster and
   * weighs 210-230 KiB more. Every function that talks to AWS takes it: a cold start is the load time,
   * not the bytes (bench/bundles.ts).
   * @default 'runtime'
   */
  readonly awsSdk?: AwsSdkSource;
  /**
   * Whether the function calls brands' APIs (cards, and the admin API's card tests): with
   * `staticEgress`, only these run in the VPC behind the NAT gateways' fixed addresses.
   * @default false
   */
  readonly callsBrands?: boolean;
  /** @default - no part in callback timeouts */
  readonly callbackTimeouts?: CallbackTimeoutsAccess;
}

const LINE_SIGNATURE =
  'LINE webhook: authorised inside the function by the x-line-signature header (HMAC-SHA256 of the raw body keyed with the channel secret kept in the KMS-encrypted table); LINE cannot send an API Gateway credential.';
const MESSENGER_SIGNATURE =
  'Messenger webhook: authorised inside the function by the X-Hub-Signature-256 header (HMAC-SHA256 of the raw body keyed with the app secret kept in the KMS-encrypted table); Meta cannot send an API Gateway credential.';
const MESSENGER_VERIFY =
  "Messenger subscription handshake: Meta calls it without credentials by design; the function echoes hub.challenge only when hub.verify_token equals the page's configured verify token.";
const MESSENGER_APP_SIGNATURE =
  "Messenger webhook of a Meta app (all its pages): authorised inside the function by the X-Hub-Signature-256 header (HMAC-SHA256 of the raw body keyed with the app secret kept in the KMS-encrypted table), before anything is written; each entry then serves only a page registered under that app in the app's workspace. Meta cannot send an API Gateway credential.";
const MESSENGER_APP_VERIFY =
  "Messenger subscription handshake of a Meta app: Meta calls it without credentials by design; the function echoes hub.challenge only when hub.verify_token equals the app's configured verify token.";
const CONSOLE_PUBLIC =
  'Web console: the page and its script and styles are public static files served by a function of their own that can touch nothing (no table, no queue; they hold no data and no secret); everything the page shows or changes goes through the admin API routes with the workspace admin key the user types in.';
const CALLBACK_SIGNATURE =
  "Brand callback: authorised inside the function by the Standard Webhooks signature (webhook-signature, HMAC-SHA256 of webhook-id, webhook-timestamp and the raw body keyed with the workspace's CALLCARD_SIGNING_SECRET kept in the KMS-encrypted table, 5 minute timestamp tolerance), before anything is written; the callback id in the path is random (144 bits) and single use. A brand's server cannot send an API Gateway credential of ours.";
const ADMIN_BEARER =
  'Admin API: authorised inside the function by the bearer admin key (Authorization header), so the same code path serves local runs and AWS.';

export const CALLCARD_FUNCTIONS: readonly CallcardFunctionSpec[] = [
  {
    name: 'lineWebhook',
    id: 'LineWebhook',
    entry: 'functions/line-webhook/handler.ts',
    description: 'LINE webhook: verifies x-line-signature, finds the active flow, enqueues jobs',
    serviceName: 'callcard-line-webhook',
    // LINE waits a few seconds for the 200; the function only verifies, reads and enqueues.
    timeout: Duration.seconds(10),
    tableAccess: 'webhook',
    jobs: ['send'],
    routes: [{ path: '/webhooks/line/{channelId}', methods: [HttpMethod.POST], authorization: LINE_SIGNATURE }],
    // LINE waits on this cold start; with the SDK the bundle is ~380 KiB.
    awsSdk: 'bundled',
  },
  {
    name: 'messengerWebhook',
    id: 'MessengerWebhook',
    entry: 'functions/messenger-webhook/handler.ts',
    description: 'Messenger webhook: subscription handshake, verifies X-Hub-Signature-256, enqueues jobs',
    serviceName: 'callcard-messenger-webhook',
    timeout: Duration.seconds(10),
    tableAccess: 'webhook',
    jobs: ['send'],
    routes: [
      { path: '/webhooks/messenger/{channelId}', methods: [HttpMethod.GET], authorization: MESSENGER_VERIFY },
      { path: '/webhooks/messenger/{channelId}', methods: [HttpMethod.POST], authorization: MESSENGER_SIGNATURE },
      // One Meta app, many pages: Meta posts every subscribed page's events to the app's one callback URL.
      { path: '/webhooks/messenger/apps/{appId}', methods: [HttpMethod.GET], authorization: MESSENGER_APP_VERIFY },
      { path: '/webhooks/messenger/apps/{appId}', methods: [HttpMethod.POST], authorization: MESSENGER_APP_SIGNATURE },
    ],
    // Meta waits on this cold start; with the SDK the bundle is ~385 KiB.
    awsSdk: 'bundled',
  },
  {
    name: 'admin',
    id: 'Admin',
    entry: 'functions/admin/handler.ts',
    description: 'Admin API: channels, flows, secrets, dead-letter jobs and the chat simulator',
    serviceName: 'callcard-admin',
    timeout: Duration.seconds(15),
    tableAccess: 'readWrite',
    jobs: ['send', 'readDeadLetters'],
    // The console waits on this cold start: the bundled SDK loads faster than the runtime's (~680 KiB;
    // the OpenAPI import's parsers are shipped beside index.js: infra/bundling.ts).
    awsSdk: 'bundled',
    // The card form's Test and the dry run call the brand as the executor would.
    callsBrands: true,
    routes: [{ path: '/admin/{proxy+}', methods: [HttpMethod.ANY], authorization: ADMIN_BEARER }],
  },
  {
    // The web console's three static files, bundled into this function as gzipped strings
    // (docs/DEPLOY.md says why a function and not a bucket): same origin as the admin API it calls.
    name: 'console',
    id: 'Console',
    entry: 'functions/console/handler.ts',
    description: 'Web console: its page, script and styles (it calls the admin API)',
    serviceName: 'callcard-console',
    timeout: Duration.seconds(5),
    tableAccess: 'none',
    jobs: [],
    routes: [
      { path: '/console', methods: [HttpMethod.GET], authorization: CONSOLE_PUBLIC },
      { path: '/console/{proxy+}', methods: [HttpMethod.GET], authorization: CONSOLE_PUBLIC },
    ],
  },
  {
    name: 'executor',
    id: 'Executor',
    entry: 'functions/executor/handler.ts',
    description: 'Executor: runs flow jobs from SQS, calls brand APIs, replies through LINE and Messenger',
    serviceName: 'callcard-executor',
    // A batch runs its conversations in parallel; one turn may wait on a card for up to its 30 s
    // budget (retries included), twice for a flow with two cards, plus channel sends. The jobs queue
    // derives its visibility timeout (6x) from this value.
    timeout: Duration.seconds(90),
    tableAccess: 'readWrite',
    jobs: ['send', 'consume'],
    // A turn's first answer waits on this cold start: the bundled SDK loads faster (~560 KiB).
    awsSdk: 'bundled',
    callsBrands: true,
    callbackTimeouts: 'schedule',
  },
  {
    name: 'callbacks',
    id: 'Callbacks',
    entry: 'functions/callbacks/handler.ts',
    description: "Brand callbacks: verifies the Standard Webhooks signature, uses the callback once, enqueues the conversation's resume job",
    serviceName: 'callcard-callbacks',
    timeout: Duration.seconds(10),
    // Reads one secret and uses one CALLBACK item: no Query, no Scan (CallcardTable.bindCallbacks).
    tableAccess: 'callbacks',
    jobs: ['send'],
    routes: [{ path: '/callbacks/{workspaceId}/{callbackId}', methods: [HttpMethod.POST], authorization: CALLBACK_SIGNATURE }],
    // Every function that talks to AWS takes the bundled SDK (faster to load).
    awsSdk: 'bundled',
  },
  {
    name: 'callbackTimeouts',
    id: 'CallbackTimeouts',
    entry: 'functions/callback-timeouts/handler.ts',
    description: 'Callback timeouts: resumes a conversation down its failure path when no callback came',
    serviceName: 'callcard-callback-timeouts',
    timeout: Duration.seconds(10),
    tableAccess: 'callbackTimeouts',
    jobs: ['send'],
    callbackTimeouts: 'consume',
    awsSdk: 'bundled',
  },
];

/** The spec of one function; throws if the list lacks it (a programming error). */
export function functionSpec(name: CallcardFunctionName): CallcardFunctionSpec {
  const spec = CALLCARD_FUNCTIONS.find((candidate) => candidate.name === name);
  if (!spec) throw new Error(`No function named ${name} in CALLCARD_FUNCTIONS`);
  return spec;
}


/** The repository root: where package-lock.json, tsconfig.json and functions/ are. */
export const PROJECT_ROOT = path.resolve(__dirname, '..');
