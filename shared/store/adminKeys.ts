import { createHash, randomBytes } from 'node:crypto';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { isConditionFailed, type Table } from './table';

/**
 * The stored form of an admin key: its SHA-256, hex. Only the hash is kept, and a request's key is
 * found by looking its hash up, never by comparing key contents (no timing leak, no key at rest).
 */
export function hashAdminKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

const itemKey = (key: string) => ({ pk: `ADMINKEY#${hashAdminKey(key)}`, sk: 'ADMINKEY' });

/** Admin API keys, each bound to one workspace for good. */
export class AdminKeyRepository {
  constructor(private readonly table: Table) {}

  /** Bind a key to a workspace; false when the key is already bound (to this or another workspace). */
  async add(key: string, workspaceId: string, now = new Date()): Promise<boolean> {
    try {
      await this.table.doc.send(
        new PutCommand({
          TableName: this.table.name,
          Item: { ...itemKey(key), workspaceId, createdAt: now.toISOString() },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailed(error)) return false;
      throw error;
    }
  }

  /** A new random key for a workspace; the plain key is returned once and never stored. */
  async issue(workspaceId: string): Promise<string> {
    const key = `cc_${randomBytes(32).toString('base64url')}`;
    if (!(await this.add(key, workspaceId))) throw new Error('admin key collision');
    return key;
  }

  /** The workspace a key belongs to, or undefined for an unknown key. */
  async workspaceOf(key: string): Promise<string | undefined> {
    const { Item } = await this.table.doc.send(new GetCommand({ TableName: this.table.name, Key: itemKey(key) }));
    return typeof Item?.workspaceId === 'string' ? Item.workspaceId : undefined;
  }
}
