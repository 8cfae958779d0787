import { DeleteMessageBatchCommand, ReceiveMessageCommand, type Message, type SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { lambdaContext } from './lambdaContext';

export type SqsHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse | void>;

export interface SqsEventSourceOptions {
  sqs: SQSClient;
  queueUrl: string;
  queueArn: string;
  functionName: string;
  handler: SqsHandler;
  /** Records per invocation, like the mapping's BatchSize. @default 10 */
  batchSize?: number;
  /** Invocations at once, like the mapping's MaximumConcurrency. @default 2 */
  concurrency?: number;
  /** Pause between empty polls. @default 20 */
  idlePollMs?: number;
  onError?: (error: unknown) => void;
}

export interface SqsEventSource {
  stop(): Promise<void>;
  /** Resolves once no invocation is running and the last poll found nothing. */
  idle(): Promise<void>;
}

/**
 * Does locally what Lambda's SQS event source mapping does: polls, invokes the handler with batches,
 * deletes what succeeded and leaves `batchItemFailures` (or the whole batch, if the handler threw) to
 * reappear after the visibility timeout, until the queue's redrive policy moves them to the DLQ.
 */
export function startSqsEventSource(options: SqsEventSourceOptions): SqsEventSource {
  const batchSize = options.batchSize ?? 10;
  const idlePollMs = options.idlePollMs ?? 20;
  let running = true;
  let busy = 0;
  let lastPollEmpty = false;

  async function pollOnce(): Promise<boolean> {
    // Short polls: local-aws-sqs answers long polls with duplicated records.
    const received = await options.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: options.queueUrl,
        MaxNumberOfMessages: batchSize,
        WaitTimeSeconds: 0,
        MessageSystemAttributeNames: ['All'],
        MessageAttributeNames: ['All'],
      }),
    );
    const messages = received.Messages ?? [];
    if (messages.length === 0) return false;
    busy += 1;
    try {
      const event: SQSEvent = { Records: messages.map((m) => toRecord(m, options.queueArn)) };
      let failed: Set<string>;
      try {
        const response = await options.handler(event, lambdaContext(options.functionName, 90_000));
        failed = new Set((response?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
      } catch (error) {
        options.onError?.(error);
        failed = new Set(messages.map((m) => m.MessageId ?? ''));
      }
      const done = messages.filter((m) => m.MessageId && !failed.has(m.MessageId));
      if (done.length > 0) {
        await options.sqs.send(
          new DeleteMessageBatchCommand({
            QueueUrl: options.queueUrl,
            Entries: done.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle ?? '' })),
          }),
        );
      }
    } finally {
      busy -= 1;
    }
    return true;
  }

  async function loop(): Promise<void> {
    while (running) {
      let worked = false;
      try {
        worked = await pollOnce();
      } catch (error) {
        if (running) options.onError?.(error);
      }
      lastPollEmpty = !worked;
      if (!worked && running) await new Promise((resolve) => setTimeout(resolve, idlePollMs));
    }
  }

  const loops = Array.from({ length: options.concurrency ?? 2 }, () => loop());

  return {
    async stop() {
      running = false;
      await Promise.all(loops);
    },
    async idle() {
      for (;;) {
        lastPollEmpty = false;
        await new Promise((resolve) => setTimeout(resolve, idlePollMs * 3));
        if (busy === 0 && lastPollEmpty) return;
      }
    },
  };
}

function toRecord(message: Message, queueArn: string): SQSRecord {
  const a = message.Attributes ?? {};
  return {
    messageId: message.MessageId ?? '',
    receiptHandle: message.ReceiptHandle ?? '',
    body: message.Body ?? '',
    attributes: {
      ApproximateReceiveCount: a.ApproximateReceiveCount ?? '1',
      SentTimestamp: a.SentTimestamp ?? String(Date.now()),
      SenderId: a.SenderId ?? 'local',
      ApproximateFirstReceiveTimestamp: a.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
      ...(a.MessageGroupId ? { MessageGroupId: a.MessageGroupId } : {}),
      ...(a.MessageDeduplicationId ? { MessageDeduplicationId: a.MessageDeduplicationId } : {}),
      ...(a.SequenceNumber ? { SequenceNumber: a.SequenceNumber } : {}),
    },
    messageAttributes: {},
    md5OfBody: message.MD5OfBody ?? '',
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: 'us-east-1',
  };
}
