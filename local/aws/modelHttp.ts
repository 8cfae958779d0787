import { performance } from 'node:perf_hooks';
import type { HttpHandler } from '@smithy/core/protocols';
import { HttpResponse, type HttpRequest } from '@smithy/core/transport';
import type { HttpHandlerOptions } from '@smithy/types';

/**
 * The shared plumbing of the model AWS services: an SDK `requestHandler` that answers AWS JSON 1.0
 * calls in-process (no sockets), and the timers that make up the latency model.
 */

/** One call as a model service sees it: `x-amz-target`'s operation and the parsed JSON body. */
export interface ModelCall {
  /** `x-amz-target`, e.g. `DynamoDB_20120810.GetItem` or `AmazonSQS.SendMessage`. */
  target: string;
  /** The raw request body (JSON text). */
  body: string;
  /** `performance.now()` when the handler got the request: the moment the call "left" the client. */
  startedAt: number;
  signal?: AbortSignalLike;
}

/** What the service answers: the status, the JSON text and the headers a real endpoint would send. */
export interface ModelReply {
  status: number;
  body: string;
  headers?: Record<string, string>;
}

/** Both the DOM AbortSignal and smithy's deprecated one: only what is read here. */
export interface AbortSignalLike {
  readonly aborted: boolean;
  addEventListener?: (type: 'abort', listener: () => void, options?: { once?: boolean }) => void;
  removeEventListener?: (type: 'abort', listener: () => void) => void;
}

/** A smithy `HttpHandler` that hands every request to `serve` and never opens a socket. */
export function modelHttpHandler(serve: (call: ModelCall) => Promise<ModelReply>, onDestroy?: () => void): HttpHandler {
  return {
    async handle(request: HttpRequest, options?: HttpHandlerOptions): Promise<{ response: HttpResponse }> {
      const startedAt = performance.now();
      const signal = options?.abortSignal as AbortSignalLike | undefined;
      if (signal?.aborted) throw abortError();
      const reply = await serve({ target: header(request, 'x-amz-target') ?? '', body: bodyText(request.body), startedAt, signal });
      // Header names as Node's http client delivers them: lower case.
      const headers: Record<string, string> = { 'content-type': 'application/x-amz-json-1.0', ...reply.headers };
      const body = Buffer.from(reply.body, 'utf8');
      headers['content-length'] = String(body.length);
      return { response: new HttpResponse({ statusCode: reply.status, headers, body }) };
    },
    updateHttpClientConfig(): void {
      // Nothing to configure: there is no connection.
    },
    httpHandlerConfigs: () => ({}),
    destroy: onDestroy,
  };
}

function header(request: HttpRequest, name: string): string | undefined {
  const direct = request.headers[name];
  if (direct !== undefined) return direct;
  const key = Object.keys(request.headers).find((k) => k.toLowerCase() === name);
  return key === undefined ? undefined : request.headers[key];
}

function bodyText(body: unknown): string {
  if (typeof body === 'string') return body;
  if (body instanceof Uint8Array) return Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');
  return '';
}

/**
 * Runs `fn` at `due` (a `performance.now()` time), never earlier (a timer may fire a fraction of a
 * millisecond early: it is then set again for the rest) and never synchronously. Returns a function
 * that cancels it.
 */
export function atTime(due: number, fn: () => void): () => void {
  const fire = () => {
    const remaining = due - performance.now();
    if (remaining > 0) timer = setTimeout(fire, remaining);
    else fn();
  };
  let timer = setTimeout(fire, Math.max(0, due - performance.now()));
  return () => clearTimeout(timer);
}

/** Resolves `ms` after `from` (a `performance.now()` time), never earlier; at once when that moment has passed. */
export function waitUntil(from: number, ms: number, signal?: AbortSignalLike): Promise<void> {
  const due = from + ms;
  if (performance.now() >= due && !signal?.aborted) return Promise.resolve();
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(abortError());
    const abort = () => {
      cancel();
      reject(abortError());
    };
    const cancel = atTime(due, () => {
      signal?.removeEventListener?.('abort', abort);
      resolve();
    });
    signal?.addEventListener?.('abort', abort, { once: true });
  });
}

/** What the Node http handler throws when a request is aborted. */
export function abortError(): Error {
  const error = new Error('Request aborted');
  error.name = 'AbortError';
  return error;
}
