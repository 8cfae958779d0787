import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchGetItemCommand,
  BatchWriteItemCommand,
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  QueryCommand as QueryItemsCommand,
  UpdateItemCommand,
  type AttributeValue,
  type KeysAndAttributes,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  BatchWriteCommand,
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  type BatchGetCommandOutput,
  type BatchWriteCommandOutput,
  type DeleteCommandOutput,
  type GetCommandOutput,
  type PutCommandOutput,
  type QueryCommandOutput,
  type UpdateCommandOutput,
} from '@aws-sdk/lib-dynamodb';
import { convertToAttr, convertToNative } from '@aws-sdk/util-dynamodb';

type Item = Record<string, unknown>;
type Raw = Record<string, AttributeValue>;

/**
 * Keys no stored map keeps: `__proto__` cannot travel (the SDK's wire format and every `obj[key] =`
 * reader would turn it into a prototype), so a brand's or customer's `__proto__` key is left out when
 * written and when read. Flow documents and secret names refuse it (and `constructor`, `prototype`)
 * at validation; see shared/flow/reservedKeys.ts.
 */
const UNSTORABLE_KEY = '__proto__';

/**
 * The repositories' DynamoDB client: takes lib-dynamodb's commands (plain JavaScript values) and
 * sends them through a plain `DynamoDBClient` built with `cacheMiddleware`, marshalling with
 * @aws-sdk/util-dynamodb exactly as the document client does (undefined values removed).
 *
 * Why not `DynamoDBDocumentClient` itself: it refuses `cacheMiddleware`, and without it the SDK
 * rebuilds and sorts the middleware stack on every call. Measured on the bench's in-memory model:
 * 266 µs of SDK CPU per GetItem through the document client, 132 µs through this (docs/BENCHMARKS.md).
 */
export interface DocumentClient {
  send(command: GetCommand): Promise<GetCommandOutput>;
  send(command: PutCommand): Promise<PutCommandOutput>;
  send(command: UpdateCommand): Promise<UpdateCommandOutput>;
  send(command: DeleteCommand): Promise<DeleteCommandOutput>;
  send(command: QueryCommand): Promise<QueryCommandOutput>;
  send(command: BatchWriteCommand): Promise<BatchWriteCommandOutput>;
  send(command: BatchGetCommand): Promise<BatchGetCommandOutput>;
  /** The plain client underneath. */
  readonly client: DynamoDBClient;
  destroy(): void;
}

type Supported = GetCommand | PutCommand | UpdateCommand | DeleteCommand | QueryCommand | BatchWriteCommand | BatchGetCommand;

/**
 * A plain object (or array) as a DynamoDB value, by its own keys, undefined values removed as the
 * document client does. Written here rather than with util-dynamodb's `marshall`, which picks a type
 * by `value.constructor.name`: a brand answer or an attribute map with a key named `constructor`
 * (`{"constructor": "x"}`) made it throw, failing the admin's save with a 500 and the customer's turn
 * into the dead-letter queue. Anything else (strings, numbers, sets, binary) goes to `convertToAttr`.
 */
function attributeOf(value: unknown): AttributeValue | undefined {
  if (value === undefined || typeof value === 'function') return undefined;
  if (Array.isArray(value)) return { L: value.map(attributeOf).filter((item) => item !== undefined) };
  const prototype: unknown = typeof value === 'object' && value !== null ? Object.getPrototypeOf(value) : undefined;
  if (prototype === Object.prototype || prototype === null) return { M: mapOf(value as Item) };
  return convertToAttr(value, { removeUndefinedValues: true });
}

// Object.fromEntries defines each key as the object's own property (never assigns it): a key named
// like an Object.prototype member is the item's own data.
const mapOf = (value: Item): Raw =>
  Object.fromEntries(
    Object.entries(value).flatMap(([key, item]) => {
      const attribute = key === UNSTORABLE_KEY ? undefined : attributeOf(item);
      return attribute ? [[key, attribute]] : [];
    }),
  );

/** A DynamoDB value as JavaScript: each key of a map is the object's own property, never a prototype's. */
function nativeOf(value: AttributeValue): unknown {
  if (value.L) return value.L.map(nativeOf);
  if (!value.M) return convertToNative(value);
  return Object.fromEntries(Object.entries(value.M).flatMap(([key, item]) => (key === UNSTORABLE_KEY ? [] : [[key, nativeOf(item)]])));
}

const toRaw = (value: Item): Raw => mapOf(value);
const fromRaw = (value: Raw): Item => nativeOf({ M: value }) as Item;
const optional = <T, R>(value: T | undefined, map: (v: T) => R): R | undefined => (value === undefined ? undefined : map(value));

