import { DeleteCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { connectionSchema, type Connection, type ConnectionInput, type Connections } from '../connections/connection';
import type { StoredToken, TokenStore } from '../connections/oauth2';
import type { InFlightStore, RateWindowStore } from '../connections/rateCap';
import { nullRecord } from '../flow/reservedKeys';
import { leaseExpiry, leaseId } from './executorLeases';
import { isConditionFailed, type Table } from './table';

/** A stored connection: its name and document (validated), as written by the admin. */
export interface StoredConnection {
  name: string;
  connection: Connection;
  updatedAt?: string;
}

const key = (workspaceId: string, name: string) => ({ pk: `WS#${workspaceId}`, sk: `CONNECTION#${name}` });

/** A workspace's connections to brand APIs (shared/connections/connection.ts), one item each beside its secrets. */
export class ConnectionRepository {
  constructor(private readonly table: Table) {}

  /** Create or replace a connection (validated); returns it as stored. */
  async put(workspaceId: string, name: string, input: ConnectionInput, now = new Date()): Promise<StoredConnection> {
    const connection = connectionSchema.parse(input);
    const updatedAt = now.toISOString();
    await this.table.doc.send(
      new PutCommand({ TableName: this.table.name, Item: { ...key(workspaceId, name), name, connection, updatedAt } }),
    );
    return { name, connection, updatedAt };
  }

  async get(workspaceId: string, name: string): Promise<StoredConnection | undefined> {
    const { Item } = await this.table.doc.send(new GetCommand({ TableName: this.table.name, Key: key(workspaceId, name) }));
    return Item ? storedOf(Item) : undefined;
  }

  /** Remove a connection; false when there was none by that name. */
  async delete(workspaceId: string, name: string): Promise<boolean> {
    const { Attributes } = await this.table.doc.send(
      new DeleteCommand({ TableName: this.table.name, Key: key(workspaceId, name), ReturnValues: 'ALL_OLD' }),
    );
    return Attributes !== undefined;
  }

  /** Every connection of a workspace, by name. */
  async list(workspaceId: string): Promise<StoredConnection[]> {
    const items: Record<string, unknown>[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.table.doc.send(
        new QueryCommand({
          TableName: this.table.name,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :p)',
          ExpressionAttributeValues: { ':pk': `WS#${workspaceId}`, ':p': 'CONNECTION#' },
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      items.push(...(page.Items ?? []));
      start = page.LastEvaluatedKey;
    } while (start);
    return items.map(storedOf);
  }

  /** A workspace's connections by name, for its cards (the executor and the dry run). */
  async all(workspaceId: string): Promise<Connections> {
    // Without a prototype: a card's connection is looked up as the workspace's own (names refuse the reserved ones too).
    const connections = nullRecord<Connection>();
    for (const stored of await this.list(workspaceId)) connections[stored.name] = stored.connection;
    return connections;
  }
}

function storedOf(item: Record<string, unknown>): StoredConnection {
  return {
    name: String(item.name),
    connection: connectionSchema.parse(item.connection),
    ...(typeof item.updatedAt === 'string' ? { updatedAt: item.updatedAt } : {}),
  };
}

const tokenKey = (workspaceId: string, key: string) => ({ pk: `WS#${workspaceId}`, sk: `TOKEN#${key}` });

/**
 * Access tokens of OAuth 2.0 connections, shared by the executor instances (shared/connections/oauth2.ts):
 * one item per connection and environment, gone by TTL when the token expires. The admin API reads it
 * only to mask it wherever a brand echoed it (functions/admin/mask.ts), never to answer it; the table
 * is encrypted with its own KMS key.
 */
export class ConnectionTokenRepository implements TokenStore {
  constructor(private readonly table: Table) {}

  async get(workspaceId: string, key: string): Promise<StoredToken | undefined> {
    const { Item } = await this.table.doc.send(
      new GetCommand({ TableName: this.table.name, Key: tokenKey(workspaceId, key), ConsistentRead: true }),
    );
    if (!Item || typeof Item.accessToken !== 'string' || typeof Item.expiresAtMs !== 'number' || typeof Item.fingerprint !== 'string')
      return undefined;
    return { accessToken: Item.accessToken, expiresAtMs: Item.expiresAtMs, fingerprint: Item.fingerprint };
  }

  async put(workspaceId: string, key: string, token: StoredToken): Promise<void> {
    const item = { ...tokenKey(workspaceId, key), ...token, expiresAt: Math.ceil(token.expiresAtMs / 1000) };
    await this.table.doc.send(new PutCommand({ TableName: this.table.name, Item: item }));
  }

  async delete(workspaceId: string, key: string): Promise<void> {
    await this.table.doc.send(new DeleteCommand({ TableName: this.table.name, Key: tokenKey(workspaceId, key) }));
  }
}

/**
 * The requests counted in one second toward a connection's brand (its rate cap): one counter per
 * connection and second, incremented atomically (the new count is the slot), gone by TTL a minute later.
 */
export class RateWindowRepository implements RateWindowStore {
  constructor(private readonly table: Table) {}

  async take(workspaceId: string, connection: string, second: number): Promise<number> {
    const { Attributes } = await this.table.doc.send(
      new UpdateCommand({
        TableName: this.table.name,
        Key: { pk: `RATE#${workspaceId}#${connection}`, sk: `S#${second}` },
        UpdateExpression: 'ADD taken :one SET expiresAt = :expires',
        ExpressionAttributeValues: { ':one': 1, ':expires': second + 60 },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    return Number(Attributes?.taken ?? Number.POSITIVE_INFINITY);
  }
}

/**
 * The requests in flight toward each connection's brand (its rate cap's `inFlight`), fleet-wide: one
 * item per connection (`INFLIGHT#<ws>#<connection>` / `LEASES`), `held` a number set of lease ids, each
 * carrying its own expiry like the executor's (shared/store/executorLeases.ts). One conditional
 * UpdateItem takes a lease (ADD, while fewer than the limit are held), one gives it back (DELETE); a
 * lease past its expiry, left by an executor that crashed mid-request, is removed when one is refused.
 */
export class InFlightRepository implements InFlightStore {
  constructor(private readonly table: Table) {}

  async acquire(workspaceId: string, connection: string, limit: number, expiresAtMs: number, now: number): Promise<number | undefined> {
    const id = leaseId(expiresAtMs);
    if (await this.tryAdd(workspaceId, connection, id, limit)) return id;
    const { Item } = await this.table.doc.send(
      new GetCommand({ TableName: this.table.name, Key: inFlightKey(workspaceId, connection), ConsistentRead: true }),
    );
    const held = Item?.held instanceof Set ? [...(Item.held as Set<number>)].map(Number) : [];
    const expired = held.filter((lease) => leaseExpiry(lease) < now);
    if (expired.length === 0) return undefined;
    await this.table.doc.send(
      new UpdateCommand({
        TableName: this.table.name,
        Key: inFlightKey(workspaceId, connection),
        UpdateExpression: 'DELETE held :gone',
        ExpressionAttributeValues: { ':gone': new Set(expired) },
      }),
    );
    return (await this.tryAdd(workspaceId, connection, id, limit)) ? id : undefined;
  }

  async release(workspaceId: string, connection: string, id: number): Promise<void> {
    await this.table.doc.send(
      new UpdateCommand({
        TableName: this.table.name,
        Key: inFlightKey(workspaceId, connection),
        UpdateExpression: 'DELETE held :id',
        ExpressionAttributeValues: { ':id': new Set([id]) },
      }),
    );
  }

  private async tryAdd(workspaceId: string, connection: string, id: number, limit: number): Promise<boolean> {
    try {
      await this.table.doc.send(
        new UpdateCommand({
          TableName: this.table.name,
          Key: inFlightKey(workspaceId, connection),
          UpdateExpression: 'ADD held :id',
          ConditionExpression: 'attribute_not_exists(held) OR size(held) < :limit',
          ExpressionAttributeValues: { ':id': new Set([id]), ':limit': limit },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailed(error)) return false;
      throw error;
    }
  }
}

const inFlightKey = (workspaceId: string, connection: string) => ({ pk: `INFLIGHT#${workspaceId}#${connection}`, sk: 'LEASES' });
