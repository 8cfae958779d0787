import type { SQSRecord } from 'aws-lambda';
import { processFifoBatch } from '../../../../functions/executor/processFifoBatch';

function record(messageId: string, group: string): SQSRecord {
  return {
    messageId,
    receiptHandle: messageId,
    body: messageId,
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: '0',
      SenderId: 's',
      ApproximateFirstReceiveTimestamp: '0',
      MessageGroupId: group,
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:0:q.fifo',
    awsRegion: 'us-east-1',
  };
}

describe('processFifoBatch', () => {
  test('conversations run in parallel, each in order', async () => {
    const log: string[] = [];
    const slow = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    const started = Date.now();
    const result = await processFifoBatch([record('a1', 'a'), record('b1', 'b'), record('a2', 'a'), record('b2', 'b')], async (r) => {
      log.push(`start ${r.messageId}`);
      await slow(r.messageId.startsWith('a') ? 60 : 10);
      log.push(`end ${r.messageId}`);
    });
    expect(result.batchItemFailures).toEqual([]);
    // b's two turns finish while a's first is still running: one slow brand does not hold up others.
    expect(log.indexOf('end b2')).toBeLessThan(log.indexOf('end a1'));
    expect(log.indexOf('end a1')).toBeLessThan(log.indexOf('start a2'));
    expect(Date.now() - started).toBeLessThan(120 + 100);
  });

  test('after a failure, the rest of that conversation is reported failed, unprocessed; other conversations go on', async () => {
    const processed: string[] = [];
    const result = await processFifoBatch(
      [record('a1', 'a'), record('b1', 'b'), record('a2', 'a'), record('a3', 'a'), record('b2', 'b')],
      async (r) => {
        if (r.messageId === 'a2') throw new Error('LINE is down');
        processed.push(r.messageId);
      },
    );
    expect(result.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(['a2', 'a3']);
    expect(processed.sort()).toEqual(['a1', 'b1', 'b2']);
  });
});
