import { costPer1000Turns, usageOfTurns } from '../../../bench/cost';
import type { CallRecord } from '../../../local/aws/callRecorder';

/** The bench's price arithmetic (bench/cost.ts): what it counts, in which units. */
describe('cost per 1,000 turns', () => {
  const call = (service: string, operation: string, extra: Partial<CallRecord> = {}): CallRecord => ({
    service,
    operation,
    startedAt: 0,
    endedAt: 1,
    ...extra,
  });

  test('DynamoDB units by kind, SQS in 64 KB chunks (empty long polls aside), Lambda GB-seconds at the memory', () => {
    const calls = [
      call('dynamodb', 'BatchGetItem', { capacityUnits: 2 }),
      call('dynamodb', 'UpdateItem', { capacityUnits: 3 }),
      call('dynamodb', 'PutItem', { capacityUnits: 1 }),
      call('sqs', 'SendMessage', { payloadBytes: 70 * 1024 }),
      call('sqs', 'ReceiveMessage', { payloadBytes: 0 }),
      call('sqs', 'ReceiveMessage', { payloadBytes: 500 }),
      call('sqs', 'DeleteMessageBatch', { payloadBytes: 0 }),
    ];
    const usage = usageOfTurns([{ calls, webhookMs: 19.2, executorMs: 199.1, callcardLogBytes: 1000 }], { webhook: 512, executor: 1024 });
    expect(usage.dynamo).toEqual({ readUnits: 2, writeUnits: 4, calls: 3 });
    // 70 KB is two chunks; the empty receive is the queue's idle polling, not the turn's.
    expect(usage.sqsRequests).toBe(4);
    expect(usage.lambda.billedMs).toEqual({ webhook: 20, executor: 200 });
    expect(usage.lambda.gbSeconds).toBeCloseTo(0.02 * 0.5 + 0.2 * 1, 10);
  });

  test('priced per 1,000 turns with the table', () => {
    const cost = costPer1000Turns({
      lambda: { invocations: 2, billedMs: { webhook: 0, executor: 0 }, gbSeconds: 0.1 },
      apiGatewayRequests: 1,
      sqsRequests: 3,
      dynamo: { readUnits: 6, writeUnits: 9, calls: 12 },
      logBytes: { callcard: 1024 ** 3 / 1000, platform: 0 },
      traces: 2,
    });
    expect(cost.parts).toEqual({
      lambdaRequests: 0.0004,
      lambdaDuration: 0.001333,
      apiGateway: 0.001,
      sqs: 0.0015,
      dynamoReads: 0.00075,
      dynamoWrites: 0.005625,
      logs: 0.5,
      xray: 0.01,
    });
    expect(cost.total).toBeCloseTo(0.520608, 6);
  });
});
