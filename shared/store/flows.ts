import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { flowSchema, type Flow } from '../flow/schema';
import { deleteKeys, isConditionFailed, queryAll, type Table } from './table';

const pk = (workspaceId: string, flowId: string) => `WS#${workspaceId}#FLOW#${flowId}`;
const versionSk = (version: number) => `V#${String(version).padStart(8, '0')}`;

export interface StoredFlowVersion {
  workspaceId: string;
  flowId: string;
  version: number;
  /** The flow as the runtime reads it: parsed, defaults applied (`timeoutMs: 10000`, `retry: true`…). */
  flow: Flow;
  /**
   * The document as it was saved: what the admin wrote (validated, nothing added), which the admin API
   * gives back. Versions saved before documents were kept as written hold their defaults here too.
   */
  document: FlowDocument;
  createdAt: string;
}

/** A flow document as stored: a valid flow, as written (defaults left out) or parsed. */
export type FlowDocument = { readonly name: string; readonly [key: string]: unknown };

/** A flow as listed: its `HEAD` item. */
export const flowHeadSchema = z.object({
  flowId: z.string(),
  name: z.string(),
  latestVersion: z.number().int(),
  updatedAt: z.string(),
});
export type FlowHead = z.infer<typeof flowHeadSchema>;

/** One version as listed (without its document). */
export interface FlowVersionSummary {
  version: number;
  name: string;
  createdAt: string;
}

/**
 * Flow versions are immutable items; a `HEAD` item points at the latest. Saving version N+1 is a
 * conditional put (it must not exist yet), so two admins editing at once cannot overwrite each other,
 * and running conversations keep reading the version they started on.
 */
export class FlowRepository {
  /**
   * Saved versions never change and a version number is never reused (a deleted flow leaves a
   * tombstone that keeps counting), so a version read once is kept for the life of the process:
   * webhooks and executors read and validate each version once, not on every turn.
   */
  private readonly versions = new Map<string, StoredFlowVersion>();

  constructor(private readonly table: Table) {}

  async getVersion(workspaceId: string, flowId: string, version: number): Promise<StoredFlowVersion | undefined> {
    const cacheKey = `${workspaceId}\u0000${flowId}\u0000${version}`;
    const cached = this.versions.get(cacheKey);
    if (cached) return cached;
    const { Item } = await this.table.doc.send(
      new GetCommand({ TableName: this.table.name, Key: { pk: pk(workspaceId, flowId), sk: versionSk(version) } }),
    );
    if (!Item) return undefined;
    // Stored as written: the defaults are applied here, where the runtime reads it.
    const stored: StoredFlowVersion = {
      workspaceId,
      flowId,
      version,
      flow: flowSchema.parse(Item.flow),
      document: Item.flow as FlowDocument,
      createdAt: String(Item.createdAt),
    };
    if (this.versions.size >= MAX_CACHED_VERSIONS) this.versions.delete(this.versions.keys().next().value ?? '');
    this.versions.set(cacheKey, stored);
    return stored;
  }

  /** A version this process already read, without a round trip (undefined when it has not). */
  peekVersion(workspaceId: string, flowId: string, version: number): StoredFlowVersion | undefined {
    return this.versions.get(`${workspaceId}\u0000${flowId}\u0000${version}`);
  }

