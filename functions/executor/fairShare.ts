import type { Logger } from '@aws-lambda-powertools/logger';
import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import { ChangeMessageVisibilityBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSRecord } from 'aws-lambda';
import { deferralSeconds, MAX_DEFERRED_RECEIVES, workspaceLeaseLimit } from '../../shared/jobs/fairShare';
import type { ExecutorLeaseRepository, LeaseHoldings } from '../../shared/store/executorLeases';
import { groupOf } from './processFifoBatch';

/** The turn's workspace holds its share of the executor: the job goes back to the queue for a while. */
export class DeferredJobError extends Error {
  constructor(readonly workspaceId: string) {
    super(`workspace ${workspaceId} holds its share of the executor`);
    this.name = 'DeferredJobError';
  }
}

export interface FairShareOptions {
  leases: ExecutorLeaseRepository;
  /** The event source mapping's MaximumConcurrency (infra: `executorMaxConcurrency`). */
  maxConcurrency: number;
  /** The jobs queue, where deferred jobs are made invisible for a while. */
  sqs: SQSClient;
  queueUrl: string;
  logger: Logger;
  metrics?: Metrics;
  now?: () => number;
  random?: () => number;
  /** How long a lease lives unless renewed, and how often a held one is renewed. @default LEASE_TTL_MS and 3 s */
  leaseTtlMs?: number;
  renewEveryMs?: number;
}

/**
 * How long a refusal is taken as the answer for a workspace that holds a lease, without asking the
 * table again: the invocations left free for other workspaces receive the busy workspace's backlog
 * over and over, and each would otherwise cost two DynamoDB calls to learn what the last one learnt.
 */
const REFUSAL_MEMORY_MS = 250;

/**
 * Fair sharing of the executor among workspaces (shared/jobs/fairShare.ts says the rule): each batch
 * takes a lease per workspace it runs turns of, beside the turn's own reads, and gives it back once
 * that workspace's turns in the batch are done. A turn refused a lease is deferred: its message is
 * made invisible for a few seconds and reported failed, so its conversation waits, in order, and the
 * invocation is free again at once.
 */
export class FairShare {
  readonly limit: number;
  readonly leaseTtlMs: number;
  readonly renewEveryMs: number;
  private readonly now: () => number;
  /** The last refusal this process met: until when it stands, and what was held then. */
  private refusal: { until: number; holders: Set<string>; total: number } | undefined;

  constructor(private readonly options: FairShareOptions) {
    this.limit = workspaceLeaseLimit(options.maxConcurrency);
    this.now = options.now ?? Date.now;
    this.leaseTtlMs = options.leaseTtlMs ?? LEASE_TTL_MS;
    this.renewEveryMs = options.renewEveryMs ?? RENEW_EVERY_MS;
  }

  /** The admissions of one batch (one invocation). */
  batch(context?: Pick<Context, 'getRemainingTimeInMillis'>): BatchAdmission {
    // No lease outlives the invocation (its deadline, and a second of slack).
    const remaining = context?.getRemainingTimeInMillis?.() ?? 90_000;
    return new BatchAdmission(this, this.now() + remaining + 1_000, this.now);
  }

  /** Whether a recent refusal already says this workspace would be refused. */
  refusedRecently(workspaceId: string): boolean {
    const refusal = this.refusal;
    return refusal !== undefined && this.now() < refusal.until && refusal.holders.has(workspaceId) && refusal.total >= this.limit;
  }

  /** @internal */
  async acquire(workspaceId: string, expiresAtMs: number, force: boolean): Promise<number | undefined> {
    if (!force && this.refusedRecently(workspaceId)) return undefined;
    try {
      const result = await this.options.leases.acquire(workspaceId, { limit: this.limit, expiresAtMs, force, now: this.now() });
      if (result.granted) return result.id;
      this.remember(result.holdings);
      return undefined;
    } catch (error) {
      // Fairness is best effort: a turn never fails because its lease could not be counted.
      this.options.logger.warn('could not take an executor lease: the turn runs without one', { workspaceId, error });
      return -1;
    }
  }

  /** @internal */
  async release(workspaceId: string, id: number): Promise<void> {
    if (id < 0) return;
    await this.options.leases
      .release(workspaceId, id)
      .catch((error: unknown) =>
        this.options.logger.warn('could not give an executor lease back: it lapses by itself', { workspaceId, error }),
      );
  }

  private remember(holdings: LeaseHoldings): void {
    const holders = new Set([...holdings.byWorkspace].filter(([, leases]) => leases.length > 0).map(([workspaceId]) => workspaceId));
    this.refusal = { until: this.now() + REFUSAL_MEMORY_MS, holders, total: holdings.all.length };
  }

  /**
   * Hand deferred records back to the queue: invisible for {@link deferralSeconds} by how often SQS has
   * handed each out. Records of one conversation get the first one's delay (they stay in order).
   */
  async defer(records: SQSRecord[]): Promise<void> {
    if (records.length === 0) return;
    const delays = new Map<string, number>();
    const entries = records.map((record, i) => {
      const group = groupOf(record);
      const seconds = delays.get(group) ?? deferralSeconds(Number(record.attributes.ApproximateReceiveCount) || 1, this.options.random);
      delays.set(group, seconds);
      return { Id: String(i), ReceiptHandle: record.receiptHandle, VisibilityTimeout: seconds };
    });
    this.options.metrics?.addMetric('TurnsDeferred', MetricUnit.Count, records.length);
    for (let i = 0; i < entries.length; i += 10) {
      try {
        const { Failed } = await this.options.sqs.send(
          new ChangeMessageVisibilityBatchCommand({ QueueUrl: this.options.queueUrl, Entries: entries.slice(i, i + 10) }),
        );
        if (Failed?.length)
          this.options.logger.warn('deferred jobs keep the queue’s visibility timeout', { failed: Failed.map((f) => f.Code) });
      } catch (error) {
        // They come back after the queue's visibility timeout instead: later, never lost.
        this.options.logger.warn('could not defer jobs: they come back after the queue’s visibility timeout', { error });
      }
    }
  }
}

