/**
 * The executor's fair share (docs/DEPLOY.md, "Fair sharing of the executor"): the numbers the
 * executor, the queue's redrive policy and the local stack agree on.
 *
 * Lambda's event source mapping runs at most `maxConcurrency` executor invocations at once, and an
 * invocation is held until the slowest record of its batch is done. A workspace whose brand is slow
 * would hold every invocation, and another workspace's customers would wait for its turns. So each
 * invocation takes a lease per workspace it runs turns of (one DynamoDB item counts them for the whole
 * fleet: shared/store/executorLeases.ts), and a workspace that already holds one may take another only
 * while fewer than `workspaceLeaseLimit(maxConcurrency)` leases are held in all. The invocations above
 * that limit stay free for workspaces that hold none: their turns run at once. A turn refused a lease
 * is deferred: handed back to the queue for a few seconds (its conversation waits, in order).
 */

/** The jobs queue's consumer as deployed: records per invocation, invocations at once (infra: `executorMaxConcurrency`). */
export const EXECUTOR_DEFAULTS = { batchSize: 10, maxConcurrency: 10 } as const;

/** The environment variable that tells the executor the mapping's MaximumConcurrency (infra's JobsQueue sets it). */
export const EXECUTOR_MAX_CONCURRENCY_ENV = 'EXECUTOR_MAX_CONCURRENCY';

/** The mapping's MaximumConcurrency as the executor's environment says it (the default when absent or not a count). */
export function executorMaxConcurrency(env: NodeJS.ProcessEnv = process.env): number {
  const value = Number(env[EXECUTOR_MAX_CONCURRENCY_ENV]);
  return Number.isInteger(value) && value >= 1 ? value : EXECUTOR_DEFAULTS.maxConcurrency;
}

/**
 * A job is deferred at most while SQS has handed it out this many times (deferrals, failures and
 * crashes together); after that it runs whatever its workspace holds. 10 receives cover 24 to 46 s of
 * deferrals ({@link deferralSeconds}): more than two of a slow workspace's turns, which its budget
 * keeps within 15 s of brand time.
 */
export const MAX_DEFERRED_RECEIVES = 10;
/**
 * The jobs queue's `maxReceiveCount`: a job deferred as often as it may be still gets 5 runs before
 * it is dead-lettered, as every job had before deferrals existed.
 */
export const JOB_MAX_RECEIVES = MAX_DEFERRED_RECEIVES + 5;

/**
 * How many leases all workspaces together may hold before a workspace that already holds one is
 * refused another: the invocations, less a fifth of them (at least one) kept for the others. 8 of 10.
 * A workspace holding none always gets one.
 */
export function workspaceLeaseLimit(maxConcurrency: number): number {
  const reserved = Math.max(1, Math.round(maxConcurrency / 5));
  return Math.max(1, maxConcurrency - reserved);
}

/**
 * How long a deferred job stays invisible, by the times SQS has handed it out: 1 s twice, then 2, 2,
 * 4, 4 and 8 s from then on, each between half and all of it and at least 1 s. Short at first, so that
 * the workspace's turns are back when its leases come free (a lease serves every one of its records
 * in a batch); longer later, so that a long backlog is not received again and again for nothing.
 */
export function deferralSeconds(receiveCount: number, random: () => number = Math.random): number {
  const base = Math.min(8, 2 ** Math.floor(Math.max(0, receiveCount - 1) / 2));
  return Math.max(1, Math.ceil(base * (0.5 + 0.5 * random())));
}
