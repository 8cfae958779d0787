import { randomBytes, randomInt, randomUUID } from 'node:crypto';
import http from 'node:http';
import { lineRequestProblems } from './lineOpenApi';
import type { LineOperation } from './lineOpenApi';
import { performance } from 'node:perf_hooks';
import { answerDelay, closeServer, listen, readBody } from './httpServer';

/**
 * A local stand-in for the LINE Messaging API (the three endpoints the executor calls). It speaks
 * LINE's protocol (routes, auth, reply-token and retry-key rules, error shapes), validates bodies
 * against LINE's OpenAPI file, and records every accepted call so tests can assert what a customer
 * would have seen.
 */

/** One call LINE accepted. */
export interface LineCall {
  kind: 'reply' | 'push' | 'loading';
  replyToken?: string;
  /** The push recipient, or the loading animation's `chatId`. */
  to?: string;
  messages?: unknown[];
  retryKey?: string;
  loadingSeconds?: number;
  /** ISO time the call was accepted. */
  at: string;
}

/** Options for {@link LineStandIn.failNext}. */
export interface FailOptions {
  /**
   * Accept (and record) the call, then answer with the failure anyway: LINE's "5xx or timeout, but
   * the message may have been delivered" case that retry keys exist for.
   */
  afterAccepting?: boolean;
}

/** A running stand-in. */
export interface LineStandIn {
  /** Base URL, e.g. http://127.0.0.1:43123: the executor's LINE_API_BASE_URL. */
  url: string;
  /** Accepted calls, in send order. */
  calls(): LineCall[];
  /** Forget calls, reply tokens, retry keys and pending failures. */
  reset(): void;
  /** From now on this token is rejected like an expired one. */
  expireReplyToken(token: string): void;
  /** Make the next `count` calls to `kind` fail with HTTP `status` (for retry tests). */
  failNext(kind: LineCall['kind'], count: number, status: number, options?: FailOptions): void;
  close(): Promise<void>;
}

/** Options for {@link startLineStandIn}. */
export interface LineStandInOptions {
  /** Port to listen on; a free one when omitted. */
  port?: number;
  /** Channel access tokens to accept; any non-empty bearer token when omitted. */
  accessTokens?: string[];
  /** Answer every request this long after it arrived (benchmarks: LINE's own latency). @default 0 */
  latencyMs?: number;
  /** Told of every answered request: the call it recorded (if accepted), and when (performance.now()). */
  onAnswered?: (answer: { call: LineCall | undefined; status: number; receivedAt: number; answeredAt: number }) => void;
  /**
   * Asked about every authenticated JSON request before its body rules and reply token are checked: an
   * HTTP status fails it (unrecorded), like `failNext` but aimed at one request (soak: one turn's fault).
   */
  faultFor?: (request: { kind: LineCall['kind']; body: Record<string, unknown> }) => number | undefined;
}

const ROUTES: Record<string, LineOperation> = {
  '/v2/bot/message/reply': 'reply',
  '/v2/bot/message/push': 'push',
  '/v2/bot/chat/loading/start': 'loading',
};

/** Only these endpoints take X-Line-Retry-Key; LINE answers 400 when other APIs get one. */
const RETRYABLE: ReadonlySet<LineOperation> = new Set<LineOperation>(['push']);

/** Message types LINE returns a quote token for (the ones that can be quoted). */
const QUOTABLE_TYPES: ReadonlySet<string> = new Set(['text', 'textV2', 'sticker', 'image', 'video']);

/** Local bodies are small; the cap only keeps a runaway client from exhausting memory. */
const MAX_BODY_BYTES = 2 * 1024 * 1024;

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** True for a hexadecimal UUID of any version, the form LINE requires for X-Line-Retry-Key. */
export function isValidUuid(value: string): boolean {
  return UUID_PATTERN.test(value);
}

