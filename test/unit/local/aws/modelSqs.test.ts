import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import {
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  type Message,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { createModelSqs, type ModelSqs } from '../../../../local/aws/modelSqs';
import { startSqsEventSource } from '../../../../local/sqsEventSource';
import { createJobQueue } from '../../../../shared/jobs/jobQueue';
import { conversationKey, type TurnJob } from '../../../../shared/jobs/job';

const SEND_MS = 10;
const PICKUP_MS = 20;
const CALL_MS = 5;

function job(jobId: string, userId = 'U1'): TurnJob {
  return {
    v: 1,
    jobId,
    workspaceId: 'ws1',
    channel: { kind: 'line', id: 'c1' },
    userId,
    event: { type: 'text', text: 'hi' },
    receivedAt: 0,
    flow: { flowId: 'f', version: 1 },
  };
}

const digest = (value: string) => createHash('sha256').update(value).digest('hex');
const jobIdOf = (m: Message | undefined) => (JSON.parse(m?.Body ?? '{}') as TurnJob).jobId;

/** The queues of the local stack: a FIFO jobs queue redriving to a FIFO DLQ. */
async function createQueues(sqs: SQSClient, visibilityTimeout = 30, maxReceiveCount = 5) {
  const dlq = await sqs.send(new CreateQueueCommand({ QueueName: 'callcard-jobs-dlq.fifo', Attributes: { FifoQueue: 'true' } }));
  const dlqUrl = dlq.QueueUrl ?? '';
  const dlqAttributes = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ['QueueArn'] }));
  const queue = await sqs.send(
    new CreateQueueCommand({
      QueueName: 'callcard-jobs.fifo',
      Attributes: {
        FifoQueue: 'true',
        VisibilityTimeout: String(visibilityTimeout),
        RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqAttributes.Attributes?.QueueArn, maxReceiveCount }),
      },
    }),
  );
  return { queueUrl: queue.QueueUrl ?? '', dlqUrl };
}

