import * as path from 'node:path';
import { Duration } from 'aws-cdk-lib';
import type { AwsSdkSource } from './bundling';

/**
 * The one list of callcard's Lambda functions: what each one runs, how long it may take and what it
 * may touch. The app stack builds every function from this list, so adding a function means adding
 * one entry here (and its HTTP routes, if any, to infra/httpRoutes.ts).
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
    description:
      "Brand callbacks: verifies the Standard Webhooks signature, uses the callback once, enqueues the conversation's resume job",
    serviceName: 'callcard-callbacks',
    timeout: Duration.seconds(10),
    // Reads one secret and uses one CALLBACK item: no Query, no Scan (CallcardTable.bindCallbacks).
    tableAccess: 'callbacks',
    jobs: ['send'],
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
