import { Logger } from '@aws-lambda-powertools/logger';
import type { Context, SQSRecord } from 'aws-lambda';
import { createTimeoutHandler } from '../../../../functions/callbacks/handler';
import type { CallbackRecord, CallbackRepository } from '../../../../shared/store/callbacks';
import type { TurnJob } from '../../../../shared/jobs/job';

// The timeouts' consumer: a message that is no timeout is dropped (never better on a retry); a
// timeout whose callback was used resumes nothing; one that could not be queued is reported failed
// (SQS gives it again, up to its dead-letter queue).

function record(messageId: string, body: string): SQSRecord {
  return {
    messageId,
    receiptHandle: `rh-${messageId}`,
    body,
    attributes: { ApproximateReceiveCount: '1', SentTimestamp: '0', SenderId: 'x', ApproximateFirstReceiveTimestamp: '0' },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:ap-northeast-1:123456789012:timeouts',
    awsRegion: 'ap-northeast-1',
  };
}
const context = { getRemainingTimeInMillis: () => 10_000, functionName: 'callback-timeouts', awsRequestId: 'r' } as unknown as Context;
const waiting: CallbackRecord = {
  workspaceId: 'ws1',
  callbackId: 'cb-waiting',
  channel: { kind: 'line', id: 'c1' },
  userId: 'U1',
  flow: { flowId: 'f', version: 1 },
  blockId: 'booking',
  jobId: 'j',
  receivedAt: 0,
  deadline: 0,
  state: 'timedOut',
};

test('each timeout resumes its conversation once; a used callback nothing; a malformed message dropped; a queue failure retried', async () => {
  const sent: TurnJob[] = [];
  const callbacks = {
    use: async (_ws: string, id: string) =>
      id === 'cb-waiting' || id === 'cb-queue-down'
        ? { ok: true as const, record: { ...waiting, callbackId: id } }
        : { ok: false as const, refused: 'used' as const },
    release: async () => undefined,
  } as unknown as CallbackRepository;
  const handler = createTimeoutHandler({
    callbacks,
    queue: {
      send: async (job) =>
        job.event.type === 'callback' && job.event.callbackId === 'cb-queue-down'
          ? Promise.reject(new Error('SQS down'))
          : void sent.push(job),
    },
    logger: new Logger({ logLevel: 'SILENT' }),
  });
  const response = await handler(
    {
      Records: [
        record('m1', '{"workspaceId":"ws1","callbackId":"cb-waiting"}'),
        record('m2', '{"workspaceId":"ws1","callbackId":"cb-answered"}'),
        record('m3', '{oops'),
        record('m4', '{"workspaceId":"ws1","callbackId":"cb-queue-down"}'),
      ],
    },
    context,
  );
  expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: 'm4' }] });
  expect(sent.map((job) => [job.jobId, job.event])).toEqual([
    ['callback:ws1:cb-waiting', { type: 'callback', callbackId: 'cb-waiting', result: 'timeout' }],
  ]);
});
