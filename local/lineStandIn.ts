import { randomBytes, randomInt, randomUUID } from 'node:crypto';
import http from 'node:http';
import { lineRequestProblems } from './lineOpenApi';
import type { LineOperation } from './lineOpenApi';
import { performance } from 'node:perf_hooks';
import { answerDelay, closeServer, listen, readBody } from './httpServer';

/**
 * A local stand-in for the LINE Messaging API (the endpoints the executor calls: reply, push, loading,
 * link tokens), and for LINE's account-link dialog (`/dialog/bot/accountLink`, which delivers the
 * `accountLink` event through {@link LineStandInOptions.onAccountLink}). It speaks
 * LINE's protocol (routes, auth, reply-token and retry-key rules, error shapes), validates bodies
 * against LINE's OpenAPI file, and records every accepted call so tests can assert what a customer
 * would have seen.
 */

/** One call LINE accepted. */
export interface LineCall {
  /** `linkToken`: a link token issued for `to` (account link). */
  kind: 'reply' | 'push' | 'loading' | 'linkToken';
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
  /** Move the stand-in's clock forward (tests: a link token expires after 10 minutes). */
  advanceClock(ms: number): void;
  close(): Promise<void>;
}

/**
 * What LINE does once a user finished the account-link dialog: an `accountLink` webhook event to the
 * bot whose token issued the link token (`ok` with the brand's nonce, or `failed`).
 */
export interface AccountLinkDelivery {
  /** The channel access token that issued the link token: which bot's webhook gets the event. */
  accessToken: string;
  userId: string;
  result: 'ok' | 'failed';
  nonce: string;
}

/** How long a link token lives, as LINE documents it: 10 minutes, single use. */
export const LINK_TOKEN_TTL_MS = 10 * 60_000;

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
  /**
   * LINE's side of the account link dialog (`GET /dialog/bot/accountLink`): deliver the `accountLink`
   * event to the bot's webhook (the local stack signs it and posts it); the dialog answers the browser
   * once it is delivered.
   */
  onAccountLink?: (delivery: AccountLinkDelivery) => Promise<void>;
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
  /** Link tokens issued: whose, for which bot, until when, and whether the dialog used them. */
  linkTokens: Map<string, { userId: string; accessToken: string; expiresAt: number; used: boolean }>;
  clockOffsetMs: number;
  usedReplyTokens: Set<string>;
  expiredReplyTokens: Set<string>;
  acceptedRetryKeys: Map<string, { requestId: string; sentMessages: SentMessage[] }>;
  failures: Map<LineOperation | 'linkToken', PendingFailure>;
  nextMessageId: bigint;
}

