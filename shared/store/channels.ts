import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { channelSchema, type Channel, type ChannelInput, type ChannelOf } from '../channels/channel';
import { adapterFor } from '../channels/registry';
import type { ChannelKind } from '../domain/channelKinds';
import type { FlowRef } from '../domain/flowRef';
import { RecentReads } from './recentReads';
import { saveOwned } from './saveOwned';
import { isConditionFailed, queryAll, type Table } from './table';

/** A channel's item key. */
export const channelKey = (kind: ChannelKind, channelId: string) => ({ pk: `CHANNEL#${kind}#${channelId}`, sk: 'CHANNEL' });
const key = channelKey;
const workspaceIndex = (workspaceId: string) => `WS#${workspaceId}#CHANNELS`;

/**
 * What an admin may set on a channel; absent fields keep their stored value. A Messenger page given an
 * `appId` drops its own secret and verify token (its app's apply); one given its own is never under an app.
 */
export interface ChannelChanges {
  name?: string;
  secret?: string;
  accessToken?: string;
  verifyToken?: string;
  appId?: string;
}

export type SaveChannelResult =
  | { outcome: 'created' | 'updated'; channel: Channel }
  /** The channel id belongs to another workspace. */
  | { outcome: 'taken' }
  /** A secret or verify token for a page registered under an app (`appId`): the app's apply, so none is stored. */
  | { outcome: 'underApp'; appId: string }
  /** A new channel needs its secret and token (and, on Messenger, the verify token). */
  | { outcome: 'incomplete' };

/** How a change of a channel's active flows went: `stale` when another change landed since the channel was read. */
export type SetActiveFlowsResult = 'set' | 'stale' | 'missing';

/**
 * Channels by their webhook id, as the webhooks read them. One item per channel: the webhook reads it
 * on every delivery. The admin's writes are in {@link ChannelRepository}, which a webhook's bundle
 * leaves out (shared/store/webhookStore.ts).
 */
export class ChannelReader {
  /** Channels as last read by this process, for {@link peek}. */
  private readonly recent = new RecentReads<Channel>();

  constructor(protected readonly table: Table) {}

  /** The channel; `consistent` for a read that a conditional write follows (the admin API's publish). */
  async get<K extends ChannelKind>(kind: K, channelId: string, options: { consistent?: boolean } = {}): Promise<ChannelOf<K> | undefined> {
    const { Item } = await this.table.doc.send(
      new GetCommand({ TableName: this.table.name, Key: key(kind, channelId), ...(options.consistent ? { ConsistentRead: true } : {}) }),
    );
    // The schema refuses a LINE channel without its secret: what it gives for kind K is a ChannelOf<K>.
    const channel = Item ? (channelSchema.parse(Item) as ChannelOf<K>) : undefined;
    this.recent.note(`${kind}#${channelId}`, channel);
    return channel;
  }

  /**
   * The channel as this process read it within the last `maxAgeMs`, without a round trip; undefined
   * when it has not (then `get` it). Writes through this repository forget it at once; another
   * process's change (the admin function on AWS) is seen once the entry is older than `maxAgeMs`.
   */
  peek<K extends ChannelKind>(kind: K, channelId: string, maxAgeMs: number, now = Date.now()): ChannelOf<K> | undefined {
    // Only `get` fills it, keyed by kind: an entry of kind K is a ChannelOf<K>.
    return this.recent.peek(`${kind}#${channelId}`, maxAgeMs, now) as ChannelOf<K> | undefined;
  }

  /** Forget what this process read of the channel (it is being written). */
  protected forget(kind: ChannelKind, channelId: string): void {
    this.recent.forget(`${kind}#${channelId}`);
  }
}

/** Channels as the admin, the seeds and the tests write and list them. */
export class ChannelRepository extends ChannelReader {
  /** Write a whole channel (seeds and tests): the active flows in the current shape. */
  async put(channel: ChannelInput): Promise<void> {
    this.forget(channel.kind, channel.channelId);
    await this.table.doc.send(
      new PutCommand({
        TableName: this.table.name,
        Item: {
          ...key(channel.kind, channel.channelId),
          ...channelSchema.parse(channel),
          gsi1pk: workspaceIndex(channel.workspaceId),
          gsi1sk: `${channel.kind}#${channel.channelId}`,
        },
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
  async save(
    workspaceId: string,
    kind: ChannelKind,
    channelId: string,
    changes: ChannelChanges,
    now = new Date(),
  ): Promise<SaveChannelResult> {
    this.forget(kind, channelId);
    const { features, credentials } = adapterFor(kind);
    const underApp = features.apps && changes.appId !== undefined;
    const ownCredentials = changes.secret !== undefined || changes.verifyToken !== undefined;
    if (underApp && ownCredentials) throw new Error('a page registered under an app takes no secret or verify token of its own');
    // What the kind's adapter says a new channel needs (under an app: what the app does not give).
    const required = (underApp ? credentials.requiredUnderApp : undefined) ?? credentials.required;
    const saved = await saveOwned(this.table, {
      key: key(kind, channelId),
      workspaceId,
      always: { kind, channelId, gsi1pk: workspaceIndex(workspaceId), gsi1sk: `${kind}#${channelId}` },
      changes: {
        name: changes.name,
        secret: changes.secret,
        accessToken: changes.accessToken,
        verifyToken: changes.verifyToken,
        appId: changes.appId,
      },
      complete: required.every((field) => changes[field] !== undefined),
      // Under an app, the app's secret and verify token apply: the page keeps none of its own, and one
      // under an app is never given its own.
      ...(underApp ? { remove: ['secret', 'verifyToken'] } : {}),
      ...(ownCredentials ? { condition: 'attribute_not_exists(appId)' } : {}),
      now,
    });
    this.forget(kind, channelId);
    if (saved === 'conditionFailed') {
      const existing = await this.get(kind, channelId);
      if (!existing) return { outcome: 'incomplete' };
      if (existing.workspaceId !== workspaceId) return { outcome: 'taken' };
      return existing.appId !== undefined ? { outcome: 'underApp', appId: existing.appId } : { outcome: 'incomplete' };
    }
    const defined = Object.fromEntries(Object.entries(changes).filter(([, value]) => value !== undefined));
    const { secret: _secret, verifyToken: _verifyToken, ...kept } = saved.before ?? {};
    const channel = channelSchema.parse({ name: '', ...(underApp ? kept : saved.before), ...defined, workspaceId, kind, channelId });
    return { outcome: saved.before ? 'updated' : 'created', channel };
  }

  /**
   * Replace the channel's active flows with `activeFlows`, only if it still belongs to the workspace and
   * nobody changed them since the channel was read at `revision` (its `activeFlowsRevision`, 0 when
   * absent): two publishes at once cannot lose one another, the later one gets `stale` and reads again.
   * The old single-flow attribute goes, so the item is in the current shape from then on.
   */
  async setActiveFlows(
    kind: ChannelKind,
    channelId: string,
    workspaceId: string,
    activeFlows: FlowRef[],
    revision: number,
  ): Promise<SetActiveFlowsResult> {
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
