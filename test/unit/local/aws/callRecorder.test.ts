import { CreateTableCommand } from '@aws-sdk/client-dynamodb';
import { CreateQueueCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { recordCalls, sequentialRounds, type CallRecord } from '../../../../local/aws/callRecorder';
import { createModelDynamoClient } from '../../../../local/aws/modelDynamo';
import { createModelSqs } from '../../../../local/aws/modelSqs';
import { createStore, TABLE_DEFINITION } from '../../../../shared/store/store';
import { createTable } from '../../../../shared/store/table';

const call = (startedAt: number, endedAt: number) => ({ startedAt, endedAt });

describe('sequentialRounds', () => {
  test('no calls, no rounds', () => {
    expect(sequentialRounds([])).toBe(0);
  });

  test('calls issued together are one round', () => {
    expect(sequentialRounds([call(0, 5), call(0.1, 6), call(0.2, 5.5)])).toBe(1);
  });

  test('each call awaited before the next is a round', () => {
    expect(sequentialRounds([call(0, 5), call(5.1, 10), call(10.2, 15)])).toBe(3);
  });

  test('order of the records does not matter', () => {
    expect(sequentialRounds([call(10.2, 15), call(0, 5), call(5.1, 10)])).toBe(3);
  });

  test('a call started once any call of the round had finished opens a new round', () => {
    // Promise.all([a, b.then(c)]) with a slow: c follows b, so two rounds even though a is still running.
    expect(sequentialRounds([call(0, 20), call(0, 5), call(5.2, 10)])).toBe(2);
  });

  test('calls started together after a round are one more round', () => {
    expect(sequentialRounds([call(0, 5), call(5.5, 10), call(5.6, 11), call(5.7, 9)])).toBe(2);
  });
});

describe('recordCalls', () => {
  test('records each DynamoDB call with its operation and times, failures by error name', async () => {
    const client = createModelDynamoClient({ latencyMs: 5 });
    await client.send(new CreateTableCommand({ TableName: 'callcard', ...TABLE_DEFINITION }));
    const store = createStore(createTable('callcard', client));
    const calls: CallRecord[] = [];
    const stop = recordCalls(client, 'dynamodb', calls);

    await Promise.all([store.events.claim('s', 'e1'), store.channels.get('line', 'c1')]);
    await store.events.claim('s', 'e1');

    // Records are pushed as calls end: the two of the Promise.all in either order.
    expect(calls.map((c) => `${c.service} ${c.operation} ${c.error ?? 'ok'}`).sort()).toEqual([
      'dynamodb GetItem ok',
      'dynamodb PutItem ConditionalCheckFailedException',
      'dynamodb PutItem ok',
    ]);
    expect(calls).toHaveLength(3);
    for (const c of calls) expect(c.endedAt - c.startedAt).toBeGreaterThanOrEqual(5);
    expect(sequentialRounds(calls)).toBe(2);

    stop();
    await store.channels.get('line', 'c1');
    expect(calls).toHaveLength(3);
    client.destroy();
  });

  test('records SQS calls', async () => {
    const model = createModelSqs({ sendLatencyMs: 3, callLatencyMs: 1 });
    const calls: CallRecord[] = [];
    recordCalls(model.client, 'sqs', calls);
    const { QueueUrl } = await model.client.send(new CreateQueueCommand({ QueueName: 'q' }));
    await model.client.send(new SendMessageCommand({ QueueUrl, MessageBody: 'x' }));
    expect(calls.map((c) => c.operation)).toEqual(['CreateQueue', 'SendMessage']);
    expect((calls[1]?.endedAt ?? 0) - (calls[1]?.startedAt ?? 0)).toBeGreaterThanOrEqual(3);
    model.close();
    model.client.destroy();
  });
});
