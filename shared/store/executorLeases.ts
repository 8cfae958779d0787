import { randomInt } from 'node:crypto';
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { isConditionFailed, type Table } from './table';

/**
 * The executor's leases, fleet-wide, in one item (`EXECUTOR` / `LEASES`): `all`, a number set of every
 * lease held, and `w#<workspaceId>`, the leases each workspace holds. An invocation takes a lease for
 * each workspace it runs turns of and gives it back when they are done (functions/executor/fairShare.ts).
 *
 * A lease id carries its own expiry (epoch seconds × 10⁶ + 6 random digits): an invocation can never
 * outlive its Lambda timeout, so a lease past its expiry belongs to an invocation that crashed or was
 * killed, and is removed the next time a lease is refused. Every change is one conditional UpdateItem
 * of this item (no read first): ADD to both sets to take, DELETE from both to give back.
 */
export const EXECUTOR_LEASES_KEY = { pk: 'EXECUTOR', sk: 'LEASES' } as const;

const ALL = 'all';
const workspaceAttribute = (workspaceId: string) => `w#${workspaceId}`;
const WORKSPACE_PREFIX = 'w#';

/** A lease id that expires at `expiresAtMs` (rounded up to the second). */
export function leaseId(expiresAtMs: number): number {
  return Math.ceil(expiresAtMs / 1000) * 1_000_000 + randomInt(1_000_000);
}

/** When a lease id expires (ms). */
export function leaseExpiry(id: number): number {
  return Math.floor(id / 1_000_000) * 1000;
}

/** The leases as read: every one held, and each workspace's. */
export interface LeaseHoldings {
  all: number[];
  byWorkspace: Map<string, number[]>;
}

export interface AcquireOptions {
  /** Leases held in all below which a workspace that holds one may take another. */
  limit: number;
  /** When the lease lapses by itself if never given back (the invocation's deadline). */
  expiresAtMs: number;
  /** Take it whatever is held (a job deferred as often as it may be). */
  force?: boolean;
  /** @default Date.now() */
  now?: number;
}

export type AcquireResult = { granted: true; id: number } | { granted: false; holdings: LeaseHoldings };

export class ExecutorLeaseRepository {
  constructor(private readonly table: Table) {}

  /**
   * Take a lease for the workspace: granted when the workspace holds none, or when fewer than `limit`
   * are held in all. Refused, the leases held are read, those past their expiry are removed, and the
   * lease is asked for once more; still refused, the answer carries what is held.
   */
  async acquire(workspaceId: string, options: AcquireOptions): Promise<AcquireResult> {
    const id = leaseId(options.expiresAtMs);
    if (await this.tryAdd(workspaceId, id, options)) return { granted: true, id };
    const holdings = await this.holdings();
    const now = options.now ?? Date.now();
    const expired = holdings.all.filter((lease) => leaseExpiry(lease) < now);
    if (expired.length === 0) return { granted: false, holdings };
    await this.remove(expired, holdings);
    if (await this.tryAdd(workspaceId, id, options)) return { granted: true, id };
    return { granted: false, holdings: await this.holdings() };
  }

  /** Give a lease back (nothing happens when it is gone already, removed as expired). */
  async release(workspaceId: string, id: number): Promise<void> {
    await this.table.doc.send(
      new UpdateCommand({
        TableName: this.table.name,
        Key: EXECUTOR_LEASES_KEY,
        UpdateExpression: 'DELETE #all :id, #w :id',
        ExpressionAttributeNames: { '#all': ALL, '#w': workspaceAttribute(workspaceId) },
        ExpressionAttributeValues: { ':id': new Set([id]) },
      }),
    );
  }

  /** The leases held now (a strongly consistent read). */
  async holdings(): Promise<LeaseHoldings> {
    const { Item } = await this.table.doc.send(
      new GetCommand({ TableName: this.table.name, Key: EXECUTOR_LEASES_KEY, ConsistentRead: true }),
    );
    const byWorkspace = new Map<string, number[]>();
    for (const [name, value] of Object.entries(Item ?? {})) {
      if (name.startsWith(WORKSPACE_PREFIX) && value instanceof Set)
        byWorkspace.set(name.slice(WORKSPACE_PREFIX.length), [...(value as Set<number>)].map(Number));
    }
    const all = Item?.[ALL] instanceof Set ? [...(Item[ALL] as Set<number>)].map(Number) : [];
    return { all, byWorkspace };
  }

  private async tryAdd(workspaceId: string, id: number, options: AcquireOptions): Promise<boolean> {
    try {
      await this.table.doc.send(
        new UpdateCommand({
          TableName: this.table.name,
          Key: EXECUTOR_LEASES_KEY,
          UpdateExpression: 'ADD #all :id, #w :id',
          ...(options.force ? {} : { ConditionExpression: 'attribute_not_exists(#w) OR size(#all) < :limit' }),
          ExpressionAttributeNames: { '#all': ALL, '#w': workspaceAttribute(workspaceId) },
          ExpressionAttributeValues: { ':id': new Set([id]), ...(options.force ? {} : { ':limit': options.limit }) },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailed(error)) return false;
      throw error;
    }
  }

  /** Remove these leases from `all` and from the workspace sets that hold them. */
  private async remove(ids: number[], holdings: LeaseHoldings): Promise<void> {
    const gone = new Set(ids);
    const names: Record<string, string> = { '#all': ALL };
    const values: Record<string, unknown> = { ':all': gone };
    const clauses = ['#all :all'];
    let n = 0;
    for (const [workspaceId, leases] of holdings.byWorkspace) {
      const expired = leases.filter((lease) => gone.has(lease));
      if (expired.length === 0) continue;
      n += 1;
      names[`#w${n}`] = workspaceAttribute(workspaceId);
      values[`:w${n}`] = new Set(expired);
      clauses.push(`#w${n} :w${n}`);
    }
    await this.table.doc.send(
      new UpdateCommand({
        TableName: this.table.name,
        Key: EXECUTOR_LEASES_KEY,
        UpdateExpression: `DELETE ${clauses.join(', ')}`,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      }),
    );
  }
}
