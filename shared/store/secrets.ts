import { PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { Table } from './table';

/** Named workspace secrets for card headers (`{{ secrets.NAME }}`). Write-only towards admins. */
export class SecretRepository {
  constructor(private readonly table: Table) {}

  async put(workspaceId: string, name: string, value: string): Promise<void> {
    await this.table.doc.send(new PutCommand({ TableName: this.table.name, Item: { pk: `WS#${workspaceId}`, sk: `SECRET#${name}`, name, value } }));
  }

  /** All of a workspace's secrets by name: only the executor calls this, to render headers. */
  async all(workspaceId: string): Promise<Record<string, string>> {
    const { Items = [] } = await this.table.doc.send(
      new QueryCommand({
        TableName: this.table.name,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :p)',
        ExpressionAttributeValues: { ':pk': `WS#${workspaceId}`, ':p': 'SECRET#' },
      }),
    );
    const secrets: Record<string, string> = {};
    for (const item of Items) {
      if (typeof item.name === 'string' && typeof item.value === 'string') secrets[item.name] = item.value;
    }
    return secrets;
  }
}
