import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { SQSClient } from '@aws-sdk/client-sqs';
import { AWS_CLIENT_DEFAULTS } from '../../shared/config/awsClients';
import { readEnv, type Env } from '../../shared/config/env';
import { OAuth2Tokens } from '../../shared/connections/oauth2';
import { RateCap } from '../../shared/connections/rateCap';
import { createGuardedFetch, parseAllowHttpHosts, type GuardedFetch } from '../../shared/http/guardedFetch';
import { createCallbackTimeouts } from '../../shared/jobs/callbackTimeouts';
import { executorMaxConcurrency } from '../../shared/jobs/fairShare';
import { createLogger } from '../../shared/logging/logger';
import { createMetrics } from '../../shared/logging/metrics';
import { createStore, type Store } from '../../shared/store/store';
import { createTable } from '../../shared/store/table';
import { FairShare } from './fairShare';
import type { ExecutorHandlerDeps } from './handler';
import type { ExecutorDeps } from './processTurnJob';
import { createSenderFor } from './senders';

/**
 * What differs where the executor runs (Lambda, the local stack, the bench, the soak's executor
 * process); {@link createExecutorDeps} makes the rest of its dependencies from it the same way everywhere.
 */
export interface ExecutorSetup {
  store: Store;
  /** The one outbound path: brands, LINE and Meta (a canned one in the CPU bench). */
  fetch: GuardedFetch;
  logger: Logger;
  metrics?: Metrics;
  /** LINE's Messaging API and the Graph API (with its version), or stand-ins of them. */
  channelApis: { lineApiBaseUrl: string; messengerApiBaseUrl: string };
  /**
   * Each workspace's share of the executor: the event source mapping's MaximumConcurrency, and the
   * jobs queue deferred jobs wait in. Absent: every turn runs at once.
   */
  fairShare?: { sqs: SQSClient; queueUrl: string; maxConcurrency: number };
  /** Where brands call back and where callback timeouts are scheduled (absent: cards wait for no callback). */
  callbacks?: ExecutorDeps['callbacks'];
  /**
   * Rate-cap slots and OAuth 2.0 access tokens over this store. Without it they are the process's, made
   * at the first card that needs them and bound to the store that card used: a process that runs one
   * stack after another (the bench) or several at once (the tests) needs each stack's own, or a later
   * stack waits on a stopped one. @default false
   */
  connectionStatePerStore?: boolean;
}

/**
 * The executor's dependencies: the one place they are put together, for the Lambda entry point
 * ({@link executorDepsFromEnv}), the local stack, the bench and the soak.
 */
export function createExecutorDeps(setup: ExecutorSetup): ExecutorHandlerDeps {
  const { store, fetch, logger, metrics, fairShare } = setup;
  return {
    store,
    fetch,
    logger,
    ...(metrics ? { metrics } : {}),
    senderFor: createSenderFor({ ...setup.channelApis, fetch, logger, simulator: store.simulator }),
    ...(fairShare
      ? { fairShare: new FairShare({ leases: store.executorLeases, ...fairShare, logger, ...(metrics ? { metrics } : {}) }) }
      : {}),
    ...(setup.connectionStatePerStore
      ? {
          rateCap: new RateCap({ windows: store.rateWindows, inFlight: store.inFlight }),
          tokens: new OAuth2Tokens({ fetch, store: store.connectionTokens }),
        }
      : {}),
    ...(setup.callbacks ? { callbacks: setup.callbacks } : {}),
  };
}

/** The Lambda entry point's dependencies, from its environment (the handler calls it at the first invocation). */
export function executorDepsFromEnv(env: Env = readEnv()): ExecutorHandlerDeps {
  const logger = createLogger('executor');
  return createExecutorDeps({
    store: createStore(createTable(env.TABLE_NAME)),
    fetch: createGuardedFetch({ allowHttpHosts: parseAllowHttpHosts(env.OUTBOUND_ALLOW_HTTP_HOSTS) }),
    logger,
    metrics: createMetrics('executor', logger),
    channelApis: { lineApiBaseUrl: env.LINE_API_BASE_URL, messengerApiBaseUrl: env.MESSENGER_API_BASE_URL },
    fairShare: { sqs: new SQSClient(AWS_CLIENT_DEFAULTS), queueUrl: env.JOBS_QUEUE_URL, maxConcurrency: executorMaxConcurrency() },
    // Cards with `callback` wait for the brand only where it can call back and the wait can time out.
    ...(env.PUBLIC_API_URL && env.CALLBACK_TIMEOUTS_QUEUE_URL
      ? { callbacks: { publicApiUrl: env.PUBLIC_API_URL, timeouts: createCallbackTimeouts(env.CALLBACK_TIMEOUTS_QUEUE_URL) } }
      : {}),
  });
}
