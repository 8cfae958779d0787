import type { Logger } from '@aws-lambda-powertools/logger';
import type { Context, SQSRecord } from 'aws-lambda';
import { createHandler } from '../../../../functions/executor/handler';
import type { ExecutorDeps } from '../../../../functions/executor/processTurnJob';

// A record whose body is not a job never gets better: dropped (not reported failed, so it is not
// received again) and logged once with the paths of its problems.

function record(messageId: string, body: string): SQSRecord {
  return {
    messageId,
    receiptHandle: `rh-${messageId}`,
    body,
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: '0',
      SenderId: 'x',
      ApproximateFirstReceiveTimestamp: '0',
      MessageGroupId: `g-${messageId}`,
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:ap-northeast-1:123456789012:jobs.fifo',
    awsRegion: 'ap-northeast-1',
  };
}

test('malformed records are dropped and logged with their problems, never retried', async () => {
  const errors: Array<[string, unknown]> = [];
  const logger = {
    error: (message: string, extra: unknown) => errors.push([message, extra]),
    info: () => undefined,
    warn: () => undefined,
    addContext: () => undefined,
    resetKeys: () => undefined,
    refreshSampleRateCalculation: () => undefined,
    logEventIfEnabled: () => undefined,
    appendKeys: () => undefined,
    removeKeys: () => undefined,
    getPersistentLogAttributes: () => ({}),
    addPersistentLogAttributes: () => undefined,
    clearBuffer: () => undefined,
  } as unknown as Logger;
  const deps = {
    logger,
    store: {},
    fetch: async () => {
      throw new Error('no call');
    },
    senderFor: () => {
      throw new Error('no send');
    },
  } as unknown as ExecutorDeps;
  const handler = createHandler(deps);
  const response = await handler({ Records: [record('not-json', '{oops'), record('not-a-job', '{"jobId":42}')] }, {
    getRemainingTimeInMillis: () => 90_000,
    functionName: 'executor',
    awsRequestId: 'r',
  } as unknown as Context);
  expect(response).toEqual({ batchItemFailures: [] });
  expect(errors.map(([message]) => message)).toEqual(['malformed job dropped', 'malformed job dropped']);
  const problems = errors.map(([, extra]) => extra as { messageId: string; problems: string[] });
  expect(problems.map((p) => p.messageId)).toEqual(['not-json', 'not-a-job']);
  expect(problems[0]?.problems).toEqual(['']);
  expect(problems[1]?.problems).toEqual(expect.arrayContaining(['jobId']));
});
