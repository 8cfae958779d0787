import { DeleteCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { nullRecord } from '../flow/reservedKeys';
import { withAllowedHosts } from '../templating/secretHosts';
import { isConditionFailed, type Table } from './table';

/** One stored secret. Only the executor and the dry run use `value`; admins see it masked. */
export interface StoredSecret {
  name: string;
  value: string;
  /**
   * The only hosts a card may send it to (normalized host names). Required when a secret is set
   * (the signing secret aside: it is never sent); absent on secrets saved before, which may still go
   * to any host until bound.
   */
  allowedHosts?: string[];
  updatedAt?: string;
}

const key = (workspaceId: string, name: string) => ({ pk: `WS#${workspaceId}`, sk: `SECRET#${name}` });

/** Named workspace secrets for card headers (`{{ secrets.NAME }}`). Write-only towards admins. */
export class SecretRepository {
  constructor(private readonly table: Table) {}

  /** Set (or replace, allowed hosts included) a secret. */
  async put(workspaceId: string, name: string, value: string, now = new Date(), allowedHosts?: readonly string[]): Promise<void> {
    const item = {
      ...key(workspaceId, name),
      name,
      value,
      ...(allowedHosts ? { allowedHosts: [...allowedHosts] } : {}),
      updatedAt: now.toISOString(),
    };
    await this.table.doc.send(new PutCommand({ TableName: this.table.name, Item: item }));
  }

  /** One secret's value (a GetItem: the callback route reads the signing secret and nothing else). */
  async value(workspaceId: string, name: string): Promise<string | undefined> {
    const { Item } = await this.table.doc.send(new GetCommand({ TableName: this.table.name, Key: key(workspaceId, name) }));
    return typeof Item?.value === 'string' ? Item.value : undefined;
  }

  /** Bind an existing secret to hosts, its value kept: the value, or undefined when there is no such secret. */
  async bind(workspaceId: string, name: string, allowedHosts: readonly string[], now = new Date()): Promise<string | undefined> {
    try {
      const { Attributes } = await this.table.doc.send(
        new UpdateCommand({
          TableName: this.table.name,
          Key: key(workspaceId, name),
          UpdateExpression: 'SET allowedHosts = :hosts, updatedAt = :at',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':hosts': [...allowedHosts], ':at': now.toISOString() },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return typeof Attributes?.value === 'string' ? Attributes.value : undefined;
    } catch (error) {
      if (isConditionFailed(error)) return undefined;
      throw error;
    }
  }

  /** Remove a secret; false when there was none by that name. */
  async delete(workspaceId: string, name: string): Promise<boolean> {
    const { Attributes } = await this.table.doc.send(
      new DeleteCommand({ TableName: this.table.name, Key: key(workspaceId, name), ReturnValues: 'ALL_OLD' }),
    );
    return Attributes !== undefined;
  }

  /** Every secret of a workspace, by name. */
  async list(workspaceId: string): Promise<StoredSecret[]> {
    const { Items = [] } = await this.table.doc.send(
      new QueryCommand({
        TableName: this.table.name,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :p)',
        ExpressionAttributeValues: { ':pk': `WS#${workspaceId}`, ':p': 'SECRET#' },
      }),
    );
    const secrets: StoredSecret[] = [];
    for (const item of Items) {
      if (typeof item.name === 'string' && typeof item.value === 'string') {
        const allowedHosts: unknown = item.allowedHosts;
        secrets.push({
          name: item.name,
          value: item.value,
          ...(Array.isArray(allowedHosts) ? { allowedHosts: allowedHosts.filter((h): h is string => typeof h === 'string') } : {}),
          ...(typeof item.updatedAt === 'string' ? { updatedAt: item.updatedAt } : {}),
        });
      }
    }
    return secrets;
  }

  /**
   * All of a workspace's secrets by name, for card headers (the executor and dry runs), with each
   * secret's allowed hosts attached (`allowedHostsOf`), which the card checks before connecting.
   */
  async all(workspaceId: string): Promise<Record<string, string>> {
    // Without a prototype: a name is looked up as the secret's own (names are also refused reserved).
    const secrets = nullRecord<string>();
    const allowedHosts = nullRecord<string[]>();
    for (const secret of await this.list(workspaceId)) {
      secrets[secret.name] = secret.value;
      if (secret.allowedHosts) allowedHosts[secret.name] = secret.allowedHosts;
    }
    return withAllowedHosts(secrets, allowedHosts);
  }
}