export function createDocumentClient(client: DynamoDBClient): DocumentClient {
  async function send(command: Supported): Promise<unknown> {
    if (command instanceof GetCommand) {
      const { Key, ...rest } = command.input;
      const out = await client.send(new GetItemCommand({ ...rest, Key: toRaw(Key ?? {}) }));
      return { ...out, Item: optional(out.Item, fromRaw) };
    }
    if (command instanceof PutCommand) {
      const { Item: item, ExpressionAttributeValues, ...rest } = command.input;
      const out = await client.send(
        new PutItemCommand({ ...rest, Item: toRaw(item ?? {}), ExpressionAttributeValues: optional(ExpressionAttributeValues, toRaw) }),
      );
      return { ...out, Attributes: optional(out.Attributes, fromRaw) };
    }
    if (command instanceof UpdateCommand) {
      const { Key, ExpressionAttributeValues, AttributeUpdates, Expected, ...rest } = command.input;
      if (AttributeUpdates || Expected) throw new Error('legacy UpdateItem parameters are not supported');
      const out = await client.send(
        new UpdateItemCommand({ ...rest, Key: toRaw(Key ?? {}), ExpressionAttributeValues: optional(ExpressionAttributeValues, toRaw) }),
      );
      return { ...out, Attributes: optional(out.Attributes, fromRaw) };
    }
    if (command instanceof DeleteCommand) {
      const { Key, ExpressionAttributeValues, Expected, ...rest } = command.input;
      if (Expected) throw new Error('legacy DeleteItem parameters are not supported');
      const out = await client.send(
        new DeleteItemCommand({ ...rest, Key: toRaw(Key ?? {}), ExpressionAttributeValues: optional(ExpressionAttributeValues, toRaw) }),
      );
      return { ...out, Attributes: optional(out.Attributes, fromRaw) };
    }
    if (command instanceof QueryCommand) {
      const { ExpressionAttributeValues, ExclusiveStartKey, KeyConditions, QueryFilter, ...rest } = command.input;
      if (KeyConditions || QueryFilter) throw new Error('legacy Query parameters are not supported');
      const out = await client.send(
        new QueryItemsCommand({
          ...rest,
          ExpressionAttributeValues: optional(ExpressionAttributeValues, toRaw),
          ExclusiveStartKey: optional(ExclusiveStartKey, toRaw),
        }),
      );
      return { ...out, Items: out.Items?.map(fromRaw), LastEvaluatedKey: optional(out.LastEvaluatedKey, fromRaw) };
    }
    if (command instanceof BatchWriteCommand) {
      const requests = Object.fromEntries(
        Object.entries(command.input.RequestItems ?? {}).map(([table, writes]) => [
          table,
          writes.map((w): WriteRequest => ({
            ...(w.PutRequest ? { PutRequest: { Item: toRaw(w.PutRequest.Item ?? {}) } } : {}),
            ...(w.DeleteRequest ? { DeleteRequest: { Key: toRaw(w.DeleteRequest.Key ?? {}) } } : {}),
          })),
        ]),
      );
      const out = await client.send(new BatchWriteItemCommand({ ...command.input, RequestItems: requests }));
      const unprocessed = Object.fromEntries(
        Object.entries(out.UnprocessedItems ?? {}).map(([table, writes]) => [
          table,
          writes.map((w) => ({
            ...(w.PutRequest?.Item ? { PutRequest: { Item: fromRaw(w.PutRequest.Item) } } : {}),
            ...(w.DeleteRequest?.Key ? { DeleteRequest: { Key: fromRaw(w.DeleteRequest.Key) } } : {}),
          })),
        ]),
      );
      return { ...out, UnprocessedItems: unprocessed, ItemCollectionMetrics: undefined };
    }
    if (command instanceof BatchGetCommand) {
      const requests = Object.fromEntries(
        Object.entries(command.input.RequestItems ?? {}).map(([table, request]): [string, KeysAndAttributes] => [
          table,
          { ...request, Keys: (request.Keys ?? []).map(toRaw) },
        ]),
      );
      const out = await client.send(new BatchGetItemCommand({ ...command.input, RequestItems: requests }));
      return {
        ...out,
        Responses: Object.fromEntries(Object.entries(out.Responses ?? {}).map(([table, items]) => [table, items.map(fromRaw)])),
        UnprocessedKeys: Object.fromEntries(
          Object.entries(out.UnprocessedKeys ?? {}).map(([table, request]) => [
            table,
            { ...request, Keys: (request.Keys ?? []).map(fromRaw) },
          ]),
        ),
      };
    }
    throw new Error('unsupported DynamoDB command');
  }
  return { send: send as DocumentClient['send'], client, destroy: () => client.destroy() };
}