function newState(): StandInState {
  return {
    calls: [],
    linkTokens: new Map(),
    clockOffsetMs: 0,
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
    return message(
      401,
      'Authentication failed due to the following reason: no token. Confirm that the access token in the authorization header is valid.',
    );
  }
  if (accessTokens !== undefined && !accessTokens.includes(token)) {
    return message(
      401,
      'Authentication failed due to the following reason: invalid token. Confirm that the access token in the authorization header is valid.',
    );
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
function takeFailure(state: StandInState, operation: LineOperation | 'linkToken', afterAccepting: boolean): PendingFailure | undefined {
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
function handleLineRequest(
  state: StandInState,
  request: StandInRequest,
  accessTokens?: readonly string[],
  faultFor?: LineStandInOptions['faultFor'],
): StandInResponse {
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

/** `/v2/bot/user/{userId}/linkToken` (LINE's issueLinkToken). */
const LINK_TOKEN_ROUTE = /^\/v2\/bot\/user\/([^/]+)\/linkToken$/;

/**
 * `POST /v2/bot/user/{userId}/linkToken`: a link token for the user, valid 10 minutes, single use
 * (LINE: issueLinkToken, no body). Remembered with the bot that asked, for the dialog below.
 */
function handleLinkTokenRequest(
  state: StandInState,
  userIdSegment: string,
  request: StandInRequest,
  accessTokens?: readonly string[],
): StandInResponse {
  const failure = takeFailure(state, 'linkToken', false);
  if (failure !== undefined) return failureResponse(failure.status);
  const authError = authenticate(request.headers, accessTokens);
  if (authError !== undefined) return authError;
  const { error: retryKeyError } = readRetryKey('reply', request.headers);
  if (retryKeyError !== undefined) return retryKeyError;
  let userId: string;
  try {
    userId = decodeURIComponent(userIdSegment);
  } catch {
    return message(400, 'The value for the userId is invalid');
  }
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(userId)) return message(400, 'The value for the userId is invalid');
  const accessToken = /^Bearer\s+(\S+)\s*$/i.exec(headerValue(request.headers, 'authorization') ?? '')?.[1] ?? '';
  // LINE's look like NMZTNuVrPTqlr2IF8Bnymkb7rXfYv5EY: 32 letters and digits.
  const linkToken = randomBytes(24)
    .toString('base64')
    .replace(/[^A-Za-z0-9]/g, '')
    .slice(0, 32)
    .padEnd(32, 'x');
  state.linkTokens.set(linkToken, { userId, accessToken, expiresAt: Date.now() + state.clockOffsetMs + LINK_TOKEN_TTL_MS, used: false });
  state.calls.push({ kind: 'linkToken', to: userId, at: new Date().toISOString() });
  return { status: 200, body: { linkToken }, headers: { 'x-line-request-id': randomUUID() } };
}

/** What the account-link dialog does with a link token and nonce: the event to deliver, or the page to show when there is no one to tell. */
function accountLinkOutcome(
  state: StandInState,
  query: URLSearchParams,
  cookie: string | undefined,
): { delivery: AccountLinkDelivery } | { page: StandInResponse } {
  const linkToken = query.get('linkToken') ?? '';
  const entry = state.linkTokens.get(linkToken);
  // A token LINE never issued names no user and no bot: nothing to deliver.
  if (!entry) return { page: htmlPage(400, 'Invalid link token', 'This link is not valid. Return to LINE and try again.') };
  const nonce = query.get('nonce') ?? '';
  // LINE checks that whoever opens the link is the user it was issued for (the browser's LINE login; locally the line_user cookie, when set).
  const opener = /(?:^|;\s*)line_user=([^;]+)/.exec(cookie ?? '')?.[1];
  const now = Date.now() + state.clockOffsetMs;
  const ok = !entry.used && entry.expiresAt > now && nonce !== '' && (opener === undefined || decodeURIComponent(opener) === entry.userId);
  entry.used = true;
  return { delivery: { accessToken: entry.accessToken, userId: entry.userId, result: ok ? 'ok' : 'failed', nonce } };
}

function htmlPage(status: number, title: string, text: string): StandInResponse {
  const escape = (value: string) => value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  return {
    status,
    body: `<!doctype html><html><head><meta charset="utf-8"><title>${escape(title)}</title></head><body><h1>${escape(title)}</h1><p>${escape(text)}</p></body></html>`,
    headers: { 'content-type': 'text/html; charset=utf-8' },
  };
}

function send(response: http.ServerResponse, reply: StandInResponse): void {
  if (typeof reply.body === 'string' && reply.headers?.['content-type']?.startsWith('text/html')) {
    response.writeHead(reply.status, { 'content-length': Buffer.byteLength(reply.body), ...reply.headers });
    response.end(reply.body);
    return;
  }
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
        const url = new URL(request.url ?? '/', 'http://stand-in');
        const path = url.pathname;
        if (request.method === 'GET' && path === '/dialog/bot/accountLink') {
          // access.line.me's account-link dialog, where the brand redirects the user after sign-in.
          const outcome = accountLinkOutcome(state, url.searchParams, headerValue(request.headers, 'cookie'));
          if ('page' in outcome) return send(response, outcome.page);
          const { delivery } = outcome;
          return (options.onAccountLink?.(delivery) ?? Promise.resolve()).then(
            () =>
              send(
                response,
                delivery.result === 'ok'
                  ? htmlPage(200, 'Account linked', 'Your account is linked. Return to LINE.')
                  : htmlPage(200, 'Account not linked', 'The link has expired or was already used. Return to LINE and try again.'),
              ),
            () => send(response, htmlPage(502, 'Not delivered', 'LINE could not reach the bot.')),
          );
        }
        const receivedAt = performance.now();
        const before = state.calls.length;
        const linkTokenPath = request.method === 'POST' ? LINK_TOKEN_ROUTE.exec(path)?.[1] : undefined;
        const request_ = { method: request.method ?? 'GET', path, headers: request.headers, body };
        const answer =
          linkTokenPath !== undefined
            ? handleLinkTokenRequest(state, linkTokenPath, request_, options.accessTokens)
            : handleLineRequest(state, request_, options.accessTokens, options.faultFor);
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
    advanceClock: (ms) => {
      state.clockOffsetMs += ms;
    },
    close: () => closeServer(server),
  };
}
