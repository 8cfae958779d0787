import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { channelSchema, type Channel, type ChannelInput, type FlowRef } from '../channels/channel';
import type { ChannelKind } from '../jobs/job';
import { isConditionFailed, queryAll, type Table } from './table';

/** A channel's item key. */
export const channelKey = (kind: ChannelKind, channelId: string) => ({ pk: `CHANNEL#${kind}#${channelId}`, sk: 'CHANNEL' });
const key = channelKey;
const workspaceIndex = (workspaceId: string) => `WS#${workspaceId}#CHANNELS`;

/** What an admin may set on a channel; absent fields keep their stored value. */
export interface ChannelChanges {
  name?: string;
  secret?: string;
  accessToken?: string;
  verifyToken?: string;
}

export type SaveChannelResult =
  | { outcome: 'created' | 'updated'; channel: Channel }
  /** The channel id belongs to another workspace. */
  | { outcome: 'taken' }
  /** A new channel needs its secret and token (and, on Messenger, the verify token). */
  | { outcome: 'incomplete' };

/** How a change of a channel's active flows went: `stale` when another change landed since the channel was read. */
export type SetActiveFlowsResult = 'set' | 'stale' | 'missing';

/** Channels kept for {@link ChannelRepository.peek} per process (a bound, not a working set). */
const MAX_RECENT = 1_000;

/** Channels by their webhook id. One item per channel: the webhook reads it on every delivery. */
export class ChannelRepository {
  /** Channels as last read by this process, for {@link peek}. */
  private readonly recent = new Map<string, { channel: Channel; readAt: number }>();

  constructor(private readonly table: Table) {}

  /** The channel; `consistent` for a read that a conditional write follows (the admin API's publish). */
  async get(kind: ChannelKind, channelId: string, options: { consistent?: boolean } = {}): Promise<Channel | undefined> {
    const { Item } = await this.table.doc.send(
      new GetCommand({ TableName: this.table.name, Key: key(kind, channelId), ...(options.consistent ? { ConsistentRead: true } : {}) }),
    );
    const channel = Item ? channelSchema.parse(Item) : undefined;
    const cacheKey = `${kind}#${channelId}`;
    if (channel) {
      if (this.recent.size >= MAX_RECENT) this.recent.delete(this.recent.keys().next().value ?? '');
      this.recent.set(cacheKey, { channel, readAt: Date.now() });
    } else {
      this.recent.delete(cacheKey);
    }
    return channel;
  }

  /**
   * The channel as this process read it within the last `maxAgeMs`, without a round trip; undefined
   * when it has not (then `get` it). Writes through this repository forget it at once; another
   * process's change (the admin function on AWS) is seen once the entry is older than `maxAgeMs`.
   */
  peek(kind: ChannelKind, channelId: string, maxAgeMs: number, now = Date.now()): Channel | undefined {
    const entry = this.recent.get(`${kind}#${channelId}`);
    return entry && now - entry.readAt < maxAgeMs ? entry.channel : undefined;
  }

  private forget(kind: ChannelKind, channelId: string): void {
    this.recent.delete(`${kind}#${channelId}`);
  }

  /** Write a whole channel (seeds and tests): the active flows in the current shape. */
  async put(channel: ChannelInput): Promise<void> {
    this.forget(channel.kind, channel.channelId);
    await this.table.doc.send(
      new PutCommand({
        TableName: this.table.name,
        Item: { ...key(channel.kind, channel.channelId), ...channelSchema.parse(channel), gsi1pk: workspaceIndex(channel.workspaceId), gsi1sk: `${channel.kind}#${channel.channelId}` },
      }),
    );
    this.forget(channel.kind, channel.channelId);
  }

  /** A workspace's channels (through `gsi1`), by kind and id. */
  async listForWorkspace(workspaceId: string): Promise<Channel[]> {
    const items = await queryAll(this.table, {
      IndexName: 'gsi1',
      KeyConditionExpression: 'gsi1pk = :p',
      ExpressionAttributeValues: { ':p': workspaceIndex(workspaceId) },
    });
    return items.map((item) => channelSchema.parse(item));
  }