/**
 * A lease lives this long unless renewed: an invocation renews the leases it holds every
 * {@link RENEW_EVERY_MS}, so a lease left by an invocation that crashed or timed out lapses within
 * 10 s (and its workspace counts as holding it no longer), not after the executor's 90 s.
 */
export const LEASE_TTL_MS = 10_000;
const RENEW_EVERY_MS = 3_000;

/**
 * One lease of a batch: its id as it is now (renewing replaces it: a new id with a later expiry is
 * taken, then the old one given back), renewed on a timer until it is given back.
 */
class HeldLease {
  private current: Promise<number | undefined>;
  private timer: NodeJS.Timeout | undefined;
  private released = false;

  constructor(
    private readonly share: FairShare,
    private readonly workspaceId: string,
    taken: Promise<number | undefined>,
    private readonly expiresAt: () => number,
  ) {
    this.current = taken;
    taken.catch(() => undefined);
    void taken.then((id) => {
      if (id !== undefined && id >= 0 && !this.released) {
        this.timer = setInterval(() => this.renew(), this.share.renewEveryMs);
        this.timer.unref();
      }
    });
  }

  /** The lease's id once taken (undefined: refused). */
  taken(): Promise<number | undefined> {
    return this.current;
  }

  private renew(): void {
    this.current = this.current.then(async (old) => {
      if (old === undefined || old < 0 || this.released) return old;
      const fresh = await this.share.acquire(this.workspaceId, this.expiresAt(), true);
      if (fresh === undefined || fresh < 0) return old;
      await this.share.release(this.workspaceId, old);
      return fresh;
    });
  }

  /** Give it back (after any renewal under way). */
  release(): Promise<void> {
    this.released = true;
    if (this.timer) clearInterval(this.timer);
    return this.current.then((id) => (id !== undefined ? this.share.release(this.workspaceId, id) : undefined)).catch(() => undefined);
  }
}

/**
 * One batch's leases: at most one per workspace, asked for once (every turn of the workspace in the
 * batch waits on the same answer), renewed while held, and given back when the last of its turns is
 * done.
 */
export class BatchAdmission {
  private readonly leases = new Map<string, HeldLease>();
  private readonly forced = new Map<string, HeldLease>();
  private readonly released = new Set<string>();
  private readonly releases: Promise<void>[] = [];

  constructor(
    private readonly share: FairShare,
    /** The invocation's deadline: no lease outlives it. */
    private readonly deadlineMs: number,
    private readonly now: () => number,
  ) {}

  private expiresAt = (): number => Math.min(this.now() + this.share.leaseTtlMs, this.deadlineMs);

  /** Ask for the workspace's lease now (beside the turn's reads); its answer is kept for the batch. */
  start(workspaceId: string): void {
    if (!this.leases.has(workspaceId))
      this.leases.set(
        workspaceId,
        new HeldLease(this.share, workspaceId, this.share.acquire(workspaceId, this.expiresAt(), false), this.expiresAt),
      );
  }

  /** Whether the workspace is refused already, known without waiting (a recent refusal). */
  refusedNow(workspaceId: string, receiveCount: number): boolean {
    return receiveCount <= MAX_DEFERRED_RECEIVES && !this.forced.has(workspaceId) && this.share.refusedRecently(workspaceId);
  }

  /**
   * Resolves when the turn may run: its workspace got its lease, or the job has been handed out as
   * often as a job may be deferred (then it takes a lease whatever is held). Else throws
   * {@link DeferredJobError}.
   */
  async admit(workspaceId: string, receiveCount: number): Promise<void> {
    this.start(workspaceId);
    if ((await this.leases.get(workspaceId)?.taken()) !== undefined) return;
    const forced = this.forced.get(workspaceId);
    if (forced) return void (await forced.taken());
    if (receiveCount <= MAX_DEFERRED_RECEIVES) throw new DeferredJobError(workspaceId);
    const lease = new HeldLease(this.share, workspaceId, this.share.acquire(workspaceId, this.expiresAt(), true), this.expiresAt);
    this.forced.set(workspaceId, lease);
    await lease.taken();
  }

  /** The workspace's turns in this batch are done: its lease goes back. */
  release(workspaceId: string): void {
    if (this.released.has(workspaceId)) return;
    this.released.add(workspaceId);
    for (const lease of [this.leases.get(workspaceId), this.forced.get(workspaceId)]) if (lease) this.releases.push(lease.release());
  }

  /** Give back every lease still held, and wait for all the give-backs (before the invocation ends). */
  async settle(): Promise<void> {
    for (const workspaceId of new Set([...this.leases.keys(), ...this.forced.keys()])) this.release(workspaceId);
    await Promise.all(this.releases);
  }
}