/** What a request looks like to the protocol logic, independent of node:http. */
export interface StandInRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** What the protocol logic answers. */
export interface StandInResponse {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

interface SentMessage {
  id: string;
  quoteToken?: string;
}

interface PendingFailure {
  remaining: number;
  status: number;
  afterAccepting: boolean;
}

/** Everything the stand-in remembers between requests. */
interface StandInState {
  calls: LineCall[];
  usedReplyTokens: Set<string>;
  expiredReplyTokens: Set<string>;
  acceptedRetryKeys: Map<string, { requestId: string; sentMessages: SentMessage[] }>;
  failures: Map<LineOperation, PendingFailure>;
  nextMessageId: bigint;
}

function newState(): StandInState {
  return {
    calls: [],
    usedReplyTokens: new Set(),
    expiredReplyTokens: new Set(),
    acceptedRetryKeys: new Map(),
    failures: new Map(),
    // LINE message IDs are 18-digit decimal strings.
    nextMessageId: 500_000_000_000_000_000n + BigInt(randomInt(1_000_000_000)),
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function headerValue(headers: http.IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function message(status: number, text: string, headers?: Record<string, string>): StandInResponse {
  return { status, body: { message: text }, headers };
}

/** Reads the bearer token, or says why authentication fails in LINE's words. */
function authenticate(headers: http.IncomingHttpHeaders, accessTokens: readonly string[] | undefined): StandInResponse | undefined {
  const authorization = headerValue(headers, 'authorization') ?? '';
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  const token = match?.[1];
  if (token === undefined) {
    return message(401, 'Authentication failed due to the following reason: no token. Confirm that the access token in the authorization header is valid.');
  }
  if (accessTokens !== undefined && !accessTokens.includes(token)) {
    return message(401, 'Authentication failed due to the following reason: invalid token. Confirm that the access token in the authorization header is valid.');
  }
  return undefined;
}

/** Checks the X-Line-Retry-Key header; returns the key, or the 400 LINE would send. */
function readRetryKey(operation: LineOperation, headers: http.IncomingHttpHeaders): { retryKey?: string; error?: StandInResponse } {
  const retryKey = headerValue(headers, 'x-line-retry-key');
  if (retryKey === undefined) return {};
  if (!RETRYABLE.has(operation)) return { error: message(400, 'The X-Line-Retry-Key header cannot be specified for this API') };
  if (!isValidUuid(retryKey)) return { error: message(400, "The value for the 'X-Line-Retry-Key' header is invalid") };
  return { retryKey };
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    const value: unknown = JSON.parse(text);
    return { ok: true, value };
  } catch {
    return { ok: false };
  }
}

function stringField(body: Record<string, unknown>, key: string): string | undefined {
  const value = body[key];
  return typeof value === 'string' ? value : undefined;
}

function messagesOf(body: Record<string, unknown>): unknown[] {
  const value = body['messages'];
  return Array.isArray(value) ? value : [];
}

/** One `sentMessages` entry per message, with a quote token only for quotable message types. */
function sentMessagesFor(state: StandInState, messages: unknown[]): SentMessage[] {
  return messages.map((sent) => {
    const id = String(state.nextMessageId);
    state.nextMessageId += 1n;
    const type = isRecord(sent) ? sent['type'] : undefined;
    return typeof type === 'string' && QUOTABLE_TYPES.has(type) ? { id, quoteToken: randomBytes(72).toString('base64url') } : { id };
  });
}

/** The call to record for a validated body. */
function toCall(operation: LineOperation, body: Record<string, unknown>, retryKey: string | undefined): LineCall {
  const at = new Date().toISOString();
  if (operation === 'reply') return { kind: 'reply', replyToken: stringField(body, 'replyToken'), messages: messagesOf(body), at };
  if (operation === 'push') {
    const call: LineCall = { kind: 'push', to: stringField(body, 'to'), messages: messagesOf(body), at };
    if (retryKey !== undefined) call.retryKey = retryKey;
    return call;
  }
  const call: LineCall = { kind: 'loading', to: stringField(body, 'chatId'), at };
  const seconds = body['loadingSeconds'];
  if (typeof seconds === 'number') call.loadingSeconds = seconds;
  return call;
}

/**
 * Takes one pending injected failure for `operation` if it applies at this stage: failures that
 * come `afterAccepting` wait for a call that is actually accepted, so a rejected call can't use them up.
 */
function takeFailure(state: StandInState, operation: LineOperation, afterAccepting: boolean): PendingFailure | undefined {
  const failure = state.failures.get(operation);
  if (failure === undefined || failure.afterAccepting !== afterAccepting) return undefined;
  failure.remaining -= 1;
  if (failure.remaining <= 0) state.failures.delete(operation);
  return failure;
}

function failureResponse(status: number): StandInResponse {
  if (status === 429) return message(429, 'The API rate limit has been exceeded. Try again later.');
  return message(status, http.STATUS_CODES[status] ?? `HTTP ${status}`);
}

/**
 * LINE's rules for one request, in the order LINE applies them: route, auth, headers, body
 * syntax, body schema, retry key, reply token. Mutates `state` only when the call is accepted.
 */
function handleLineRequest(state: StandInState, request: StandInRequest, accessTokens?: readonly string[], faultFor?: LineStandInOptions['faultFor']): StandInResponse {
  const operation = request.method === 'POST' ? ROUTES[request.path] : undefined;
  if (operation === undefined) return message(404, 'Not found');

  const failure = takeFailure(state, operation, false);
  if (failure !== undefined) return failureResponse(failure.status);

  const authError = authenticate(request.headers, accessTokens);
  if (authError !== undefined) return authError;

  const { retryKey, error: retryKeyError } = readRetryKey(operation, request.headers);
  if (retryKeyError !== undefined) return retryKeyError;

  const parsed = parseJson(request.body);
  if (!parsed.ok || !isRecord(parsed.value)) return message(400, 'The request body is not valid JSON');
  const body = parsed.value;
  const injected = faultFor?.({ kind: operation, body });
  if (injected !== undefined) return failureResponse(injected);

  const problems = lineRequestProblems(operation, body);
  if (problems.length > 0) {
    return {
      status: 400,
      body: {
        message: `The request body has ${problems.length} error(s)`,
        details: problems.map((problem) => ({ message: problem.message, property: problem.property })),
      },
    };
  }

  if (retryKey !== undefined) {
    const accepted = state.acceptedRetryKeys.get(retryKey);
    if (accepted !== undefined) {
      return {
        status: 409,
        body: { message: 'The retry key is already accepted', sentMessages: accepted.sentMessages },
        headers: { 'x-line-accepted-request-id': accepted.requestId },
      };
    }
  }

  const replyToken = stringField(body, 'replyToken');
  if (operation === 'reply' && replyToken !== undefined) {
    // Tokens come from webhooks the stand-in never sees, so an unknown token is valid once.
    if (state.expiredReplyTokens.has(replyToken) || state.usedReplyTokens.has(replyToken)) {
      return message(400, 'Invalid reply token');
    }
    state.usedReplyTokens.add(replyToken);
  }

  const requestId = randomUUID();
  state.calls.push(toCall(operation, body, retryKey));
  const sentMessages = sentMessagesFor(state, messagesOf(body));
  if (retryKey !== undefined) state.acceptedRetryKeys.set(retryKey, { requestId, sentMessages });

  const lateFailure = takeFailure(state, operation, true);
  if (lateFailure !== undefined) return failureResponse(lateFailure.status);
  if (operation === 'loading') return { status: 202, body: {}, headers: { 'x-line-request-id': requestId } };
  return { status: 200, body: { sentMessages }, headers: { 'x-line-request-id': requestId } };
}


function send(response: http.ServerResponse, reply: StandInResponse): void {
  const text = JSON.stringify(reply.body);
  response.writeHead(reply.status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    // Every LINE response carries a request ID; an accepted call's own ID (in reply.headers) wins.
    'x-line-request-id': randomUUID(),
    ...reply.headers,
  });
  response.end(text);
}

/** Starts the stand-in on 127.0.0.1. */
export async function startLineStandIn(options: LineStandInOptions = {}): Promise<LineStandIn> {
  let state = newState();
  const server = http.createServer((request, response) => {
    readBody(request, MAX_BODY_BYTES)
      .then((bytes) => {
        const body = bytes?.toString('utf8');
        if (body === undefined) return send(response, message(413, 'The request body is too large'));
        const path = new URL(request.url ?? '/', 'http://stand-in').pathname;
        const receivedAt = performance.now();
        const before = state.calls.length;
        const answer = handleLineRequest(state, { method: request.method ?? 'GET', path, headers: request.headers, body }, options.accessTokens, options.faultFor);
        const call = state.calls.length > before ? state.calls[state.calls.length - 1] : undefined;
        return answerDelay(options.latencyMs).then(() => {
          send(response, answer);
          options.onAnswered?.({ call, status: answer.status, receivedAt, answeredAt: performance.now() });
        });
      })
      .catch(() => {
        if (!response.headersSent) send(response, message(500, 'Internal server error'));
      });
  });

  const port = await listen(server, options.port ?? 0);
  return {
    url: `http://127.0.0.1:${port}`,
    calls: () => state.calls.map((call) => ({ ...call })),
    reset: () => {
      state = newState();
    },
    expireReplyToken: (token) => {
      state.expiredReplyTokens.add(token);
    },
    failNext: (kind, count, status, failOptions) => {
      if (count <= 0) state.failures.delete(kind);
      else state.failures.set(kind, { remaining: count, status, afterAccepting: failOptions?.afterAccepting === true });
    },
    close: () => closeServer(server),
  };
}