  /**
   * Add a channel to a workspace or change one of its own, in one conditional write: a channel id
   * of another workspace is never touched, fields left out keep their values (a secret is never
   * required again to rename a channel), and the active flows are left to `setActiveFlows`.
   */
  async save(workspaceId: string, kind: ChannelKind, channelId: string, changes: ChannelChanges, now = new Date()): Promise<SaveChannelResult> {
    this.forget(kind, channelId);
    const complete = changes.secret !== undefined && changes.accessToken !== undefined && (kind !== 'messenger' || changes.verifyToken !== undefined);
    const names: Record<string, string> = { '#name': 'name' };
    const values: Record<string, unknown> = {
      ':ws': workspaceId,
      ':kind': kind,
      ':id': channelId,
      ':now': now.toISOString(),
      ':gpk': workspaceIndex(workspaceId),
      ':gsk': `${kind}#${channelId}`,
    };
    const sets = ['workspaceId = :ws', 'kind = :kind', 'channelId = :id', 'gsi1pk = :gpk', 'gsi1sk = :gsk', 'createdAt = if_not_exists(createdAt, :now)', 'updatedAt = :now'];
    // DynamoDB refuses unused expression values: each one is added only with the clause that uses it.
    if (changes.name !== undefined) {
      sets.push('#name = :name');
      values[':name'] = changes.name;
    } else {
      sets.push('#name = if_not_exists(#name, :empty)');
      values[':empty'] = '';
    }
    for (const field of ['secret', 'accessToken', 'verifyToken'] as const) {
      const value = changes[field];
      if (value === undefined) continue;
      names[`#${field}`] = field;
      values[`:${field}`] = value;
      sets.push(`#${field} = :${field}`);
    }
    try {
      const { Attributes } = await this.table.doc.send(
        new UpdateCommand({
          TableName: this.table.name,
          Key: key(kind, channelId),
          UpdateExpression: `SET ${sets.join(', ')}`,
          // A new channel only with everything it needs; an existing one only by its own workspace.
          ConditionExpression: complete ? 'attribute_not_exists(pk) OR workspaceId = :ws' : 'attribute_exists(pk) AND workspaceId = :ws',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_OLD',
        }),
      );
      this.forget(kind, channelId);
      const defined = Object.fromEntries(Object.entries(changes).filter(([, value]) => value !== undefined));
      const channel = channelSchema.parse({ name: '', ...Attributes, ...defined, workspaceId, kind, channelId });
      return { outcome: Attributes ? 'updated' : 'created', channel };
    } catch (error) {
      if (!isConditionFailed(error)) throw error;
      const existing = await this.get(kind, channelId);
      return existing ? { outcome: 'taken' } : { outcome: 'incomplete' };
    }
  }

  /**
   * Replace the channel's active flows with `activeFlows`, only if it still belongs to the workspace and
   * nobody changed them since the channel was read at `revision` (its `activeFlowsRevision`, 0 when
   * absent): two publishes at once cannot lose one another, the later one gets `stale` and reads again.
   * The old single-flow attribute goes, so the item is in the current shape from then on.
   */
  async setActiveFlows(kind: ChannelKind, channelId: string, workspaceId: string, activeFlows: FlowRef[], revision: number): Promise<SetActiveFlowsResult> {
    this.forget(kind, channelId);
    try {
      await this.table.doc.send(
        new UpdateCommand({
          TableName: this.table.name,
          Key: key(kind, channelId),
          UpdateExpression: 'SET activeFlows = :f, activeFlowsRevision = :next REMOVE activeFlow',
          ConditionExpression: `attribute_exists(pk) AND workspaceId = :ws AND ${revision === 0 ? 'attribute_not_exists(activeFlowsRevision)' : 'activeFlowsRevision = :rev'}`,
          ExpressionAttributeValues: {
            ':f': activeFlows.map((f) => ({ flowId: f.flowId, version: f.version })),
            ':next': revision + 1,
            ':ws': workspaceId,
            ...(revision === 0 ? {} : { ':rev': revision }),
          },
        }),
      );
      // Again after the write: a read that raced it may have kept the old channel.
      this.forget(kind, channelId);
      return 'set';
    } catch (error) {
      if (!isConditionFailed(error)) throw error;
      const current = await this.get(kind, channelId, { consistent: true });
      return current?.workspaceId === workspaceId ? 'stale' : 'missing';
    }
  }
}
