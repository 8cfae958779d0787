import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/**
 * callcard keeps everything in one DynamoDB table (see docs/DATA-MODEL.md): `pk`/`sk` keys, a `gsi1`
 * index for the execution log by card, and `expiresAt` (epoch seconds) as the TTL attribute.
 */
export interface Table {
  readonly doc: DynamoDBDocumentClient;
  readonly name: string;
}

/** A table handle; pass your own client in tests, or let it use the default chain (AWS_ENDPOINT_URL_DYNAMODB locally). */
export function createTable(name: string, client: DynamoDBClient = new DynamoDBClient({})): Table {
  return {
    name,
    doc: DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } }),
  };
}

/** Epoch seconds `seconds` from now: the TTL attribute's unit. */
export function expiresIn(seconds: number, now = Date.now()): number {
  return Math.floor(now / 1000) + seconds;
}

/**
 * DynamoDB deletes expired items lazily (up to days later) and dynalite not at all: readers treat an
 * item past its `expiresAt` as gone.
 */
export function isExpired(item: { expiresAt?: unknown }, now = Date.now()): boolean {
  return typeof item.expiresAt === 'number' && item.expiresAt * 1000 <= now;
}

export function isConditionFailed(error: unknown): boolean {
  return error instanceof Error && error.name === 'ConditionalCheckFailedException';
}
