import { performance } from 'node:perf_hooks';
import type { InitializeHandlerOptions, InitializeMiddleware, MiddlewareStack } from '@smithy/types';

/** One AWS call as the caller saw it: from `send()` to its result (`performance.now()` ms). */
export interface CallRecord {
  service: string;
  /** The operation, e.g. `GetItem`, `SendMessage` (the command's name without `Command`). */
  operation: string;
  startedAt: number;
  endedAt: number;
  /** The error's name when the call failed (e.g. `ConditionalCheckFailedException`). */
  error?: string;
  /** What `options.tag` said when the call started (the bench: which function made it). */
  tag?: string;
  /**
   * DynamoDB (a client recorded as `dynamodb`): the capacity units the call consumed, by item size, as
   * the engine reports them (the recorder asks every call for its ConsumedCapacity). A failed
   * conditional write reports none and is counted as 1 (DynamoDB bills it as a write).
   */
  capacityUnits?: number;
  /** SQS (a client recorded as `sqs`): message body bytes the call carried (sent, or received). */
  payloadBytes?: number;
}

const DYNAMO_WRITES = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem']);

/** Capacity units in a DynamoDB output's ConsumedCapacity (one object, or one per table). */
function consumedUnits(output: unknown): number | undefined {
  const consumed = (output as { ConsumedCapacity?: unknown } | undefined)?.ConsumedCapacity;
  const list = Array.isArray(consumed) ? consumed : consumed ? [consumed] : [];
  if (list.length === 0) return undefined;
  return list.reduce((sum: number, entry) => sum + (Number((entry as { CapacityUnits?: unknown }).CapacityUnits) || 0), 0);
}

/** Message body bytes of an SQS call: what a send carried in, or what a receive carried out. */
function sqsPayload(input: unknown, output: unknown): number {
  const bytes = (body: unknown) => (typeof body === 'string' ? Buffer.byteLength(body) : 0);
  const sent = input as { MessageBody?: unknown; Entries?: Array<{ MessageBody?: unknown }> } | undefined;
  const received = output as { Messages?: Array<{ Body?: unknown }> } | undefined;
  return (
    bytes(sent?.MessageBody) +
    (sent?.Entries ?? []).reduce((sum, entry) => sum + bytes(entry.MessageBody), 0) +
    (received?.Messages ?? []).reduce((sum, message) => sum + bytes(message.Body), 0)
  );
}

let recorders = 0;

/**
 * Records every call made through `client` into `sink`. The middleware sits first in the `initialize`
 * step, so a record spans the whole call the application awaits: serialization, signing, every
 * attempt's round trip (the model's latency included) and deserialization; retries stay one record.
 * A `DynamoDBDocumentClient` shares its client's stack: record one of the two, not both.
 * Returns a function that stops the recording.
 */
export function recordCalls<I extends object, O extends object>(
  client: { middlewareStack: MiddlewareStack<I, O> },
  name: string,
  sink: CallRecord[],
  recordOptions: { tag?: () => string | undefined } = {},
): () => void {
  const middlewareName = `callRecorder-${(recorders += 1)}`;
  let recording = true;
  const middleware: InitializeMiddleware<I, O> = (next, context) => async (args) => {
    if (!recording) return next(args);
    const startedAt = performance.now();
    const operation = (context.commandName ?? 'Unknown').replace(/Command$/, '');
    const tag = recordOptions.tag?.();
    const tagged = tag === undefined ? {} : { tag };
    const input = args.input as Record<string, unknown>;
    // What a call costs (bench/cost.ts): DynamoDB's capacity units by item size, SQS's payload.
    const asked =
      name === 'dynamodb' && input.ReturnConsumedCapacity === undefined
        ? { ...args, input: { ...input, ReturnConsumedCapacity: 'TOTAL' } }
        : args;
    try {
      const result = await next(asked as typeof args);
      const units = name === 'dynamodb' ? { capacityUnits: consumedUnits(result.output) ?? 0 } : {};
      const payload = name === 'sqs' ? { payloadBytes: sqsPayload(input, result.output) } : {};
      sink.push({ service: name, operation, startedAt, endedAt: performance.now(), ...tagged, ...units, ...payload });
      return result;
    } catch (error) {
      const failedWrite = name === 'dynamodb' && DYNAMO_WRITES.has(operation) ? { capacityUnits: 1 } : {};
      sink.push({
        service: name,
        operation,
        startedAt,
        endedAt: performance.now(),
        error: error instanceof Error ? error.name : String(error),
        ...tagged,
        ...failedWrite,
      });
      throw error;
    }
  };
  const options: InitializeHandlerOptions & { name: string; priority: 'high' } = {
    step: 'initialize',
    priority: 'high',
    name: middlewareName,
  };
  client.middlewareStack.add(middleware, options);
  // A client with `cacheMiddleware` keeps the handlers it already resolved: stop by switching off.
  return () => {
    recording = false;
    client.middlewareStack.remove(middlewareName);
  };
}

/**
 * How many sequential waves the calls took: calls issued together (one `Promise.all`) are one round;
 * a call started once a call of the current round had finished (so it could have waited for it)
 * opens the next round. The number of round trips on the critical path, roughly: what latency multiplies.
 */
export function sequentialRounds(calls: readonly { startedAt: number; endedAt: number }[]): number {
  const byStart = [...calls].sort((a, b) => a.startedAt - b.startedAt);
  let rounds = 0;
  let firstEndOfRound = -Infinity;
  for (const call of byStart) {
    if (rounds === 0 || call.startedAt >= firstEndOfRound) {
      rounds += 1;
      firstEndOfRound = call.endedAt;
    } else {
      firstEndOfRound = Math.min(firstEndOfRound, call.endedAt);
    }
  }
  return rounds;
}
