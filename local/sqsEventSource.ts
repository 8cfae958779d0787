import { performance } from 'node:perf_hooks';
import { DeleteMessageBatchCommand, ReceiveMessageCommand, type Message, type SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { lambdaContext, runInvocation } from './lambdaContext';

export type SqsHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse | void>;

export interface SqsEventSourceOptions {
  sqs: SQSClient;
  queueUrl: string;
  queueArn: string;
  functionName: string;
  handler: SqsHandler;
  /** Records per invocation, like the mapping's BatchSize. @default 10 */
  batchSize?: number;
  /** Invocations at once, like the mapping's MaximumConcurrency (infra's default: EXECUTOR_DEFAULTS). @default 10 */
  concurrency?: number;
  /** Pause between empty polls (a send wakes the poller at once: see wake()). @default 100 */
  idlePollMs?: number;
  /** Long polls: the receive waits this long for a message (no pause between polls then). @default 0 */
  waitTimeSeconds?: number;
  /**
   * The function's timeout, as its context reports it (`getRemainingTimeInMillis`): the executor's
   * middy ends an invocation there, as Lambda would, and its leases lapse after it (fairShare.ts).
   * @default 90_000 (the executor's, infra/functions.ts)
   */
  timeoutMs?: number;
  onError?: (error: unknown) => void;
}

export interface SqsEventSource {
  stop(): Promise<void>;
  /** Resolves once no invocation is running and the last poll found nothing. */
  idle(): Promise<void>;
  /**
   * A message was just sent: poll now instead of after the idle pause. Lambda's event source long-polls,
   * so SQS hands it a message as soon as it is sent; this gives the local one the same timing.
   */
  wake(): void;
}

/**
 * Does locally what Lambda's SQS event source mapping does: polls, invokes the handler with batches,
 * deletes what succeeded and leaves `batchItemFailures` (or the whole batch, if the handler threw) to
 * reappear after the visibility timeout, until the queue's redrive policy moves them to the DLQ.
 */
export function startSqsEventSource(options: SqsEventSourceOptions): SqsEventSource {
  const batchSize = options.batchSize ?? 10;
  const idlePollMs = options.idlePollMs ?? 100;
  let running = true;
  /** When the most recent poll that found the queue empty was sent. */
  let lastEmptyPollSentAt = 0;
  /** A send happened since the current poll was sent: poll again at once. */
  let woken = false;
  let endPause: (() => void) | undefined;
  const pending = new Set<Promise<unknown>>();
  /**
   * The last invocation of each FIFO message group, resolving to whether all its records succeeded.
   * SQS never hands out a group's next message while one is in flight; local-aws-sqs does, so the
   * event source keeps a group's turns in order itself.
   */
  const groupTails = new Map<string, Promise<boolean>>();

  /** Invoke the handler with one batch; true when every record succeeded. */
  async function invoke(messages: Message[]): Promise<boolean> {
    const event: SQSEvent = { Records: messages.map((m) => toRecord(m, options.queueArn)) };
    let failed: Set<string>;
    try {
      const response = await runInvocation(options.functionName, () =>
        options.handler(event, lambdaContext(options.functionName, options.timeoutMs ?? 90_000)),
      );
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
    // Failed records stay invisible until the visibility timeout, then come back (or go to the DLQ).
    return failed.size === 0;
  }

  function track<T>(work: Promise<T>): Promise<T> {
    pending.add(work);
    void work.finally(() => pending.delete(work)).catch(() => undefined);
    return work;
  }

  async function pollOnce(): Promise<boolean> {
    // Short polls on local-aws-sqs: it answers long polls with duplicated records.
    const received = await options.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: options.queueUrl,
        MaxNumberOfMessages: batchSize,
        WaitTimeSeconds: options.waitTimeSeconds ?? 0,
        MessageSystemAttributeNames: ['All'],
        // local-aws-sqs only answers the older name; without it no MessageGroupId comes back.
        AttributeNames: ['All'],
        MessageAttributeNames: ['All'],
      }),
    );
    const messages = received.Messages ?? [];
    if (messages.length === 0) return false;
    const byGroup = new Map<string, Message[]>();
    for (const message of messages) {
      const group = message.Attributes?.MessageGroupId ?? `standard:${message.MessageId ?? ''}`;
      byGroup.set(group, [...(byGroup.get(group) ?? []), message]);
    }
    const free = [...byGroup].filter(([group]) => !groupTails.has(group));
    const busy = [...byGroup].filter(([group]) => groupTails.has(group));
    if (free.length) {
      const run = track(invoke(free.flatMap(([, m]) => m)));
      for (const [group] of free) chain(group, run);
    }
    for (const [group, groupMessages] of busy) {
      const previous = groupTails.get(group) ?? Promise.resolve(true);
      // After a failure the group waits for the failed record's retry: its later records are left to come back too.
      chain(group, track(previous.then((ok) => (ok ? invoke(groupMessages) : false))));
    }
    return true;
  }

  function chain(group: string, run: Promise<boolean>): void {
    const guarded = run.catch(() => false);
    groupTails.set(group, guarded);
    void guarded.then(() => {
      if (groupTails.get(group) === guarded) groupTails.delete(group);
    });
  }

  /**
   * One poller: receiving and registering each batch's groups happen one at a time, so a group's
   * later message can never be seen before its earlier one. Invocations run concurrently, up to
   * `concurrency`, like the mapping's MaximumConcurrency.
   */
  async function loop(): Promise<void> {
    while (running) {
      if (pending.size >= concurrency) {
        await Promise.race(pending);
        continue;
      }
      let worked = false;
      woken = false;
      const sentAt = performance.now();
      try {
        worked = await pollOnce();
      } catch (error) {
        if (running) options.onError?.(error);
      }
      if (!worked) lastEmptyPollSentAt = sentAt;
      if (!worked && running && !woken && !options.waitTimeSeconds) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, idlePollMs);
          endPause = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        endPause = undefined;
      }
    }
  }

  const concurrency = options.concurrency ?? 10;
  const poller = loop();

  return {
    wake() {
      woken = true;
      endPause?.();
    },
    async stop() {
      running = false;
      endPause?.();
      await poller;
      await Promise.allSettled([...pending]);
    },
    async idle() {
      // Idle means: nothing running, and a poll sent after the last work finished found nothing.
      for (;;) {
        await new Promise((resolve) => setTimeout(resolve, idlePollMs));
        if (pending.size > 0) continue;
        const quietSince = performance.now();
        while (lastEmptyPollSentAt < quietSince && pending.size === 0) await new Promise((resolve) => setTimeout(resolve, idlePollMs));
        if (pending.size === 0) return;
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
