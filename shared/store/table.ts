import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { ExponentialBackoff, handleWhenResult, noJitterGenerator, retry } from 'cockatiel';
import { AWS_CLIENT_DEFAULTS } from '../config/awsClients';
import { createDocumentClient, type DocumentClient } from './documentClient';

/**
 * callcard keeps everything in one DynamoDB table (see docs/DATA-MODEL.md): `pk`/`sk` keys, a `gsi1`
 * index for the execution log by card, and `expiresAt` (epoch seconds) as the TTL attribute.
 */
export interface Table {
  readonly doc: DocumentClient;
  readonly name: string;
}

/**
 * A table handle over `client` (built with AWS_CLIENT_DEFAULTS when you pass none). A client you pass
 * should have `cacheMiddleware: true` too; add any middleware before its first call.
 */
export function createTable(name: string, client: DynamoDBClient = new DynamoDBClient(AWS_CLIENT_DEFAULTS)): Table {
  return { name, doc: createDocumentClient(client) };
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

/** Delete items by key, 25 per batch (DynamoDB's limit), retrying what a batch left unprocessed. */
export async function deleteKeys(table: Table, keys: Record<string, unknown>[]): Promise<void> {
  for (let i = 0; i < keys.length; i += 25) {
    let requests: { DeleteRequest: { Key: Record<string, unknown> } }[] = keys.slice(i, i + 25).map((Key) => ({ DeleteRequest: { Key } }));
    // Resend what the batch left unprocessed, with backoff (100 ms, 200 ms, ... at most 1 s), 9 sends at most.
    const left = await UNPROCESSED_RETRY.execute(async () => {
      const { UnprocessedItems } = await table.doc.send(new BatchWriteCommand({ RequestItems: { [table.name]: requests } }));
      requests = (UnprocessedItems?.[table.name] ?? []).flatMap((r) =>
        r.DeleteRequest?.Key ? [{ DeleteRequest: { Key: r.DeleteRequest.Key } }] : [],
      );
      return requests.length;
    });
    if (left > 0) throw new Error('DynamoDB left deletions unprocessed');
  }
}

const UNPROCESSED_RETRY = retry(
  handleWhenResult((left) => typeof left === 'number' && left > 0),
  { maxAttempts: 8, backoff: new ExponentialBackoff({ generator: noJitterGenerator, initialDelay: 100, maxDelay: 1_000 }) },
);

/** Every item a query matches, all pages read: for partitions known to stay small (a workspace's flows, a customer's log). */
export async function queryAll(
  table: Table,
  input: Omit<QueryCommandInput, 'TableName' | 'ExclusiveStartKey'>,
): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await table.doc.send(
      new QueryCommand({ ...input, TableName: table.name, ...(startKey ? { ExclusiveStartKey: startKey } : {}) }),
    );
    items.push(...(page.Items ?? []));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return items;
}
