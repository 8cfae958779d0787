import { createHash, randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { SQSClient } from '@aws-sdk/client-sqs';
import { AWS_CLIENT_DEFAULTS } from '../../shared/config/awsClients';
import { abortError, atTime, modelHttpHandler, waitUntil, type ModelCall, type ModelReply } from './modelHttp';

/**
 * SQS on a latency model: a real `SQSClient` whose request handler keeps the queues in memory and
 * speaks the protocol the SDK uses (AWS JSON 1.0, `x-amz-target: AmazonSQS.<Operation>`, query-
 * compatible errors). What callcard uses, with SQS's semantics: FIFO groups (a group with a message
 * in flight hands out none of its later ones), deduplication within 5 minutes, visibility timeouts,
 * long polls, the redrive policy's move to the DLQ after maxReceiveCount receives.
 *
 * Latency model: a call takes effect when it starts (when the request leaves the client). SendMessage
 * answers `sendLatencyMs` after it started and its message becomes receivable `pickupMs` after it
 * started; every other call answers `callLatencyMs` after it started, except a long poll that waited:
 * it answers as soon as a message became receivable (never before `callLatencyMs`) or when its
 * WaitTimeSeconds ran out. A bench/test stand-in, not production code.
 */

export interface ModelSqsOptions {
  /** SendMessage's round trip. @default 10 */
  sendLatencyMs?: number;
  /** From the start of SendMessage until its message can be received (a waiting long poll gets it then). @default 20 */
  pickupMs?: number;
  /** Every other call's round trip. @default 5 */
  callLatencyMs?: number;
  /** @default 'us-east-1' */
  region?: string;
  /** @default '000000000000' */
  accountId?: string;
  /** FIFO deduplication interval. @default 300_000 (SQS's 5 minutes) */
  dedupWindowMs?: number;
}

export interface ModelSqs {
  client: SQSClient;
  /** Another client over the same queues (each Lambda function has its own). */
  createClient(): SQSClient;
  /** Answers the long polls still waiting (with no messages), stops the timers; later long polls answer at once. */
  close(): void;
}

interface StoredMessage {
  id: string;
  body: string;
  md5: string;
  groupId?: string;
  dedupId?: string;
  sequenceNumber?: string;
  /** Epoch ms of the send (SentTimestamp). */
  sentAt: number;
  /** performance.now() time from which it can be received (send start + pickupMs + delay). */
  availableAt: number;
  /** performance.now() time until which DelaySeconds hides it. */
  delayedUntil: number;
  /** performance.now() time until which it is in flight (received, not deleted). */
  invisibleUntil: number;
  receiveCount: number;
  firstReceivedAt?: number;
  /** The latest receipt handle: only that one deletes the message. */
  receipt?: string;
  /** Set once moved to a DLQ: the source queue's ARN. */
  deadLetterSourceArn?: string;
}

interface ReceiveRequest {
  max: number;
  visibilityMs: number;
  attributeNames: Set<string>;
}

interface Waiter extends ReceiveRequest {
  done(messages: WireMessage[]): void;
}

interface WireMessage {
  MessageId: string;
  ReceiptHandle: string;
  MD5OfBody: string;
  Body: string;
  Attributes?: Record<string, string>;
}

interface Queue {
  name: string;
  url: string;
  arn: string;
  fifo: boolean;
  /** The attributes as created (strings, as SQS keeps them). */
  attributes: Record<string, string>;
  createdAt: number;
  redrive?: { deadLetterTargetArn: string; maxReceiveCount: number };
  /** In send order: FIFO order. */
  messages: Map<string, StoredMessage>;
  dedup: Map<string, { messageId: string; sequenceNumber?: string; until: number }>;
  waiters: Waiter[];
  /** Cancels the wake-up set for the next message becoming receivable. */
  cancelWakeUp?: () => void;
}

class SqsError extends Error {
  constructor(
    /** The error shape's name (`__type` com.amazonaws.sqs#...). */
    readonly type: string,
    /** The query protocol's code (`x-amzn-query-error`), what older SDKs called the error. */
    readonly queryCode: string,
    message: string,
  ) {
    super(message);
  }
}

const queueMissing = () =>
  new SqsError('QueueDoesNotExist', 'AWS.SimpleQueueService.NonExistentQueue', 'The specified queue does not exist.');
const invalidParameter = (message: string) => new SqsError('InvalidParameterValue', 'InvalidParameterValue', message);
const missingParameter = (name: string) =>
  new SqsError('MissingParameter', 'MissingParameter', `The request must contain the parameter ${name}.`);
const invalidReceipt = (handle: string) =>
  new SqsError('ReceiptHandleIsInvalid', 'ReceiptHandleIsInvalid', `The input receipt handle "${handle}" is not a valid receipt handle.`);

const SYSTEM_ATTRIBUTES = [
  'SenderId',
  'SentTimestamp',
  'ApproximateReceiveCount',
  'ApproximateFirstReceiveTimestamp',
  'SequenceNumber',
  'MessageDeduplicationId',
  'MessageGroupId',
  'DeadLetterQueueSourceArn',
] as const;

type Input = Record<string, unknown>;

export function createModelSqs(options: ModelSqsOptions = {}): ModelSqs {
  const sendLatencyMs = options.sendLatencyMs ?? 10;
  const pickupMs = options.pickupMs ?? 20;
  const callLatencyMs = options.callLatencyMs ?? 5;
  const region = options.region ?? 'us-east-1';
  const accountId = options.accountId ?? '000000000000';
  const dedupWindowMs = options.dedupWindowMs ?? 5 * 60_000;
  const endpoint = `https://sqs.${region}.amazonaws.com`;
  const queues = new Map<string, Queue>();
  let sequence = 0;
  let receipts = 0;
  let closed = false;

  // --- queues and messages ---

  function queueOf(input: Input): Queue {
    const url = text(input, 'QueueUrl');
    const name = url.slice(url.lastIndexOf('/') + 1);
    const queue = queues.get(name);
    if (!queue || queue.url !== url) throw queueMissing();
    return queue;
  }

  function readyAt(m: StoredMessage): number {
    return Math.max(m.availableAt, m.invisibleUntil);
  }

  /** Receive up to `max` messages at time `t`: in order, skipping FIFO groups with a message in flight (or not yet receivable). */
  function take(queue: Queue, request: ReceiveRequest, t: number): WireMessage[] {
    const taken: WireMessage[] = [];
    const blockedGroups = new Set<string>();
    for (const m of [...queue.messages.values()]) {
      if (taken.length >= request.max) break;
      const group = queue.fifo ? m.groupId : undefined;
      if (readyAt(m) > t) {
        if (group !== undefined) blockedGroups.add(group);
        continue;
      }
      if (group !== undefined && blockedGroups.has(group)) continue;
      if (queue.redrive && m.receiveCount >= queue.redrive.maxReceiveCount && moveToDeadLetters(queue, m, t)) continue;
      m.receiveCount += 1;
      m.firstReceivedAt ??= Date.now();
      m.invisibleUntil = t + request.visibilityMs;
      m.receipt = Buffer.from(`${queue.name}/${m.id}/${(receipts += 1)}`).toString('base64url');
      taken.push(wire(m, request.attributeNames));
    }
    return taken;
  }

  function moveToDeadLetters(queue: Queue, m: StoredMessage, t: number): boolean {
    const dlq = [...queues.values()].find((q) => q.arn === queue.redrive?.deadLetterTargetArn);
    if (!dlq) return false;
    queue.messages.delete(m.id);
    // The same message (id, body, send time, receive count), receivable in the DLQ at once.
    dlq.messages.set(m.id, {
      ...m,
      availableAt: t,
      delayedUntil: 0,
      invisibleUntil: 0,
      receipt: undefined,
      deadLetterSourceArn: queue.arn,
    });
    pump(dlq);
    return true;
  }

  function wire(m: StoredMessage, names: Set<string>): WireMessage {
    const all: Record<(typeof SYSTEM_ATTRIBUTES)[number], string | undefined> = {
      SenderId: accountId,
      SentTimestamp: String(m.sentAt),
      ApproximateReceiveCount: String(m.receiveCount),
      ApproximateFirstReceiveTimestamp: String(m.firstReceivedAt ?? Date.now()),
      SequenceNumber: m.sequenceNumber,
      MessageDeduplicationId: m.dedupId,
      MessageGroupId: m.groupId,
      DeadLetterQueueSourceArn: m.deadLetterSourceArn,
    };
    const attributes: Record<string, string> = {};
    for (const name of SYSTEM_ATTRIBUTES) {
      const value = all[name];
      if (value !== undefined && (names.has('All') || names.has(name))) attributes[name] = value;
    }
    return {
      MessageId: m.id,
      ReceiptHandle: m.receipt ?? '',
      MD5OfBody: m.md5,
      Body: m.body,
      ...(Object.keys(attributes).length ? { Attributes: attributes } : {}),
    };
  }

  /** Hand receivable messages to waiting long polls, and wake up again when the next one becomes receivable. */
  function pump(queue: Queue): void {
    const at = performance.now();
    queue.cancelWakeUp?.();
    queue.cancelWakeUp = undefined;
    while (queue.waiters.length > 0) {
      const waiter = queue.waiters[0] as Waiter;
      const messages = take(queue, waiter, at);
      if (messages.length === 0) break;
      queue.waiters.shift();
      waiter.done(messages);
    }
    if (queue.waiters.length === 0) return;
    let next = Infinity;
    for (const m of queue.messages.values()) if (readyAt(m) > at) next = Math.min(next, readyAt(m));
    if (next < Infinity) queue.cancelWakeUp = atTime(next, () => pump(queue));
  }

  /** The message a receipt handle names, if it is still that message's latest handle. */
  function byReceipt(queue: Queue, handle: string): StoredMessage | undefined {
    const [name, id, n] = Buffer.from(handle, 'base64url').toString().split('/');
    if (name !== queue.name || !id || !n) throw invalidReceipt(handle);
    const m = queue.messages.get(id);
    return m?.receipt === handle ? m : undefined;
  }

  // --- operations ---

  function createQueue(input: Input) {
    const name = text(input, 'QueueName');
    const attributes = { ...((input.Attributes ?? {}) as Record<string, string>) };
    const fifo = attributes.FifoQueue === 'true';
    if (!/^[\w-]{1,80}$/.test(name.replace(/\.fifo$/, '')))
      throw invalidParameter('Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length');
    if (fifo !== name.endsWith('.fifo'))
      throw invalidParameter(
        'The name of a FIFO queue can only include alphanumeric characters, hyphens, or underscores, must end with .fifo suffix and be 1 to 80 in length.',
      );
    const existing = queues.get(name);
    if (existing) return { QueueUrl: existing.url };
    let redrive: Queue['redrive'];
    if (attributes.RedrivePolicy) {
      const policy = parseJson(attributes.RedrivePolicy) as { deadLetterTargetArn?: string; maxReceiveCount?: number | string };
      const dlq = [...queues.values()].find((q) => q.arn === policy.deadLetterTargetArn);
      if (!dlq || dlq.fifo !== fifo)
        throw invalidParameter(
          'Value for parameter RedrivePolicy is invalid. Reason: Dead-letter target does not exist or is of another queue type.',
        );
      redrive = { deadLetterTargetArn: dlq.arn, maxReceiveCount: Number(policy.maxReceiveCount) };
    }
    const queue: Queue = {
      name,
      url: `${endpoint}/${accountId}/${name}`,
      arn: `arn:aws:sqs:${region}:${accountId}:${name}`,
      fifo,
      attributes: { VisibilityTimeout: '30', DelaySeconds: '0', ReceiveMessageWaitTimeSeconds: '0', ...attributes },
      createdAt: Date.now(),
      redrive,
      messages: new Map(),
      dedup: new Map(),
      waiters: [],
    };
    queues.set(name, queue);
    return { QueueUrl: queue.url };
  }

  function getQueueAttributes(input: Input, t: number) {
    const queue = queueOf(input);
    const names = new Set((input.AttributeNames ?? []) as string[]);
    const messages = [...queue.messages.values()];
    const computed: Record<string, string> = {
      ...queue.attributes,
      QueueArn: queue.arn,
      CreatedTimestamp: String(Math.floor(queue.createdAt / 1000)),
      LastModifiedTimestamp: String(Math.floor(queue.createdAt / 1000)),
      ApproximateNumberOfMessages: String(messages.filter((m) => m.invisibleUntil <= t && m.delayedUntil <= t).length),
      ApproximateNumberOfMessagesNotVisible: String(messages.filter((m) => m.invisibleUntil > t).length),
      ApproximateNumberOfMessagesDelayed: String(messages.filter((m) => m.delayedUntil > t).length),
    };
    const Attributes = Object.fromEntries(Object.entries(computed).filter(([name]) => names.has('All') || names.has(name)));
    return Object.keys(Attributes).length ? { Attributes } : {};
  }

  function sendMessage(input: Input, startedAt: number) {
    const queue = queueOf(input);
    const body = typeof input.MessageBody === 'string' ? input.MessageBody : '';
    if (!body) throw missingParameter('MessageBody');
    const md5 = createHash('md5').update(body).digest('hex');
    const groupId = typeof input.MessageGroupId === 'string' ? input.MessageGroupId : undefined;
    let dedupId = typeof input.MessageDeduplicationId === 'string' ? input.MessageDeduplicationId : undefined;
    if (queue.fifo) {
      if (!groupId) throw missingParameter('MessageGroupId');
      if (!dedupId && queue.attributes.ContentBasedDeduplication === 'true') dedupId = createHash('sha256').update(body).digest('hex');
      if (!dedupId)
        throw invalidParameter(
          'The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly',
        );
      const seen = queue.dedup.get(dedupId);
      // A duplicate within the interval: accepted, not enqueued, answered with the first one's ids.
      if (seen && seen.until > startedAt)
        return {
          MessageId: seen.messageId,
          MD5OfMessageBody: md5,
          ...(seen.sequenceNumber ? { SequenceNumber: seen.sequenceNumber } : {}),
        };
    }
    const delayMs = 1000 * Number(input.DelaySeconds ?? queue.attributes.DelaySeconds ?? 0);
    const m: StoredMessage = {
      id: randomUUID(),
      body,
      md5,
      groupId: queue.fifo ? groupId : undefined,
      dedupId: queue.fifo ? dedupId : undefined,
      sequenceNumber: queue.fifo ? String((sequence += 1)).padStart(20, '0') : undefined,
      sentAt: Date.now(),
      availableAt: startedAt + pickupMs + delayMs,
      delayedUntil: delayMs > 0 ? startedAt + delayMs : 0,
      invisibleUntil: 0,
      receiveCount: 0,
    };
    queue.messages.set(m.id, m);
    if (dedupId && queue.fifo) {
      for (const [key, seen] of queue.dedup) if (seen.until <= startedAt) queue.dedup.delete(key);
      queue.dedup.set(dedupId, { messageId: m.id, sequenceNumber: m.sequenceNumber, until: startedAt + dedupWindowMs });
    }
    pump(queue);
    return { MessageId: m.id, MD5OfMessageBody: md5, ...(m.sequenceNumber ? { SequenceNumber: m.sequenceNumber } : {}) };
  }

  async function receiveMessage(input: Input, call: ModelCall) {
    const queue = queueOf(input);
    const max = Number(input.MaxNumberOfMessages ?? 1);
    if (!(max >= 1 && max <= 10))
      throw invalidParameter(`Value ${max} for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, if provided.`);
    const waitSeconds = Number(input.WaitTimeSeconds ?? queue.attributes.ReceiveMessageWaitTimeSeconds ?? 0);
    const request: ReceiveRequest = {
      max,
      visibilityMs: 1000 * Number(input.VisibilityTimeout ?? queue.attributes.VisibilityTimeout ?? 30),
      attributeNames: new Set([...((input.MessageSystemAttributeNames ?? []) as string[]), ...((input.AttributeNames ?? []) as string[])]),
    };
    let messages = take(queue, request, call.startedAt);
    if (messages.length === 0 && waitSeconds > 0 && !closed) messages = await longPoll(queue, request, call, waitSeconds * 1000);
    await waitUntil(call.startedAt, callLatencyMs, call.signal);
    return messages.length ? { Messages: messages } : {};
  }

  function longPoll(queue: Queue, request: ReceiveRequest, call: ModelCall, waitMs: number): Promise<WireMessage[]> {
    return new Promise<WireMessage[]>((resolve, reject) => {
      const stop = () => {
        cancelDeadline();
        queue.waiters = queue.waiters.filter((w) => w !== waiter);
        // No one left waiting: no wake-up either (it would keep the process alive for nothing).
        if (queue.waiters.length === 0) queue.cancelWakeUp?.();
        call.signal?.removeEventListener?.('abort', abort);
      };
      const waiter: Waiter = {
        ...request,
        done(messages) {
          stop();
          resolve(messages);
        },
      };
      const abort = () => {
        stop();
        reject(abortError());
      };
      const cancelDeadline = atTime(call.startedAt + waitMs, () => waiter.done([]));
      call.signal?.addEventListener?.('abort', abort, { once: true });
      queue.waiters.push(waiter);
      pump(queue);
    });
  }

  function deleteMessage(queue: Queue, handle: string): void {
    const m = byReceipt(queue, handle);
    if (!m) return; // SQS answers success for a stale handle, and deletes nothing.
    queue.messages.delete(m.id);
    pump(queue);
  }

  function deleteMessageBatch(input: Input) {
    const queue = queueOf(input);
    const entries = (input.Entries ?? []) as { Id: string; ReceiptHandle: string }[];
    if (entries.length === 0)
      throw new SqsError(
        'EmptyBatchRequest',
        'AWS.SimpleQueueService.EmptyBatchRequest',
        'There should be at least one DeleteMessageBatchRequestEntry in the request.',
      );
    if (entries.length > 10)
      throw new SqsError(
        'TooManyEntriesInBatchRequest',
        'AWS.SimpleQueueService.TooManyEntriesInBatchRequest',
        `Maximum number of entries per request are 10. You have sent ${entries.length}.`,
      );
    if (new Set(entries.map((e) => e.Id)).size !== entries.length)
      throw new SqsError('BatchEntryIdsNotDistinct', 'AWS.SimpleQueueService.BatchEntryIdsNotDistinct', 'Id is repeated.');
    const Successful: { Id: string }[] = [];
    const Failed: { Id: string; SenderFault: boolean; Code: string; Message: string }[] = [];
    for (const entry of entries) {
      try {
        deleteMessage(queue, entry.ReceiptHandle);
        Successful.push({ Id: entry.Id });
      } catch (error) {
        const e = error as SqsError;
        Failed.push({ Id: entry.Id, SenderFault: true, Code: e.queryCode, Message: e.message });
      }
    }
    return { Successful, Failed };
  }

  function changeMessageVisibility(input: Input, t: number) {
    const queue = queueOf(input);
    const handle = text(input, 'ReceiptHandle');
    const m = byReceipt(queue, handle);
    if (!m)
      throw invalidParameter(
        `Value ${handle} for parameter ReceiptHandle is invalid. Reason: Message does not exist or is not available for visibility timeout change.`,
      );
    if (m.invisibleUntil <= t)
      throw new SqsError('MessageNotInflight', 'AWS.SimpleQueueService.MessageNotInflight', 'Message is not in flight.');
    m.invisibleUntil = t + 1000 * Number(input.VisibilityTimeout ?? 0);
    pump(queue);
    return {};
  }

  /** Each entry as ChangeMessageVisibility would take it; a refused entry is reported, not thrown. */
  function changeMessageVisibilityBatch(input: Input, t: number) {
    const entries = (Array.isArray(input.Entries) ? input.Entries : []) as Array<{
      Id: string;
      ReceiptHandle: string;
      VisibilityTimeout?: number;
    }>;
    const Successful: { Id: string }[] = [];
    const Failed: { Id: string; SenderFault: boolean; Code: string; Message: string }[] = [];
    for (const entry of entries) {
      try {
        changeMessageVisibility(
          { QueueUrl: input.QueueUrl, ReceiptHandle: entry.ReceiptHandle, VisibilityTimeout: entry.VisibilityTimeout },
          t,
        );
        Successful.push({ Id: entry.Id });
      } catch (error) {
        const e = error as SqsError;
        Failed.push({ Id: entry.Id, SenderFault: true, Code: e.queryCode, Message: e.message });
      }
    }
    return { Successful, Failed };
  }

  async function serve(call: ModelCall): Promise<ModelReply> {
    const operation = call.target.startsWith('AmazonSQS.') ? call.target.slice('AmazonSQS.'.length) : '';
    const latency = operation === 'SendMessage' ? sendLatencyMs : callLatencyMs;
    let output: unknown;
    try {
      const input = JSON.parse(call.body || '{}') as Input;
      const t = call.startedAt;
      switch (operation) {
        case 'CreateQueue':
          output = createQueue(input);
          break;
        case 'GetQueueUrl': {
          const queue = queues.get(text(input, 'QueueName'));
          if (!queue) throw queueMissing();
          output = { QueueUrl: queue.url };
          break;
        }
        case 'GetQueueAttributes':
          output = getQueueAttributes(input, t);
          break;
        case 'SendMessage':
          output = sendMessage(input, t);
          break;
        case 'ReceiveMessage':
          // Answers at its own time (long polls); the latency is applied inside.
          return reply(200, await receiveMessage(input, call));
        case 'DeleteMessage':
          deleteMessage(queueOf(input), text(input, 'ReceiptHandle'));
          output = {};
          break;
        case 'DeleteMessageBatch':
          output = deleteMessageBatch(input);
          break;
        case 'ChangeMessageVisibility':
          output = changeMessageVisibility(input, t);
          break;
        case 'ChangeMessageVisibilityBatch':
          output = changeMessageVisibilityBatch(input, t);
          break;
        case 'PurgeQueue':
          queueOf(input).messages.clear();
          output = {};
          break;
        case 'DeleteQueue': {
          const queue = queueOf(input);
          for (const waiter of [...queue.waiters]) waiter.done([]);
          queues.delete(queue.name);
          output = {};
          break;
        }
        default:
          await waitUntil(call.startedAt, latency, call.signal);
          return reply(400, { __type: 'com.amazon.coral.service#UnknownOperationException' });
      }
    } catch (error) {
      if (error instanceof SqsError) {
        await waitUntil(call.startedAt, latency, call.signal);
        return reply(
          400,
          { __type: `com.amazonaws.sqs#${error.type}`, message: error.message },
          { 'x-amzn-query-error': `${error.queryCode};Sender` },
        );
      }
      if (!(error instanceof SyntaxError)) throw error;
      await waitUntil(call.startedAt, latency, call.signal);
      return reply(400, { __type: 'com.amazon.coral.service#SerializationException' });
    }
    await waitUntil(call.startedAt, latency, call.signal);
    return reply(200, output);
  }

  const createClient = () =>
    new SQSClient({
      ...AWS_CLIENT_DEFAULTS,
      region,
      // An explicit endpoint: queue URLs are never taken for one (and AWS_ENDPOINT_URL_SQS is ignored).
      endpoint,
      credentials: { accessKeyId: 'model', secretAccessKey: 'model' },
      requestHandler: modelHttpHandler(serve),
    });

  return {
    client: createClient(),
    createClient,
    close() {
      closed = true;
      for (const queue of queues.values()) {
        for (const waiter of [...queue.waiters]) waiter.done([]);
        queue.cancelWakeUp?.();
        queue.cancelWakeUp = undefined;
      }
    },
  };
}

function text(input: Input, name: string): string {
  const value = input[name];
  if (typeof value !== 'string' || value === '') throw missingParameter(name);
  return value;
}

function parseJson(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    throw invalidParameter(`Invalid value for the parameter RedrivePolicy: ${value}`);
  }
}

function reply(status: number, output: unknown, headers: Record<string, string> = {}): ModelReply {
  return { status, body: JSON.stringify(output), headers: { 'x-amzn-requestid': randomUUID(), ...headers } };
}
