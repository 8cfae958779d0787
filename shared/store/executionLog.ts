import { PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { environmentSchema } from '../connections/connection';
import { decodeCursor, encodeCursor, type Page } from './cursor';
import { deleteKeys, expiresIn, isExpired, queryAll, type Table } from './table';

/** One call of a Call an API card, as the admin sees it. Never holds header values or secrets. */
export const executionLogEntrySchema = z.object({
  at: z.string(),
  jobId: z.string(),
  workspaceId: z.string(),
  flowId: z.string(),
  /** The flow version that ran the card (the health view splits by it); absent on entries written before it was kept. */
  version: z.number().int().optional(),
  blockId: z.string(),
  customer: z.string(),
  method: z.string(),
  /** The URL with secret values masked. */
  url: z.string(),
  status: z.number().int().optional(),
  latencyMs: z.number(),
  outcome: z.enum(['success', 'failure', 'fired']),
  /** Why the call failed: `http_500`, `timeout`, `network`, `blocked`, `invalid_response`, `circuit_open` (no connection made), ...; or how a success was answered without the brand: `cache_hit`, `stale_if_error`. */
  reason: z.string().optional(),
  /** A success its card's contract only warns about (`onMismatch: "warn"`): `contract: response.body.tickets: expected array, got undefined`. */
  warning: z.string().optional(),
  attempt: z.number().int(),
  /**
   * Which run of a card in its job this is, from 1: a card a turn runs several times (a loop through a
   * condition) keeps one entry per run and attempt. Absent on entries written before it was kept.
   */
  run: z.number().int().min(1).optional(),
  /** Which environment of its connection the card called (`production` on channels, `staging` in the simulator); absent for a card without a connection. */
  environment: environmentSchema.optional(),
});
export type ExecutionLogEntry = z.infer<typeof executionLogEntrySchema>;

/** What the health view reads of an entry. */
const healthLogEntrySchema = executionLogEntrySchema.pick({
  at: true,
  outcome: true,
  reason: true,
  status: true,
  latencyMs: true,
  version: true,
});
export type HealthLogEntry = z.infer<typeof healthLogEntrySchema>;

/** Kept this long unless the workspace's settings say otherwise (retention.logDays). */
const LOG_TTL_SECONDS = 30 * 24 * 60 * 60;

const customerPk = (workspaceId: string, customer: string) => `LOG#${workspaceId}#${customer}`;
const cardPk = (workspaceId: string, flowId: string, blockId: string) => `LOGCARD#${workspaceId}#${flowId}#${blockId}`;

/** Which log to read: one customer's, or one card's (a block of a flow, all versions or `version`'s; `from`/`to`: ISO times, `to` excluded). */
export type ExecutionLogQuery = { customer: string } | { flowId: string; blockId: string; from?: string; to?: string; version?: number };

/**
 * The most entries of one card a health query reads (newest first): the query stays a few 1 MB pages of
 * the card's own partition, whatever the card's (or the workspace's) volume. Past it, the answer says
 * from when it counted (`complete: false`).
 */
export const HEALTH_MAX_ENTRIES = 5000;

export interface PageOptions {
  /** @default 50 */
  limit?: number;
  /** From the previous page; checked to belong to this very query. */
  cursor?: string;
}

/** Execution log per customer (`pk`) and per card (`gsi1`), newest first, kept 30 days. */
export class ExecutionLogRepository {
  constructor(private readonly table: Table) {}

  /** `expiresAt`: epoch seconds (the workspace's retention.logDays after the call); 30 days when left out. */
  async append(entry: ExecutionLogEntry, expiresAt: number = expiresIn(LOG_TTL_SECONDS)): Promise<void> {
    const parsed = executionLogEntrySchema.parse(entry);
    // One item per attempt of each card run: the run number keeps two runs of a card in one job (and
    // one millisecond) apart, where they would overwrite each other.
    const sk = `${parsed.at}#${parsed.jobId}#${parsed.blockId}#${parsed.run !== undefined ? `${String(parsed.run).padStart(4, '0')}#` : ''}${parsed.attempt}`;
    await this.table.doc.send(
      new PutCommand({
        TableName: this.table.name,
        Item: {
          pk: customerPk(parsed.workspaceId, parsed.customer),
          sk,
          gsi1pk: cardPk(parsed.workspaceId, parsed.flowId, parsed.blockId),
          gsi1sk: sk,
          ...parsed,
          expiresAt,
        },
      }),
    );
  }

  /**
   * One page of a customer's or a card's log, newest first. The cursor is the page's last key,
   * opaque to callers; one from another query (or workspace) is refused with `InvalidCursorError`.
   */
  async page(workspaceId: string, query: ExecutionLogQuery, options: PageOptions = {}): Promise<Page<ExecutionLogEntry>> {
    const byCard = !('customer' in query);
    const partition = 'customer' in query ? customerPk(workspaceId, query.customer) : cardPk(workspaceId, query.flowId, query.blockId);
    const startKey = options.cursor
      ? byCard
        ? decodeCursor(
            options.cursor,
            ['pk', 'sk', 'gsi1pk', 'gsi1sk'],
            (k) => k.gsi1pk === partition && k.pk?.startsWith(`LOG#${workspaceId}#`) === true,
          )
        : decodeCursor(options.cursor, ['pk', 'sk'], (k) => k.pk === partition)
      : undefined;
    // A card's log between two times (the health chart's point links here): the sort key starts with `at`.
    const range = byCard ? timeRange(query.from, query.to) : undefined;
    // One flow version's entries: filtered after the key condition (a page may hold fewer than `limit`).
    const version = byCard ? query.version : undefined;
    const { Items = [], LastEvaluatedKey } = await this.table.doc.send(
      new QueryCommand({
        TableName: this.table.name,
        ...(byCard
          ? { IndexName: 'gsi1', KeyConditionExpression: `gsi1pk = :p${range?.condition ?? ''}` }
          : { KeyConditionExpression: 'pk = :p' }),
        ExpressionAttributeValues: { ':p': partition, ...range?.values, ...(version !== undefined ? { ':v': version } : {}) },
        ...(version !== undefined ? { FilterExpression: '#version = :v', ExpressionAttributeNames: { '#version': 'version' } } : {}),
        ScanIndexForward: false,
        Limit: options.limit ?? 50,
        ...(startKey ? { ExclusiveStartKey: startKey } : {}),
      }),
    );
    // dynalite never deletes expired items, and DynamoDB only days later: they are gone for readers.
    const live = Items.filter((item) => !isExpired(item));
    return {
      items: live.map((item) => executionLogEntrySchema.parse(item)),
      ...(LastEvaluatedKey ? { cursor: encodeCursor(LastEvaluatedKey) } : {}),
    };
  }

  /**
   * A card's entries since `from` (ISO), newest first, at most HEALTH_MAX_ENTRIES, only what the health
   * view counts: one card's partition of the index (`LOGCARD#<workspace>#<flow>#<block>`), so another
   * workspace's volume is never read. `complete` is false when the cap cut the window short.
   */
  async forHealth(
    workspaceId: string,
    flowId: string,
    blockId: string,
    from: string,
    now = Date.now(),
  ): Promise<{ entries: HealthLogEntry[]; complete: boolean }> {
    const entries: HealthLogEntry[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const { Items = [], LastEvaluatedKey } = await this.table.doc.send(
        new QueryCommand({
          TableName: this.table.name,
          IndexName: 'gsi1',
          KeyConditionExpression: 'gsi1pk = :p AND gsi1sk >= :from',
          ExpressionAttributeValues: { ':p': cardPk(workspaceId, flowId, blockId), ':from': from },
          // Every name escaped: DynamoDB's reserved words are many (STATUS among them).
          ProjectionExpression: '#at, #outcome, #reason, #status, #latencyMs, #version, #expiresAt',
          ExpressionAttributeNames: {
            '#at': 'at',
            '#outcome': 'outcome',
            '#reason': 'reason',
            '#status': 'status',
            '#latencyMs': 'latencyMs',
            '#version': 'version',
            '#expiresAt': 'expiresAt',
          },
          ScanIndexForward: false,
          Limit: HEALTH_MAX_ENTRIES - entries.length,
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
      for (const item of Items) if (!isExpired(item, now)) entries.push(healthLogEntrySchema.parse(item));
      startKey = LastEvaluatedKey;
    } while (startKey && entries.length < HEALTH_MAX_ENTRIES);
    return { entries, complete: startKey === undefined };
  }

  /** Erase a customer's whole log (on request: GDPR); the per-card index loses the entries with it. */
  async deleteForCustomer(workspaceId: string, customer: string): Promise<number> {
    const items = await queryAll(this.table, {
      KeyConditionExpression: 'pk = :p',
      ExpressionAttributeValues: { ':p': customerPk(workspaceId, customer) },
      ProjectionExpression: 'pk, sk',
    });
    await deleteKeys(
      this.table,
      items.map((item) => ({ pk: item.pk, sk: item.sk })),
    );
    return items.length;
  }

  /** A customer's whole log, newest first, expired entries left out: what an export of their data holds. */
  async allForCustomer(workspaceId: string, customer: string, now = Date.now()): Promise<ExecutionLogEntry[]> {
    const items = await queryAll(this.table, {
      KeyConditionExpression: 'pk = :p',
      ExpressionAttributeValues: { ':p': customerPk(workspaceId, customer) },
      ScanIndexForward: false,
    });
    return items.filter((item) => !isExpired(item, now)).map((item) => executionLogEntrySchema.parse(item));
  }

  async forCustomer(workspaceId: string, customer: string, limit = 50): Promise<ExecutionLogEntry[]> {
    const { Items = [] } = await this.table.doc.send(
      new QueryCommand({
        TableName: this.table.name,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': customerPk(workspaceId, customer) },
        ScanIndexForward: false,
        Limit: limit,
      }),
    );
    return Items.map((item) => executionLogEntrySchema.parse(item));
  }
}

/** The sort-key condition of a time range (`at` leads the sort key; `to` excluded). */
function timeRange(from: string | undefined, to: string | undefined): { condition: string; values: Record<string, string> } | undefined {
  if (from !== undefined && to !== undefined)
    return { condition: ' AND gsi1sk BETWEEN :from AND :to', values: { ':from': from, ':to': to } };
  if (from !== undefined) return { condition: ' AND gsi1sk >= :from', values: { ':from': from } };
  if (to !== undefined) return { condition: ' AND gsi1sk < :to', values: { ':to': to } };
  return undefined;
}
