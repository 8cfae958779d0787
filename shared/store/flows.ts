import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { flowSchema, type Flow } from '../flow/schema';
import { isConditionFailed, type Table } from './table';

const pk = (workspaceId: string, flowId: string) => `WS#${workspaceId}#FLOW#${flowId}`;
const versionSk = (version: number) => `V#${String(version).padStart(8, '0')}`;

export interface StoredFlowVersion {
  workspaceId: string;
  flowId: string;
  version: number;
  flow: Flow;
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
}
