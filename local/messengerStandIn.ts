import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { answerDelay, closeServer, listen, readBody } from './httpServer';

/**
 * A local stand-in for the Messenger Send API (`POST /{PAGE_ID}/messages`), and for Messenger's account
 * linking (the app opening a Log In button's URL, the brand's redirect back, Meta's
 * `messaging_account_linking` event through {@link MessengerStandInOptions.onAccountLinking}). It speaks Meta's protocol
 * (the `access_token` query parameter, the request body rules, the message limits, Graph error shapes,
 * the 24-hour window error) and records every accepted call so tests can assert what a person would
 * have seen.
 */

/** One call Meta accepted. */
export interface MessengerCall {
  /** `send`: a message; `typing`: a sender action (typing_on, typing_off, mark_seen). */
  kind: 'send' | 'typing';
  /** The page of the request path. */
  pageId: string;
  /**
   * Which page access token the call carried, as {@link accessTokenFingerprint} shows it: enough to tell
   * whose token answered (one app's pages each have their own), never the token itself.
   */
  token: string;
  /** The recipient PSID. */
  to: string;
  message?: unknown;
  messagingType?: string;
  senderAction?: string;
  /** ISO time the call was accepted. */
  at: string;
}

/** Options for {@link MessengerStandIn.failNext}. */
export interface MessengerFailOptions {
  /** Which calls fail. @default 'send' (typing indicators are left alone, so retry tests stay about messages) */
  kind?: MessengerCall['kind'];
  /** Let this many matching calls through first. @default 0 */
  after?: number;
}

/** A running stand-in. */
export interface MessengerStandIn {
  /** Base URL, e.g. http://127.0.0.1:43124: the executor's MESSENGER_API_BASE_URL. */
  url: string;
  /** Accepted calls, in send order. */
  calls(): MessengerCall[];
  /** Forget calls, pending failures and closed windows. */
  reset(): void;
  /** Make the next `count` calls (sends, unless `kind` says otherwise) fail with HTTP `status`, unrecorded. */
  failNext(count: number, status: number, options?: MessengerFailOptions): void;
  /** From now on this person last wrote over 24 hours ago: standard messages to them fail with code 10 / 2018278. */
  expireWindow(psid: string): void;
  /**
   * The person taps a Log In button (`account_link`) in the Messenger app: the URL Messenger opens,
   * the button's with `account_linking_token` and `redirect_uri` added (also `GET /account_linking/open`).
   */
  openAccountLinking(pageId: string, psid: string, url: string): string;
  /** The person unlinks (a Log Out button, or Messenger's settings): Meta's `unlinked` event to the page (also `POST /account_linking/unlink`). */
  unlink(pageId: string, psid: string): Promise<void>;
  close(): Promise<void>;
}

/** Meta's `messaging_account_linking` event for one person, as the local stack delivers it to the page's webhook. */
export interface AccountLinkingDelivery {
  pageId: string;
  psid: string;
  status: 'linked' | 'unlinked';
  authorizationCode?: string;
}

/** The webhook body Meta posts for an account-linking event (Messenger Platform, messaging_account_linking). */
export function accountLinkingBody(delivery: AccountLinkingDelivery, now = Date.now()): MessengerEchoBody {
  const accountLinking =
    delivery.status === 'linked'
      ? { status: 'linked', ...(delivery.authorizationCode !== undefined ? { authorization_code: delivery.authorizationCode } : {}) }
      : { status: 'unlinked' };
  return {
    object: 'page',
    entry: [
      {
        id: delivery.pageId,
        time: now,
        messaging: [{ sender: { id: delivery.psid }, recipient: { id: delivery.pageId }, timestamp: now, account_linking: accountLinking }],
      },
    ],
  };
}

