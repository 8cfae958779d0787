import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { isConditionFailed, type Table } from './table';

/** One admin-written item of a workspace (a channel, a Messenger app): what {@link saveOwned} writes. */
export interface OwnedItemWrite {
  key: { pk: string; sk: string };
  workspaceId: string;
  /** Attributes set on every save: ids, index keys. */
  always: Record<string, string>;
  /** `name` and the write-only fields; one left undefined keeps its stored value (a new item: name ''). */
  changes: Record<string, string | undefined>;
  /** Whether the changes hold everything a new item needs: only then may the item be created. */
  complete: boolean;
  /** Attributes to drop. */
  remove?: string[];
  /** One more condition on the stored item (its attribute names used as they are). */
  condition?: string;
  now: Date;
}

/**
 * Add an item to a workspace or change one of its own, in one conditional write: an id of another
 * workspace is never touched, and fields left out keep their stored values. Returns the item's stored
 * attributes before the write (none: it was created), or `conditionFailed`: the item is another
 * workspace's, a new item was incomplete, or `condition` did not hold; the caller reads to say which.
 */
export async function saveOwned(
  table: Table,
  write: OwnedItemWrite,
): Promise<{ before: Record<string, unknown> | undefined } | 'conditionFailed'> {
  const names: Record<string, string> = { '#name': 'name' };
  const values: Record<string, unknown> = { ':ws': write.workspaceId, ':now': write.now.toISOString(), ':empty': '' };
  // A new item gets an empty name unless one is given; an existing one keeps its own.
  const sets = [
    'workspaceId = :ws',
    'createdAt = if_not_exists(createdAt, :now)',
    'updatedAt = :now',
    '#name = if_not_exists(#name, :empty)',
  ];
  const fields = { ...write.always, ...write.changes };
  for (const [field, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    names[`#${field}`] = field;
    values[`:${field}`] = value;
    if (field === 'name') sets[3] = '#name = :name';
    else sets.push(`#${field} = :${field}`);
  }
  // DynamoDB refuses unused expression values.
  if (write.changes.name !== undefined) delete values[':empty'];
  const conditions = [write.complete ? '(attribute_not_exists(pk) OR workspaceId = :ws)' : '(attribute_exists(pk) AND workspaceId = :ws)'];
  if (write.condition) conditions.push(write.condition);
  try {
    const { Attributes } = await table.doc.send(
      new UpdateCommand({
        TableName: table.name,
        Key: write.key,
        UpdateExpression: `SET ${sets.join(', ')}${write.remove?.length ? ` REMOVE ${write.remove.join(', ')}` : ''}`,
        ConditionExpression: conditions.join(' AND '),
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
        ReturnValues: 'ALL_OLD',
      }),
    );
    return { before: Attributes };
  } catch (error) {
    if (isConditionFailed(error)) return 'conditionFailed';
    throw error;
  }
}
