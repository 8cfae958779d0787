import type { Logger } from '@aws-lambda-powertools/logger';
import { SQSClient } from '@aws-sdk/client-sqs';
import { AWS_CLIENT_DEFAULTS } from '../../shared/config/awsClients';
import { egressAddressesOf, readEnv, type Env } from '../../shared/config/env';
import { createGuardedFetch, parseAllowHttpHosts, type GuardedFetch } from '../../shared/http/guardedFetch';
import { createJobQueue, type JobQueue } from '../../shared/jobs/jobQueue';
import { createLogger } from '../../shared/logging/logger';
import { createStore, type Store } from '../../shared/store/store';
import { createTable } from '../../shared/store/table';
import type { AdminDeps } from './bindRoute';
import { createDeadLetters } from './deadLetters';

/** What differs where the admin API runs (Lambda, the local stack); {@link createAdminDeps} makes the rest. */
export interface AdminSetup {
  store: Store;
  /** Configured exactly as the executor's, so a dry run reaches (and is refused by) the same hosts. */
  fetch: GuardedFetch;
  logger: Logger;
  /** The jobs queue: the chat simulator's turns, and failed jobs sent back. */
  jobs: JobQueue;
  /** The client the dead-letter queue is read with. */
  sqs: SQSClient;
  /** The jobs' dead-letter queue; absent: the failed-jobs routes answer 503. */
  dlqUrl?: string;
  /** The fixed addresses calls to brands leave from (staticEgress); absent: none fixed. */
  egressAddresses?: readonly string[];
}

/** The admin API's dependencies: the one place they are put together, for the Lambda entry point and the local stack. */
export function createAdminDeps(setup: AdminSetup): AdminDeps {
  const { store, fetch, logger, jobs, sqs, dlqUrl, egressAddresses } = setup;
  return {
    store,
    fetch,
    ...(dlqUrl ? { deadLetters: createDeadLetters({ sqs, dlqUrl, jobs }) } : {}),
    jobs,
    logger,
    ...(egressAddresses ? { egressAddresses } : {}),
  };
}

/** The Lambda entry point's dependencies, from its environment (the handler calls it at the first invocation). */
export function adminDepsFromEnv(env: Env = readEnv()): AdminDeps {
  const sqs = new SQSClient(AWS_CLIENT_DEFAULTS);
  return createAdminDeps({
    store: createStore(createTable(env.TABLE_NAME)),
    fetch: createGuardedFetch({ allowHttpHosts: parseAllowHttpHosts(env.OUTBOUND_ALLOW_HTTP_HOSTS) }),
    logger: createLogger('admin'),
    jobs: createJobQueue(env.JOBS_QUEUE_URL, sqs),
    sqs,
    ...(env.JOBS_DLQ_URL ? { dlqUrl: env.JOBS_DLQ_URL } : {}),
    egressAddresses: egressAddressesOf(env),
  });
}