/** Options for {@link startMessengerStandIn}. */
export interface MessengerStandInOptions {
  /** Port to listen on; a free one when omitted. */
  port?: number;
  /** Page access tokens to accept; any non-empty token when omitted. */
  accessTokens?: string[];
  /** Answer every request this long after it arrived (benchmarks: Meta's own latency). @default 0 */
  latencyMs?: number;
  /** Told of every answered request: the call it recorded (if accepted), and when (performance.now()). */
  onAnswered?: (answer: { call: MessengerCall | undefined; status: number; receivedAt: number; answeredAt: number }) => void;
  /**
   * Asked about every well-formed request after `failNext`'s failures: an HTTP status fails it
   * (unrecorded), aimed at one request (soak tests: a fault for one person's turn).
   */
  faultFor?: (request: { kind: MessengerCall['kind']; to: string; body: Record<string, unknown> }) => number | undefined;
  /**
   * Meta's `message_echoes` webhook field: told of every accepted message with the webhook body Meta
   * posts to the page's callback URL (the message's `mid`, text and `metadata`, `is_echo: true`).
   */
  onEcho?: (echo: { pageId: string; body: MessengerEchoBody }) => void;
  /** Meta's side of account linking: deliver `messaging_account_linking` to the page's webhook (the local stack signs and posts it). */
  onAccountLinking?: (delivery: AccountLinkingDelivery) => Promise<void>;
}

/** The webhook delivery of one echo, as Meta sends it. */
export interface MessengerEchoBody {
  object: 'page';
  entry: Array<{ id: string; time: number; messaging: Array<Record<string, unknown>> }>;
}

/** The echo Meta posts for a message the page sent. */
function echoBody(pageId: string, to: string, messageId: string, message: Record<string, unknown>): MessengerEchoBody {
  const now = Date.now();
  const echoed = {
    is_echo: true,
    app_id: 1517776481860111,
    mid: messageId,
    ...(typeof message.text === 'string' ? { text: message.text } : {}),
    ...(typeof message.metadata === 'string' ? { metadata: message.metadata } : {}),
  };
  return {
    object: 'page',
    entry: [{ id: pageId, time: now, messaging: [{ sender: { id: pageId }, recipient: { id: to }, timestamp: now, message: echoed }] }],
  };
}

/** A page access token as the stand-in records it: `sha256:` and the first 12 hex digits of its digest. */
export function accessTokenFingerprint(token: string): string {
  return `sha256:${createHash('sha256').update(token, 'utf8').digest('hex').slice(0, 12)}`;
}

/** The Messenger Platform limits the stand-in enforces (the same numbers the renderer fits to). */
const LIMITS = {
  text: 2000,
  quickReplies: 13,
  quickReplyTitle: 20,
  payload: 1000,
  buttonTitle: 20,
  buttonTemplateText: 640,
  templateButtons: 3,
  genericElements: 10,
  elementTitle: 80,
  elementSubtitle: 80,
};

const MESSAGING_TYPES = new Set(['RESPONSE', 'UPDATE', 'MESSAGE_TAG']);
const MESSAGE_TAGS = new Set(['CONFIRMED_EVENT_UPDATE', 'POST_PURCHASE_UPDATE', 'ACCOUNT_UPDATE', 'HUMAN_AGENT']);
const SENDER_ACTIONS = new Set(['typing_on', 'typing_off', 'mark_seen']);
const ATTACHMENT_TYPES = new Set(['image', 'audio', 'video', 'file']);

/** `/{page-id}/messages`, optionally after a Graph version (`/v25.0/...`), as on graph.facebook.com. */
const ROUTE = /^(?:\/v\d+\.\d+)?\/([^/]+)\/messages$/;

/** Local bodies are small; the cap only keeps a runaway client from exhausting memory. */
const MAX_BODY_BYTES = 2 * 1024 * 1024;

/** What a request looks like to the protocol logic, independent of node:http. */
interface StandInRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  body: string;
}

interface StandInResponse {
  status: number;
  body: unknown;
  /** For an accepted message: the echo Meta then posts to the page's webhook. */
  echo?: MessengerEchoBody;
}

