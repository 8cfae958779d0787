import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { messengerAppSchema, type MessengerApp } from '../channels/messenger/messengerApp';
import { RecentReads } from './recentReads';
import { saveOwned } from './saveOwned';
import { queryAll, type Table } from './table';

/** A Messenger app's item key. The webhooks may read it (infra: WEBHOOK_READ_KEYS), never write it. */
export const messengerAppKey = (appId: string) => ({ pk: `MESSENGERAPP#${appId}`, sk: 'MESSENGERAPP' });
const workspaceIndex = (workspaceId: string) => `WS#${workspaceId}#MESSENGERAPPS`;

/** What an admin may set on an app; absent fields keep their stored value. */
export interface MessengerAppChanges {
  name?: string;
  secret?: string;
  verifyToken?: string;
}

export type SaveMessengerAppResult =
  | { outcome: 'created' | 'updated'; app: MessengerApp }
  /** The app id belongs to another workspace. */
  | { outcome: 'taken' }
  /** A new app needs its secret and its verify token. */
  | { outcome: 'incomplete' };

/**
 * Messenger apps by their Meta app id, as the webhooks read them: one item each, read on every delivery
 * (from memory within a few seconds of the last read, as channels are). The admin's writes are in
 * {@link MessengerAppRepository}, which a webhook's bundle leaves out.
 */
export class MessengerAppReader {
  private readonly recent = new RecentReads<MessengerApp>();

  constructor(protected readonly table: Table) {}

  /** The app, or undefined. */
  async get(appId: string): Promise<MessengerApp | undefined> {
    const { Item } = await this.table.doc.send(new GetCommand({ TableName: this.table.name, Key: messengerAppKey(appId) }));
    const app = Item ? messengerAppSchema.parse(Item) : undefined;
    this.recent.note(appId, app);
    return app;
  }

  /** The app as this process read it within the last `maxAgeMs`, without a round trip (see ChannelRepository.peek). */
  peek(appId: string, maxAgeMs: number, now = Date.now()): MessengerApp | undefined {
    return this.recent.peek(appId, maxAgeMs, now);
  }

  /** Forget what this process read of the app (it is being written). */
  protected forget(appId: string): void {
    this.recent.forget(appId);
  }
}

/** Messenger apps as the admin lists and writes them. */
export class MessengerAppRepository extends MessengerAppReader {
  /** A workspace's apps (through `gsi1`), by id. */
  async listForWorkspace(workspaceId: string): Promise<MessengerApp[]> {
    const items = await queryAll(this.table, {
      IndexName: 'gsi1',
      KeyConditionExpression: 'gsi1pk = :p',
      ExpressionAttributeValues: { ':p': workspaceIndex(workspaceId) },
    });
    return items.map((item) => messengerAppSchema.parse(item));
  }

  /**
   * Add an app to a workspace or change one of its own, in one conditional write: an app id of another
   * workspace is never touched, and fields left out keep their values.
   */
  async save(workspaceId: string, appId: string, changes: MessengerAppChanges, now = new Date()): Promise<SaveMessengerAppResult> {
    this.forget(appId);
    const saved = await saveOwned(this.table, {
      key: messengerAppKey(appId),
      workspaceId,
      always: { appId, gsi1pk: workspaceIndex(workspaceId), gsi1sk: appId },
      changes: { name: changes.name, secret: changes.secret, verifyToken: changes.verifyToken },
      complete: changes.secret !== undefined && changes.verifyToken !== undefined,
      now,
    });
    this.forget(appId);
    if (saved === 'conditionFailed') return (await this.get(appId)) ? { outcome: 'taken' } : { outcome: 'incomplete' };
    const defined = Object.fromEntries(Object.entries(changes).filter(([, value]) => value !== undefined));
    return {
      outcome: saved.before ? 'updated' : 'created',
      app: messengerAppSchema.parse({ name: '', ...saved.before, ...defined, workspaceId, appId }),
    };
  }
}
