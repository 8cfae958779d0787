import { readEnv, type Env } from '../../shared/config/env';
import { createJobQueue } from '../../shared/jobs/jobQueue';
import { createLogger } from '../../shared/logging/logger';
import { CallbackRepository } from '../../shared/store/callbacks';
import { SecretRepository } from '../../shared/store/secrets';
import { createTable } from '../../shared/store/table';
import type { CallbackDeps } from './handleCallback';

// The Lambda entry points' dependencies, from their environment (each handler calls its own at its first
// invocation): the callback and secret repositories only, as IAM allows. The local stack gives
// `createHandler` and `createTimeoutHandler` its own store's instead: there is nothing else to build.

/** The callback route's (`POST /callbacks/{workspaceId}/{callbackId}`). */
export function callbackDepsFromEnv(env: Env = readEnv()): CallbackDeps {
  const table = createTable(env.TABLE_NAME);
  return {
    callbacks: new CallbackRepository(table),
    secrets: new SecretRepository(table),
    queue: createJobQueue(env.JOBS_QUEUE_URL),
    logger: createLogger('callbacks'),
  };
}

/** The callback timeouts' consumer's (no secrets: it only uses callbacks and queues jobs). */
export function callbackTimeoutDepsFromEnv(env: Env = readEnv()): Omit<CallbackDeps, 'secrets'> {
  return {
    callbacks: new CallbackRepository(createTable(env.TABLE_NAME)),
    queue: createJobQueue(env.JOBS_QUEUE_URL),
    logger: createLogger('callback-timeouts'),
  };
}
