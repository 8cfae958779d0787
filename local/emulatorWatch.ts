import type { IncomingMessage, ServerResponse } from 'node:http';
import { writeJson } from './httpServer';

/** The longest a watch request is held open. */
const MAX_WAIT_MS = 10_000;
/** How often a held request looks for new calls (in this process: no I/O). */
const CHECK_EVERY_MS = 20;

/**
 * `GET /_emulator/{line|messenger}/watch?after=N&waitMs=M`: the calls a channel stand-in accepted
 * after the first `N`, as `{"calls": [...], "next": K}` (`K` is the `after` of the next request).
 * When there are none yet the request is held up to `waitMs` (at most 10 s) and answered as soon as
 * one lands: a long poll, so a watcher sees an answer the moment the stand-in has it, without
 * fetching every call ever made. Without `after`, "from now": `next` is the current count.
 *
 * @example
 * GET /_emulator/line/watch                     → {"calls":[],"next":12}
 * GET /_emulator/line/watch?after=12&waitMs=5000 → {"calls":[{"kind":"reply",…}],"next":13} (when the reply lands)
 */
export async function answerWatch(request: IncomingMessage, response: ServerResponse, calls: () => unknown[]): Promise<void> {
  const query = new URL(request.url ?? '/', 'http://local').searchParams;
  const after = wholeNumber(query.get('after'));
  const waitMs = Math.min(wholeNumber(query.get('waitMs')) ?? 0, MAX_WAIT_MS);
  if (after === undefined && query.has('after')) return writeJson(response, 400, { message: 'after: a whole number' });
  const deadline = Date.now() + waitMs;
  let closed = false;
  response.on('close', () => {
    closed = true;
  });
  const from = after ?? calls().length;
  for (;;) {
    const all = calls();
    // A stand-in reset since the watcher's last look: start over from its first call.
    const start = from > all.length ? 0 : from;
    // The watcher went away (or the stack is stopping): nobody to answer.
    if (closed) return;
    if (all.length > start || Date.now() >= deadline) return writeJson(response, 200, { calls: all.slice(start), next: all.length });
    await new Promise((resolve) => setTimeout(resolve, CHECK_EVERY_MS));
  }
}

function wholeNumber(value: string | null): number | undefined {
  if (value === null || !/^\d{1,9}$/.test(value)) return undefined;
  return Number(value);
}

/**
 * `GET /_emulator/idle?waitMs=M`: answers `{"idle": true}` once the executor has nothing left to do
 * (every job taken from the queue ran and delivered what it had to), or `{"idle": false}` after
 * `waitMs` (at most 10 s). A watcher that saw the first answer of a turn learns the turn is over.
 */
export async function answerIdle(request: IncomingMessage, response: ServerResponse, idle: () => Promise<void>): Promise<void> {
  const query = new URL(request.url ?? '/', 'http://local').searchParams;
  const waitMs = Math.min(wholeNumber(query.get('waitMs')) ?? 0, MAX_WAIT_MS);
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), waitMs);
  });
  const isIdle = await Promise.race([idle().then(() => true), timedOut]);
  clearTimeout(timer);
  if (!response.destroyed) writeJson(response, 200, { idle: isIdle });
}