  /**
   * Store `version` of a flow, a valid document as given (the admin API gives what the admin wrote;
   * `getVersion` applies the defaults); false when that version already exists (a concurrent edit won).
   */
  async putVersion(workspaceId: string, flowId: string, version: number, flow: FlowDocument, now = new Date()): Promise<boolean> {
    try {
      await this.table.doc.send(
        new PutCommand({
          TableName: this.table.name,
          Item: { pk: pk(workspaceId, flowId), sk: versionSk(version), flow, version, createdAt: now.toISOString() },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (error) {
      if (isConditionFailed(error)) return false;
      throw error;
    }
    await this.table.doc
      .send(
        new PutCommand({
          TableName: this.table.name,
          Item: {
            pk: pk(workspaceId, flowId),
            sk: 'HEAD',
            latestVersion: version,
            name: flow.name,
            updatedAt: now.toISOString(),
            gsi1pk: `WS#${workspaceId}#FLOWS`,
            gsi1sk: flowId,
          },
          ConditionExpression: 'attribute_not_exists(latestVersion) OR latestVersion < :v',
          ExpressionAttributeValues: { ':v': version },
        }),
      )
      .catch((error: unknown) => {
        if (!isConditionFailed(error)) throw error;
      });
    return true;
  }

  /**
   * Store the first version of a new flow and return its number; undefined when the flow already
   * exists. A flow deleted before goes on from its last version number, so no version number ever
   * names two documents.
   */
  async create(workspaceId: string, flowId: string, flow: FlowDocument, now = new Date()): Promise<number | undefined> {
    const { Item } = await this.table.doc.send(
      new GetCommand({ TableName: this.table.name, Key: { pk: pk(workspaceId, flowId), sk: 'HEAD' }, ConsistentRead: true }),
    );
    if (Item && Item.deleted !== true) return undefined;
    const version = (typeof Item?.latestVersion === 'number' ? Item.latestVersion : 0) + 1;
    return (await this.putVersion(workspaceId, flowId, version, flow, now)) ? version : undefined;
  }

  async getHead(workspaceId: string, flowId: string): Promise<FlowHead | undefined> {
    const { Item } = await this.table.doc.send(
      new GetCommand({ TableName: this.table.name, Key: { pk: pk(workspaceId, flowId), sk: 'HEAD' }, ConsistentRead: true }),
    );
    return Item && Item.deleted !== true ? flowHeadSchema.parse({ ...Item, flowId }) : undefined;
  }

  /** The latest version of a flow, or undefined when there is no such flow. */
  async getLatest(workspaceId: string, flowId: string): Promise<StoredFlowVersion | undefined> {
    const head = await this.getHead(workspaceId, flowId);
    return head ? this.getVersion(workspaceId, flowId, head.latestVersion) : undefined;
  }

  /** A workspace's flows (their heads), by id. */
  async list(workspaceId: string): Promise<FlowHead[]> {
    const items = await queryAll(this.table, {
      IndexName: 'gsi1',
      KeyConditionExpression: 'gsi1pk = :p',
      ExpressionAttributeValues: { ':p': `WS#${workspaceId}#FLOWS` },
    });
    return items.map((item) => flowHeadSchema.parse({ ...item, flowId: item.gsi1sk }));
  }

  /** Every version of a flow, newest first, without the documents. */
  async listVersions(workspaceId: string, flowId: string): Promise<FlowVersionSummary[]> {
    const items = await queryAll(this.table, {
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :v)',
      ExpressionAttributeValues: { ':pk': pk(workspaceId, flowId), ':v': 'V#' },
      ExpressionAttributeNames: { '#version': 'version', '#flow': 'flow', '#name': 'name' },
      ProjectionExpression: '#version, createdAt, #flow.#name',
      ScanIndexForward: false,
    });
    return items
      .map((item) => versionSummarySchema.parse(item))
      .map((v) => ({ version: v.version, name: v.flow.name, createdAt: v.createdAt }));
  }

  /** Delete a flow with all its versions; false when there was no such flow. */
  async delete(workspaceId: string, flowId: string): Promise<boolean> {
    const items = await queryAll(this.table, {
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': pk(workspaceId, flowId) },
      ProjectionExpression: 'pk, sk',
    });
    // The head last: until it turns into a tombstone, the flow still lists, and a retried delete finds
    // what is left. The tombstone (no index keys: it lists nowhere) keeps the last version number.
    const head = await this.getHead(workspaceId, flowId);
    await deleteKeys(
      this.table,
      items.filter((item) => item.sk !== 'HEAD').map((item) => ({ pk: item.pk, sk: item.sk })),
    );
    if (head) {
      await this.table.doc.send(
        new PutCommand({
          TableName: this.table.name,
          Item: {
            pk: pk(workspaceId, flowId),
            sk: 'HEAD',
            deleted: true,
            latestVersion: head.latestVersion,
            updatedAt: new Date().toISOString(),
          },
        }),
      );
    }
    return head !== undefined;
  }
}

/** Versions kept in memory per process (a Lambda container serves few workspaces; the bound is a guard). */
const MAX_CACHED_VERSIONS = 500;

const versionSummarySchema = z.object({ version: z.number().int(), createdAt: z.string(), flow: z.object({ name: z.string() }) });
