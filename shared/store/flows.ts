import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { flowSchema, type Flow } from '../flow/schema';
import { deleteKeys, isConditionFailed, queryAll, type Table } from './table';

const pk = (workspaceId: string, flowId: string) => `WS#${workspaceId}#FLOW#${flowId}`;
const versionSk = (version: number) => `V#${String(version).padStart(8, '0')}`;

export interface StoredFlowVersion {
  workspaceId: string;
  flowId: string;
  version: number;
  flow: Flow;
  createdAt: string;
}

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
  constructor(private readonly table: Table) {}

  async getVersion(workspaceId: string, flowId: string, version: number): Promise<StoredFlowVersion | undefined> {
    const { Item } = await this.table.doc.send(
      new GetCommand({ TableName: this.table.name, Key: { pk: pk(workspaceId, flowId), sk: versionSk(version) } }),
    );
    if (!Item) return undefined;
    return { workspaceId, flowId, version, flow: flowSchema.parse(Item.flow), createdAt: String(Item.createdAt) };
  }

  /** Store `version` of a flow; false when that version already exists (a concurrent edit won). */
  async putVersion(workspaceId: string, flowId: string, version: number, flow: Flow, now = new Date()): Promise<boolean> {
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
    await this.table.doc.send(
      new PutCommand({
        TableName: this.table.name,
        Item: { pk: pk(workspaceId, flowId), sk: 'HEAD', latestVersion: version, name: flow.name, updatedAt: now.toISOString(), gsi1pk: `WS#${workspaceId}#FLOWS`, gsi1sk: flowId },
        ConditionExpression: 'attribute_not_exists(latestVersion) OR latestVersion < :v',
        ExpressionAttributeValues: { ':v': version },
      }),
    ).catch((error: unknown) => {
      if (!isConditionFailed(error)) throw error;
    });
    return true;
  }

  /** Store version 1 of a new flow; false when the flow already exists. */
  async create(workspaceId: string, flowId: string, flow: Flow, now = new Date()): Promise<boolean> {
    return this.putVersion(workspaceId, flowId, 1, flow, now);
  }

  async getHead(workspaceId: string, flowId: string): Promise<FlowHead | undefined> {
    const { Item } = await this.table.doc.send(
      new GetCommand({ TableName: this.table.name, Key: { pk: pk(workspaceId, flowId), sk: 'HEAD' }, ConsistentRead: true }),
    );
    return Item ? flowHeadSchema.parse({ ...Item, flowId }) : undefined;
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
    return items.map((item) => versionSummarySchema.parse(item)).map((v) => ({ version: v.version, name: v.flow.name, createdAt: v.createdAt }));
  }

  /** Delete a flow with all its versions; false when there was no such flow. */
  async delete(workspaceId: string, flowId: string): Promise<boolean> {
    const items = await queryAll(this.table, {
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': pk(workspaceId, flowId) },
      ProjectionExpression: 'pk, sk',
    });
    // The head last: until it goes, the flow still lists, and a retried delete finds what is left.
    const head = items.filter((item) => item.sk === 'HEAD');
    await deleteKeys(this.table, items.filter((item) => item.sk !== 'HEAD').map((item) => ({ pk: item.pk, sk: item.sk })));
    await deleteKeys(this.table, head.map((item) => ({ pk: item.pk, sk: item.sk })));
    return items.length > 0;
  }
}

const versionSummarySchema = z.object({ version: z.number().int(), createdAt: z.string(), flow: z.object({ name: z.string() }) });
