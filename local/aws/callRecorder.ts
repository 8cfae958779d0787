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
    try {
      const result = await next(args);
      sink.push({ service: name, operation, startedAt, endedAt: performance.now(), ...tagged });
      return result;
    } catch (error) {
      sink.push({ service: name, operation, startedAt, endedAt: performance.now(), error: error instanceof Error ? error.name : String(error), ...tagged });
      throw error;
    }
  };
  const options: InitializeHandlerOptions & { name: string; priority: 'high' } = { step: 'initialize', priority: 'high', name: middlewareName };
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