interface PendingFailure {
  kind: MessengerCall['kind'];
  /** Matching calls still to let through. */
  skip: number;
  remaining: number;
  status: number;
}

interface StandInState {
  calls: MessengerCall[];
  failures: PendingFailure[];
  closedWindows: Set<string>;
  nextMessage: number;
}

function newState(): StandInState {
  return { calls: [], failures: [], closedWindows: new Set(), nextMessage: 1 };
}

/** A Graph API error body. `type` is OAuthException for nearly everything Meta rejects, parameters included. */
function graphError(
  status: number,
  code: number,
  message: string,
  extra: { subcode?: number; type?: string; transient?: boolean } = {},
): StandInResponse {
  return {
    status,
    body: {
      error: {
        message,
        type: extra.type ?? 'OAuthException',
        code,
        ...(extra.subcode !== undefined ? { error_subcode: extra.subcode } : {}),
        ...(extra.transient !== undefined ? { is_transient: extra.transient } : {}),
        fbtrace_id: randomBytes(8).toString('base64url'),
      },
    },
  };
}

function invalidParameter(problem: string): StandInResponse {
  return graphError(400, 100, `(#100) ${problem}`);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isNonBlankString(value: unknown): value is string {
  return typeof value === 'string' && value.trim() !== '';
}

function isHttpUrl(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

/** Problems with one template or quick-reply button, or undefined when Meta would take it. */
function buttonProblem(button: unknown, where: string): string | undefined {
  if (!isRecord(button)) return `${where} must be an object`;
  if (button.type === 'account_link') return accountLinkButtonProblem(button, where);
  if (!isNonBlankString(button.title)) return `${where}.title is required`;
  if (button.title.length > LIMITS.buttonTitle) return `${where}.title must be at most ${LIMITS.buttonTitle} characters`;
  if (button.type === 'postback') {
    if (!isNonBlankString(button.payload)) return `${where}.payload is required`;
    if (button.payload.length > LIMITS.payload) return `${where}.payload must be at most ${LIMITS.payload} characters`;
    return undefined;
  }
  return titledButtonProblem(button, where);
}

/** A Log In button: no title (Messenger names it), an https URL (http only for this machine's stand-ins). */
function accountLinkButtonProblem(button: Record<string, unknown>, where: string): string | undefined {
  if (button.title !== undefined) return `${where}.title is not allowed on an account_link button`;
  if (typeof button.url !== 'string' || !isHttpUrl(button.url)) return `${where}.url must be a valid URL`;
  const url = new URL(button.url);
  if (url.protocol !== 'https:' && !['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname)) return `${where}.url must be https`;
  return undefined;
}

/** Problems with a web_url, postback or phone_number button. */
function titledButtonProblem(button: Record<string, unknown>, where: string): string | undefined {
  if (button.type === 'web_url') return isHttpUrl(button.url) ? undefined : `${where}.url must be a valid URL`;
  if (button.type === 'phone_number') return isNonBlankString(button.payload) ? undefined : `${where}.payload is required`;
  return `${where}.type is not a supported button type`;
}

function buttonsProblem(buttons: unknown, where: string, required: boolean): string | undefined {
  if (buttons === undefined && !required) return undefined;
  if (!Array.isArray(buttons) || (required && buttons.length === 0)) return `${where} must be a non-empty array`;
  if (buttons.length > LIMITS.templateButtons) return `${where} must have at most ${LIMITS.templateButtons} buttons`;
  for (const [i, button] of buttons.entries()) {
    const problem = buttonProblem(button, `${where}[${i}]`);
    if (problem) return problem;
  }
  return undefined;
}

function quickRepliesProblem(quickReplies: unknown): string | undefined {
  if (quickReplies === undefined) return undefined;
  if (!Array.isArray(quickReplies) || quickReplies.length === 0) return 'message.quick_replies must be a non-empty array';
  if (quickReplies.length > LIMITS.quickReplies) return `message.quick_replies must have at most ${LIMITS.quickReplies} items`;
  for (const [i, reply] of quickReplies.entries()) {
    const where = `message.quick_replies[${i}]`;
    if (!isRecord(reply)) return `${where} must be an object`;
    if (reply.content_type === 'user_phone_number' || reply.content_type === 'user_email') continue;
    if (reply.content_type !== 'text') return `${where}.content_type is not supported`;
    if (!isNonBlankString(reply.title)) return `${where}.title is required`;
    if (reply.title.length > LIMITS.quickReplyTitle) return `${where}.title must be at most ${LIMITS.quickReplyTitle} characters`;
    if (!isNonBlankString(reply.payload) && typeof reply.payload !== 'number') return `${where}.payload is required`;
    if (typeof reply.payload === 'string' && reply.payload.length > LIMITS.payload)
      return `${where}.payload must be at most ${LIMITS.payload} characters`;
  }
  return undefined;
}

function templateProblem(payload: Record<string, unknown>): string | undefined {
  if (payload.template_type === 'button') {
    if (!isNonBlankString(payload.text)) return 'message.attachment.payload.text is required';
    if (payload.text.length > LIMITS.buttonTemplateText)
      return `message.attachment.payload.text must be at most ${LIMITS.buttonTemplateText} characters`;
    return buttonsProblem(payload.buttons, 'message.attachment.payload.buttons', true);
  }
  if (payload.template_type === 'generic') {
    const elements = payload.elements;
    if (!Array.isArray(elements) || elements.length === 0) return 'message.attachment.payload.elements must be a non-empty array';
    if (elements.length > LIMITS.genericElements)
      return `message.attachment.payload.elements must have at most ${LIMITS.genericElements} elements`;
    for (const [i, element] of elements.entries()) {
      const where = `message.attachment.payload.elements[${i}]`;
      if (!isRecord(element)) return `${where} must be an object`;
      if (!isNonBlankString(element.title)) return `${where}.title is required`;
      if (element.title.length > LIMITS.elementTitle) return `${where}.title must be at most ${LIMITS.elementTitle} characters`;
      if (element.subtitle !== undefined && (typeof element.subtitle !== 'string' || element.subtitle.length > LIMITS.elementSubtitle)) {
        return `${where}.subtitle must be at most ${LIMITS.elementSubtitle} characters`;
      }
      if (element.image_url !== undefined && !isHttpUrl(element.image_url)) return `${where}.image_url must be a valid URL`;
      const buttonsError = buttonsProblem(element.buttons, `${where}.buttons`, false);
      if (buttonsError) return buttonsError;
      // Meta refuses an element that has a title and nothing else.
      if (
        element.subtitle === undefined &&
        element.image_url === undefined &&
        element.buttons === undefined &&
        element.default_action === undefined
      ) {
        return `${where} must have at least one of subtitle, image_url, buttons or default_action`;
      }
    }
    return undefined;
  }
  return 'message.attachment.payload.template_type is not supported';
}

/** The first reason Meta would refuse this `message` object, or undefined when it is valid. */
function messageProblem(message: unknown): string | undefined {
  if (!isRecord(message)) return 'message must be an object';
  const hasText = message.text !== undefined;
  const hasAttachment = message.attachment !== undefined;
  if (hasText === hasAttachment) return 'message must have exactly one of text or attachment';
  if (hasText) {
    if (!isNonBlankString(message.text)) return 'message.text must be a non-empty string';
    if (message.text.length > LIMITS.text) return `message.text must be at most ${LIMITS.text} characters`;
  } else {
    const attachment = message.attachment;
    if (!isRecord(attachment) || !isRecord(attachment.payload)) return 'message.attachment must have a type and a payload';
    if (attachment.type === 'template') {
      const problem = templateProblem(attachment.payload);
      if (problem) return problem;
    } else if (typeof attachment.type === 'string' && ATTACHMENT_TYPES.has(attachment.type)) {
      if (!isHttpUrl(attachment.payload.url) && !isNonBlankString(attachment.payload.attachment_id)) {
        return 'message.attachment.payload needs a valid url or an attachment_id';
      }
    } else {
      return 'message.attachment.type is not supported';
    }
  }
  return quickRepliesProblem(message.quick_replies);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Takes one pending failure for a call of `kind`, counting down calls it lets through first. */
function takeFailure(state: StandInState, kind: MessengerCall['kind']): PendingFailure | undefined {
  const failure = state.failures.find((f) => f.kind === kind);
  if (failure === undefined) return undefined;
  if (failure.skip > 0) {
    failure.skip -= 1;
    return undefined;
  }
  failure.remaining -= 1;
  if (failure.remaining <= 0) state.failures.splice(state.failures.indexOf(failure), 1);
  return failure;
}

function failureResponse(status: number): StandInResponse {
  if (status === 429) return graphError(429, 613, 'Calls to this api have exceeded the rate limit.');
  if (status >= 500)
    return graphError(status, 2, 'An unexpected error has occurred. Please retry your request later.', { transient: true });
  return graphError(status, 1, 'An unknown error occurred', { transient: false });
}

/**
 * Meta's rules for one request, checked in this order: route, token, body syntax, injected failures,
 * body rules, messaging window. Records the call only when it is accepted.
 */
function handleSendRequest(
  state: StandInState,
  request: StandInRequest,
  accessTokens: readonly string[] | undefined,
  faultFor?: MessengerStandInOptions['faultFor'],
): StandInResponse {
  const pageId = request.method === 'POST' ? ROUTE.exec(request.path)?.[1] : undefined;
  if (pageId === undefined)
    return graphError(400, 100, 'Unsupported request - method type or path not supported', { type: 'GraphMethodException' });

  const token = request.query.get('access_token');
  if (!token) return graphError(400, 2500, 'An active access token must be used to query information about the current user.');
  if (accessTokens !== undefined && !accessTokens.includes(token))
    return graphError(400, 190, 'Invalid OAuth access token - Cannot parse access token');

  const body = parseJson(request.body);
  if (!isRecord(body)) return invalidParameter('The request body must be a JSON object');
  if (!isRecord(body.recipient) || !isNonBlankString(body.recipient.id))
    return invalidParameter('param recipient must be non-empty. recipient.id is required');
  const to = body.recipient.id;
  const hasMessage = body.message !== undefined;
  const hasAction = body.sender_action !== undefined;
  if (hasMessage === hasAction) return invalidParameter('Exactly one of message or sender_action is required');

  const kind: MessengerCall['kind'] = hasMessage ? 'send' : 'typing';
  const failure = takeFailure(state, kind);
  if (failure !== undefined) return failureResponse(failure.status);
  const injected = faultFor?.({ kind, to, body });
  if (injected !== undefined) return failureResponse(injected);

  let messagingType: string | undefined;
  if (hasMessage) {
    if (typeof body.messaging_type !== 'string' || !MESSAGING_TYPES.has(body.messaging_type)) {
      return invalidParameter('param messaging_type must be one of {RESPONSE, UPDATE, MESSAGE_TAG}');
    }
    messagingType = body.messaging_type;
    if (messagingType === 'MESSAGE_TAG' && (typeof body.tag !== 'string' || !MESSAGE_TAGS.has(body.tag)))
      return invalidParameter('param tag must be a valid message tag');
    const problem = messageProblem(body.message);
    if (problem) return invalidParameter(problem);
  } else if (typeof body.sender_action !== 'string' || !SENDER_ACTIONS.has(body.sender_action)) {
    return invalidParameter('param sender_action must be one of {typing_on, typing_off, mark_seen}');
  }

  // Message tags are the one way past the window; standard messages and sender actions are not.
  if (state.closedWindows.has(to) && messagingType !== 'MESSAGE_TAG') {
    return graphError(400, 10, '(#10) This message is sent outside of allowed window.', { subcode: 2018278 });
  }

  const at = new Date().toISOString();
  if (kind === 'send') {
    state.calls.push({ kind, pageId, token: accessTokenFingerprint(token), to, message: body.message, messagingType, at });
    const messageId = `m_local${String(state.nextMessage++).padStart(8, '0')}${randomBytes(6).toString('hex')}`;
    return {
      status: 200,
      body: { recipient_id: to, message_id: messageId },
      echo: isRecord(body.message) ? echoBody(pageId, to, messageId, body.message) : undefined,
    };
  }
  state.calls.push({ kind, pageId, token: accessTokenFingerprint(token), to, senderAction: String(body.sender_action), at });
  return { status: 200, body: { recipient_id: to } };
}

/** Where the brand sends the person back (Meta's https://www.facebook.com/messenger_platform/account_linking/). */
const ACCOUNT_LINKING_PATH = '/messenger_platform/account_linking/';
/** Account-linking tokens live as long as Meta's do: long enough to sign in. */
const ACCOUNT_LINKING_TTL_MS = 10 * 60_000;

interface LinkingState {
  tokens: Map<string, { pageId: string; psid: string; expiresAt: number; used: boolean }>;
}

/** The URL Messenger opens for a Log In button: the button's, with `account_linking_token` and `redirect_uri`. */
function openLinking(linking: LinkingState, baseUrl: string, pageId: string, psid: string, url: string): string {
  const token = `ALT${randomBytes(18).toString('base64url')}`;
  linking.tokens.set(token, { pageId, psid, expiresAt: Date.now() + ACCOUNT_LINKING_TTL_MS, used: false });
  const opened = new URL(url);
  opened.searchParams.set('account_linking_token', token);
  opened.searchParams.set('redirect_uri', `${baseUrl}${ACCOUNT_LINKING_PATH}?account_linking_token=${encodeURIComponent(token)}`);
  return opened.toString();
}

function htmlPage(status: number, title: string, text: string): { status: number; html: string } {
  const escape = (value: string) => value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  return {
    status,
    html: `<!doctype html><html><head><meta charset="utf-8"><title>${escape(title)}</title></head><body><h1>${escape(title)}</h1><p>${escape(text)}</p></body></html>`,
  };
}

/**
 * The brand's redirect back to Messenger: with an `authorization_code`, Meta posts `linked` with it
 * to the page; without one, linking failed and nothing is posted. A token is used once.
 */
function linkingRedirect(
  linking: LinkingState,
  query: URLSearchParams,
): { delivery?: AccountLinkingDelivery; page: { status: number; html: string } } {
  const entry = linking.tokens.get(query.get('account_linking_token') ?? '');
  if (!entry || entry.used || entry.expiresAt <= Date.now())
    return { page: htmlPage(400, 'Linking failed', 'This link has expired. Return to Messenger and try again.') };
  entry.used = true;
  const code = query.get('authorization_code');
  if (!code) return { page: htmlPage(200, 'Linking failed', 'Return to Messenger and try again.') };
  return {
    delivery: { pageId: entry.pageId, psid: entry.psid, status: 'linked', authorizationCode: code },
    page: htmlPage(200, 'Account linked', 'Your account is linked. Return to Messenger.'),
  };
}

function sendHtml(response: http.ServerResponse, page: { status: number; html: string }, headers: Record<string, string> = {}): void {
  response.writeHead(page.status, {
    'content-type': 'text/html; charset=utf-8',
    'content-length': Buffer.byteLength(page.html),
    ...headers,
  });
  response.end(page.html);
}

function send(response: http.ServerResponse, reply: StandInResponse): void {
  const text = JSON.stringify(reply.body);
  response.writeHead(reply.status, { 'content-type': 'application/json; charset=UTF-8', 'content-length': Buffer.byteLength(text) });
  response.end(text);
}

/** Starts the stand-in on 127.0.0.1. */
export async function startMessengerStandIn(options: MessengerStandInOptions = {}): Promise<MessengerStandIn> {
  let state = newState();
  const linking: LinkingState = { tokens: new Map() };
  let baseUrl = '';
  const deliverLinking = (delivery: AccountLinkingDelivery) => options.onAccountLinking?.(delivery) ?? Promise.resolve();
  const server = http.createServer((request, response) => {
    readBody(request, MAX_BODY_BYTES)
      .then((bytes) => {
        const body = bytes?.toString('utf8');
        if (body === undefined) return send(response, graphError(413, 100, '(#100) The request body is too large'));
        const url = new URL(request.url ?? '/', 'http://stand-in');
        // Account linking, as the Messenger app and Meta play it (local only: see openAccountLinking and unlink).
        if (request.method === 'GET' && url.pathname === '/account_linking/open') {
          const [pageId, psid, target] = [url.searchParams.get('page'), url.searchParams.get('psid'), url.searchParams.get('url')];
          if (!pageId || !psid || !target || !isHttpUrl(target))
            return sendHtml(response, htmlPage(400, 'Bad request', 'page, psid and url are required'));
          return sendHtml(response, htmlPage(302, 'Redirecting', 'To the login page'), {
            location: openLinking(linking, baseUrl, pageId, psid, target),
          });
        }
        if (request.method === 'POST' && url.pathname === '/account_linking/unlink') {
          const [pageId, psid] = [url.searchParams.get('page'), url.searchParams.get('psid')];
          if (!pageId || !psid) return send(response, invalidParameter('page and psid are required'));
          return deliverLinking({ pageId, psid, status: 'unlinked' }).then(() =>
            send(response, { status: 200, body: { result: 'unlinked' } }),
          );
        }
        if (request.method === 'GET' && url.pathname === ACCOUNT_LINKING_PATH) {
          const outcome = linkingRedirect(linking, url.searchParams);
          if (!outcome.delivery) return sendHtml(response, outcome.page);
          return deliverLinking(outcome.delivery).then(
            () => sendHtml(response, outcome.page),
            () => sendHtml(response, htmlPage(502, 'Not delivered', 'Messenger could not reach the page.')),
          );
        }
        const receivedAt = performance.now();
        const before = state.calls.length;
        const answer = handleSendRequest(
          state,
          { method: request.method ?? 'GET', path: url.pathname, query: url.searchParams, body },
          options.accessTokens,
          options.faultFor,
        );
        const call = state.calls.length > before ? state.calls[state.calls.length - 1] : undefined;
        return answerDelay(options.latencyMs).then(() => {
          send(response, answer);
          options.onAnswered?.({ call, status: answer.status, receivedAt, answeredAt: performance.now() });
          if (answer.echo && call) options.onEcho?.({ pageId: call.pageId, body: answer.echo });
        });
      })
      .catch(() => {
        if (!response.headersSent) send(response, failureResponse(500));
      });
  });

  const port = await listen(server, options.port ?? 0);
  baseUrl = `http://127.0.0.1:${port}`;
  return {
    url: baseUrl,
    openAccountLinking: (pageId, psid, url) => openLinking(linking, baseUrl, pageId, psid, url),
    unlink: (pageId, psid) => deliverLinking({ pageId, psid, status: 'unlinked' }),
    calls: () => state.calls.map((call) => ({ ...call })),
    reset: () => {
      state = newState();
    },
    failNext: (count, status, failOptions) => {
      const kind = failOptions?.kind ?? 'send';
      state.failures = state.failures.filter((f) => f.kind !== kind);
      if (count > 0) state.failures.push({ kind, skip: failOptions?.after ?? 0, remaining: count, status });
    },
    expireWindow: (psid) => {
      state.closedWindows.add(psid);
    },
    close: () => closeServer(server),
  };
}
