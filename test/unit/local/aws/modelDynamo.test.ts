import { performance } from 'node:perf_hooks';
import { CreateTableCommand, DescribeTableCommand, TransactWriteItemsCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { createDynaliteEngine, createModelDynamoClient } from '../../../../local/aws/modelDynamo';
import type { Channel } from '../../../../shared/channels/channel';
import { createStore, TABLE_DEFINITION, type Store } from '../../../../shared/store/store';
import { createTable, deleteKeys, type Table } from '../../../../shared/store/table';

const channel: Channel = {
  workspaceId: 'ws1',
  kind: 'line',
  channelId: 'c1',
  name: 'Shop',
  secret: 's',
  accessToken: 't',
  activeFlows: [],
};

async function setUp(latencyMs = 1): Promise<{ client: DynamoDBClient; table: Table; store: Store }> {
  const client = createModelDynamoClient({ latencyMs });
  await client.send(new CreateTableCommand({ TableName: 'callcard', ...TABLE_DEFINITION }));
  const table = createTable('callcard', client);
  return { client, table, store: createStore(table) };
}

describe('model DynamoDB (dynalite in-process)', () => {
  let client: DynamoDBClient;
  let table: Table;
  let store: Store;

  beforeEach(async () => {
    ({ client, table, store } = await setUp());
  });
  afterEach(() => client.destroy());

  test('a table created with CreateTableCommand is ACTIVE, with its GSI, when the call returns', async () => {
    const { Table: description } = await client.send(new DescribeTableCommand({ TableName: 'callcard' }));
    expect(description?.TableStatus).toBe('ACTIVE');
    expect(description?.GlobalSecondaryIndexes?.map((i) => i.IndexName)).toEqual(['gsi1']);
  });

  test('puts and gets a channel through the ChannelRepository', async () => {
    await store.channels.put(channel);
    await expect(store.channels.get('line', 'c1')).resolves.toEqual(channel);
    await expect(store.channels.get('line', 'nope')).resolves.toBeUndefined();
  });

  test('a conditional put fails with ConditionalCheckFailedException: the event ledger claims once', async () => {
    await expect(store.events.claim('line:c1', 'ev1')).resolves.toBe(true);
    await expect(store.events.claim('line:c1', 'ev1')).resolves.toBe(false);
    await expect(store.events.claim('line:c1', 'ev2')).resolves.toBe(true);

    const error: unknown = await table.doc
      .send(
        new PutCommand({
          TableName: 'callcard',
          Item: { pk: 'EVENT#line:c1#ev1', sk: 'EVENT' },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      )
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'ConditionalCheckFailedException', $metadata: { httpStatusCode: 400 } });
  });

  test('UpdateCommand: expressions, if_not_exists, ReturnValues and conditions (ChannelRepository.save / setActiveFlows)', async () => {
    const created = await store.channels.save('ws1', 'line', 'c1', { name: 'Shop', secret: 's', accessToken: 't' });
    expect(created).toMatchObject({ outcome: 'created', channel: { name: 'Shop' } });
    const renamed = await store.channels.save('ws1', 'line', 'c1', { name: 'Shop 2' });
    expect(renamed).toMatchObject({ outcome: 'updated', channel: { name: 'Shop 2', secret: 's' } });
    await expect(store.channels.save('ws2', 'line', 'c1', { name: 'x', secret: 's', accessToken: 't' })).resolves.toEqual({
      outcome: 'taken',
    });
    await expect(store.channels.setActiveFlows('line', 'c1', 'ws1', [{ flowId: 'f', version: 2 }], 0)).resolves.toBe('set');
    await expect(store.channels.setActiveFlows('line', 'c1', 'ws2', [{ flowId: 'f', version: 3 }], 1)).resolves.toBe('missing');
    // A write from a stale read (revision 0 again) changes nothing.
    await expect(store.channels.setActiveFlows('line', 'c1', 'ws1', [{ flowId: 'g', version: 1 }], 0)).resolves.toBe('stale');
    await expect(store.channels.get('line', 'c1')).resolves.toMatchObject({
      name: 'Shop 2',
      activeFlows: [{ flowId: 'f', version: 2 }],
      activeFlowsRevision: 1,
    });

    const { Attributes } = await table.doc.send(
      new UpdateCommand({
        TableName: 'callcard',
        Key: { pk: 'COUNTER', sk: 'X' },
        UpdateExpression: 'ADD hits :one',
        ExpressionAttributeValues: { ':one': 1 },
        ReturnValues: 'ALL_NEW',
      }),
    );
    expect(Attributes).toEqual({ pk: 'COUNTER', sk: 'X', hits: 1 });
  });

  test("Query on gsi1: a workspace's channels", async () => {
    await store.channels.put(channel);
    await store.channels.put({ ...channel, channelId: 'c2' });
    await store.channels.put({ ...channel, workspaceId: 'other', channelId: 'c3' });
    const listed = await store.channels.listForWorkspace('ws1');
    expect(listed.map((c) => c.channelId)).toEqual(['c1', 'c2']);
  });

  test('projection, ConsistentRead and BatchWrite deletes', async () => {
    await store.channels.put(channel);
    const { Item } = await table.doc.send(
      new GetCommand({
        TableName: 'callcard',
        Key: { pk: 'CHANNEL#line#c1', sk: 'CHANNEL' },
        ProjectionExpression: 'channelId, #n',
        ExpressionAttributeNames: { '#n': 'name' },
        ConsistentRead: true,
      }),
    );
    expect(Item).toEqual({ channelId: 'c1', name: 'Shop' });
    await deleteKeys(table, [{ pk: 'CHANNEL#line#c1', sk: 'CHANNEL' }]);
    await expect(store.channels.get('line', 'c1')).resolves.toBeUndefined();
  });

  test('an operation dynalite does not implement is refused as by the dynalite server', async () => {
    const error: unknown = await client
      .send(
        new TransactWriteItemsCommand({ TransactItems: [{ Put: { TableName: 'callcard', Item: { pk: { S: 'a' }, sk: { S: 'b' } } } }] }),
      )
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'UnknownOperationException' });
  });

  test('clients given one engine share its tables', async () => {
    const engine = createDynaliteEngine();
    const a = createModelDynamoClient({ latencyMs: 0, engine });
    const b = createModelDynamoClient({ latencyMs: 0, engine });
    await a.send(new CreateTableCommand({ TableName: 'callcard', ...TABLE_DEFINITION }));
    await createStore(createTable('callcard', a)).channels.put(channel);
    await expect(createStore(createTable('callcard', b)).channels.get('line', 'c1')).resolves.toEqual(channel);
    a.destroy();
    b.destroy();
    engine.close();
  });
});

describe('model DynamoDB latency', () => {
  test('every call takes at least latencyMs, concurrent calls overlap', async () => {
    const { client, store } = await setUp(25);
    await store.channels.put(channel);
    let started = performance.now();
    await store.channels.get('line', 'c1');
    expect(performance.now() - started).toBeGreaterThanOrEqual(25);

    started = performance.now();
    const results = await Promise.all(Array.from({ length: 20 }, () => store.channels.get('line', 'c1')));
    expect(results).toHaveLength(20);
    // 20 calls at once still pay one latency each, at least (no upper bound here: timings belong to the bench).
    expect(performance.now() - started).toBeGreaterThanOrEqual(25);
    client.destroy();
  });

  test('no socket is opened', async () => {
    const { client, store } = await setUp(5);
    const sockets = () => process.getActiveResourcesInfo().filter((r) => /TCP|TLS/i.test(r));
    const before = sockets();
    const pending = store.channels.get('line', 'c1');
    expect(sockets()).toEqual(before);
    await pending;
    client.destroy();
  });
});
