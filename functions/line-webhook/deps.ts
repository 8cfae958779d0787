import { readEnv, type Env } from '../../shared/config/env';
import { createJobQueue } from '../../shared/jobs/jobQueue';
import { createLogger } from '../../shared/logging/logger';
import { createWebhookStore } from '../../shared/store/webhookStore';
import { createTable } from '../../shared/store/table';
import type { LineWebhookDeps } from './handleLineWebhook';

/**
 * The Lambda entry point's dependencies, from its environment (the handler calls it at the first
 * invocation): only the repositories IAM lets a webhook touch. The local stack gives `createHandler`
 * its own instead (its one store, and a queue that wakes its executor): there is nothing else to build.
 */
export function lineWebhookDepsFromEnv(env: Env = readEnv()): LineWebhookDeps {
  return {
    store: createWebhookStore(createTable(env.TABLE_NAME)),
    queue: createJobQueue(env.JOBS_QUEUE_URL),
    logger: createLogger('line-webhook'),
  };
}
