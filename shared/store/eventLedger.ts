import { DeleteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { expiresIn, isConditionFailed, type Table } from './table';

/** LINE redelivers within 20 minutes and Meta within hours; a day covers both with room. */
const DEDUPE_TTL_SECONDS = 24 * 60 * 60;

/**
 * Remembers webhook events already taken, so a redelivered or duplicated event is handled once.
 * A conditional put: the first writer wins, on DynamoDB and on dynalite alike.
 */
export class EventLedger {
  constructor(private readonly table: Table) {}

  /** True the first time an event id is seen (or after its record expired); false for a duplicate. */
  async claim(scope: string, eventId: string, now = Date.now()): Promise<boolean> {
    try {
      await this.table.doc.send(
        new PutCommand({
          TableName: this.table.name,
          Item: { pk: `EVENT#${scope}#${eventId}`, sk: 'EVENT', expiresAt: expiresIn(DEDUPE_TTL_SECONDS, now) },
          // dynalite never deletes expired items: an expired record may be claimed again.
          ConditionExpression: 'attribute_not_exists(pk) OR expiresAt < :now',
          ExpressionAttributeValues: { ':now': Math.floor(now / 1000) },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailed(error)) return false;
      throw error;
    }
  }

  /** Give an event back when enqueuing it failed, so the channel's redelivery is not dropped as a duplicate. */
  async release(scope: string, eventId: string): Promise<void> {
    await this.table.doc.send(new DeleteCommand({ TableName: this.table.name, Key: { pk: `EVENT#${scope}#${eventId}`, sk: 'EVENT' } }));
  }
}