describe('model SQS', () => {
  let model: ModelSqs;
  let sqs: SQSClient;
  let queueUrl: string;
  let dlqUrl: string;

  const receive = async (max = 10, extra: { WaitTimeSeconds?: number; VisibilityTimeout?: number; url?: string } = {}) =>
    (
      await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: extra.url ?? queueUrl,
          MaxNumberOfMessages: max,
          WaitTimeSeconds: extra.WaitTimeSeconds ?? 0,
          VisibilityTimeout: extra.VisibilityTimeout,
          MessageSystemAttributeNames: ['All'],
        }),
      )
    ).Messages ?? [];
  const depth = async (url = queueUrl) => {
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: url,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    return {
      visible: Number(Attributes?.ApproximateNumberOfMessages),
      inFlight: Number(Attributes?.ApproximateNumberOfMessagesNotVisible),
    };
  };
  const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  beforeEach(async () => {
    model = createModelSqs({ sendLatencyMs: SEND_MS, pickupMs: PICKUP_MS, callLatencyMs: CALL_MS });
    sqs = model.client;
    ({ queueUrl, dlqUrl } = await createQueues(sqs));
  });
  afterEach(() => {
    model.close();
    sqs.destroy();
  });

  test('createJobQueue sends; a long poll already waiting gets the job pickupMs after the send started', async () => {
    const jobs = createJobQueue(queueUrl, sqs);
    const sentAt = performance.now();
    const polled = receive(10, { WaitTimeSeconds: 5 }).then((messages) => ({ messages, at: performance.now() }));
    await jobs.send(job('j1'));
    expect(performance.now() - sentAt).toBeGreaterThanOrEqual(SEND_MS);
    const { messages, at } = await polled;
    expect(at - sentAt).toBeGreaterThanOrEqual(PICKUP_MS);
    expect(messages).toHaveLength(1);
    expect(JSON.parse(messages[0]?.Body ?? '')).toEqual(job('j1'));
    expect(messages[0]?.Attributes).toMatchObject({
      MessageGroupId: digest(conversationKey(job('j1'))),
      MessageDeduplicationId: digest('j1'),
      ApproximateReceiveCount: '1',
      SequenceNumber: expect.stringMatching(/^\d{20}$/),
      SentTimestamp: expect.stringMatching(/^\d+$/),
      ApproximateFirstReceiveTimestamp: expect.stringMatching(/^\d+$/),
    });
  });

  test('a sent message is not receivable before pickupMs; other calls take callLatencyMs', async () => {
    const slow = createModelSqs({ sendLatencyMs: SEND_MS, pickupMs: 200, callLatencyMs: CALL_MS });
    const client = slow.client;
    const { queueUrl: url } = await createQueues(client);
    const started = performance.now();
    await client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'x', MessageGroupId: 'g', MessageDeduplicationId: 'd' }));
    const pollAt = performance.now();
    const early = (await client.send(new ReceiveMessageCommand({ QueueUrl: url }))).Messages ?? [];
    const answeredAt = performance.now();
    expect(answeredAt - pollAt).toBeGreaterThanOrEqual(CALL_MS);
    // A poll answered before pickupMs had passed was taken before it too (no upper bound asserted on the machine).
    if (answeredAt - started < 200) expect(early).toEqual([]);
    const late = (await client.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 2 }))).Messages ?? [];
    expect(performance.now() - started).toBeGreaterThanOrEqual(200);
    expect(late.map((m) => m.Body)).toEqual(['x']);
    slow.close();
    client.destroy();
  });

  test('a long poll with nothing to receive answers after WaitTimeSeconds, empty', async () => {
    const started = performance.now();
    await expect(receive(10, { WaitTimeSeconds: 1 })).resolves.toEqual([]);
    expect(performance.now() - started).toBeGreaterThanOrEqual(1000);
  });

  test('FIFO: a group with a message in flight hands out none of its later messages', async () => {
    const jobs = createJobQueue(queueUrl, sqs);
    await jobs.send(job('a1', 'A'));
    await jobs.send(job('a2', 'A'));
    await jobs.send(job('b1', 'B'));
    await wait(PICKUP_MS);

    const first = await receive(1);
    expect(first.map(jobIdOf)).toEqual(['a1']);
    // a2 waits behind a1 (in flight); B is free.
    const second = await receive(10);
    expect(second.map(jobIdOf)).toEqual(['b1']);
    await expect(receive(10)).resolves.toEqual([]);

    // A long poll waiting on the group gets a2 as soon as a1 is deleted.
    const waiting = receive(10, { WaitTimeSeconds: 5 });
    await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: first[0]?.ReceiptHandle }));
    expect((await waiting).map(jobIdOf)).toEqual(['a2']);
  });

  test('FIFO: one receive may return several messages of a group, in order', async () => {
    const jobs = createJobQueue(queueUrl, sqs);
    for (const id of ['a1', 'b1', 'a2', 'a3']) await jobs.send(job(id, id.slice(0, 1).toUpperCase()));
    await wait(PICKUP_MS);
    expect((await receive(10)).map(jobIdOf)).toEqual(['a1', 'b1', 'a2', 'a3']);
  });

  test('FIFO deduplication: the same id within 5 minutes succeeds with the first MessageId and is not enqueued', async () => {
    const first = await sqs.send(
      new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'one', MessageGroupId: 'g', MessageDeduplicationId: 'same' }),
    );
    const again = await sqs.send(
      new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'two', MessageGroupId: 'g', MessageDeduplicationId: 'same' }),
    );
    expect(again.MessageId).toBe(first.MessageId);
    expect(again.SequenceNumber).toBe(first.SequenceNumber);

    const jobs = createJobQueue(queueUrl, sqs);
    await jobs.send(job('j1'));
    await jobs.send(job('j1'));
    // A redrive passes a fresh deduplication id: enqueued again.
    await jobs.send(job('j1'), { deduplicationId: 'redrive-1' });
    await wait(PICKUP_MS);
    expect(await depth()).toEqual({ visible: 3, inFlight: 0 });
    expect((await receive(10)).map((m) => m.Body)).toEqual(['one', JSON.stringify(job('j1')), JSON.stringify(job('j1'))]);
  });

  test('after maxReceiveCount receives a message moves to the DLQ', async () => {
    model.close();
    model = createModelSqs({ sendLatencyMs: 1, pickupMs: 1, callLatencyMs: 1 });
    sqs = model.client;
    ({ queueUrl, dlqUrl } = await createQueues(sqs, 30, 2));
    const sent = await sqs.send(
      new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'fails', MessageGroupId: 'g', MessageDeduplicationId: 'd' }),
    );
    await wait(2);

    // VisibilityTimeout 0: back at once, as after a failed invocation's timeout.
    expect(await receive(10, { VisibilityTimeout: 0 })).toHaveLength(1);
    expect((await receive(10, { VisibilityTimeout: 0 }))[0]?.Attributes?.ApproximateReceiveCount).toBe('2');
    await expect(receive(10, { VisibilityTimeout: 0 })).resolves.toEqual([]);
    expect(await depth()).toEqual({ visible: 0, inFlight: 0 });

    // Through the older AttributeNames too, as local-aws-sqs callers ask.
    const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: dlqUrl, MaxNumberOfMessages: 10, AttributeNames: ['All'] }));
    expect(Messages).toHaveLength(1);
    // The same message: its id, and its receive count going on from the source queue's.
    expect(Messages?.[0]).toMatchObject({
      MessageId: sent.MessageId,
      Body: 'fails',
      Attributes: { MessageGroupId: 'g', ApproximateReceiveCount: '3' },
    });
    expect(Messages?.[0]?.Attributes?.DeadLetterQueueSourceArn).toMatch(/:callcard-jobs\.fifo$/);
  });

  test('visibility: an undeleted message comes back after its timeout; ChangeMessageVisibility ends it early', async () => {
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'x', MessageGroupId: 'g', MessageDeduplicationId: 'd' }));
    await wait(PICKUP_MS);
    const started = performance.now();
    const [message] = await receive(1, { VisibilityTimeout: 1 });
    expect(await depth()).toEqual({ visible: 0, inFlight: 1 });
    const again = await receive(1, { WaitTimeSeconds: 5 });
    expect(performance.now() - started).toBeGreaterThanOrEqual(1000);
    expect(again[0]?.Attributes?.ApproximateReceiveCount).toBe('2');

    // The first receipt handle is stale now: deleting with it deletes nothing.
    await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message?.ReceiptHandle }));
    expect(await depth()).toEqual({ visible: 0, inFlight: 1 });

    const waiting = receive(1, { WaitTimeSeconds: 5 });
    await sqs.send(
      new ChangeMessageVisibilityCommand({ QueueUrl: queueUrl, ReceiptHandle: again[0]?.ReceiptHandle, VisibilityTimeout: 0 }),
    );
    expect((await waiting)[0]?.Attributes?.ApproximateReceiveCount).toBe('3');
  });

  test('DeleteMessageBatch reports each entry', async () => {
    for (const id of ['1', '2'])
      await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: id, MessageGroupId: id, MessageDeduplicationId: id }));
    await wait(PICKUP_MS);
    const messages = await receive(10);
    const result = await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: [...messages.map((m, i) => ({ Id: `m${i}`, ReceiptHandle: m.ReceiptHandle })), { Id: 'bad', ReceiptHandle: 'garbage' }],
      }),
    );
    expect(result.Successful?.map((s) => s.Id)).toEqual(['m0', 'm1']);
    expect(result.Failed).toEqual([expect.objectContaining({ Id: 'bad', Code: 'ReceiptHandleIsInvalid', SenderFault: true })]);
    expect(await depth()).toEqual({ visible: 0, inFlight: 0 });
  });

  test('an unknown queue fails like AWS: QueueDoesNotExist, AWS.SimpleQueueService.NonExistentQueue', async () => {
    const url = queueUrl.replace('callcard-jobs.fifo', 'missing.fifo');
    const error: unknown = await sqs
      .send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'x', MessageGroupId: 'g', MessageDeduplicationId: 'd' }))
      .catch((e: unknown) => e);
    expect(error).toMatchObject({
      name: 'QueueDoesNotExist',
      Code: 'AWS.SimpleQueueService.NonExistentQueue',
      $metadata: { httpStatusCode: 400 },
    });
  });

  test('a FIFO send without a group id is refused', async () => {
    const error: unknown = await sqs
      .send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'x', MessageDeduplicationId: 'd' }))
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'MissingParameter' });
  });

  test('close() answers waiting long polls, empty', async () => {
    const waiting = receive(10, { WaitTimeSeconds: 20 });
    await wait(1);
    model.close();
    await expect(waiting).resolves.toEqual([]);
  });

  test('the local SQS event source runs over it: groups in order, successes deleted', async () => {
    const jobs = createJobQueue(queueUrl, sqs);
    const seen: string[] = [];
    const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }));
    const source = startSqsEventSource({
      sqs,
      queueUrl,
      queueArn: Attributes?.QueueArn ?? '',
      functionName: 'executor',
      idlePollMs: 5,
      handler: async (event) => {
        for (const record of event.Records) seen.push((JSON.parse(record.body) as TurnJob).jobId);
      },
    });
    await Promise.all([jobs.send(job('a1', 'A')), jobs.send(job('b1', 'B'))]);
    await jobs.send(job('a2', 'A'));
    await wait(PICKUP_MS);
    await source.idle();
    await source.stop();
    expect(seen.filter((id) => id.startsWith('a'))).toEqual(['a1', 'a2']);
    expect([...seen].sort()).toEqual(['a1', 'a2', 'b1']);
    expect(await depth()).toEqual({ visible: 0, inFlight: 0 });
  });

  test('clients from createClient() share the queues', async () => {
    const other = model.createClient();
    await createJobQueue(queueUrl, other).send(job('j1'));
    expect((await receive(10, { WaitTimeSeconds: 1 })).map(jobIdOf)).toEqual(['j1']);
    other.destroy();
  });
});
