import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { accessTokenFingerprint } from './messengerStandIn';
import { answerDelay, closeServer, listen, readBody } from './httpServer';

/**
 * A local stand-in for Instagram's Send API (`POST /{ig-id}/messages`, docs/INSTAGRAM.md F15–F25). It
 * speaks Meta's protocol as Instagram applies it: the `access_token` query parameter (or a Bearer
 * header), Instagram's message limits (text ≤ 1,000 UTF-8 bytes and under 1,000 characters, 13 quick
 * replies, generic and button templates with postback / web_url buttons only, no Log In button), Graph
 * error shapes, the 24-hour window with the HUMAN_AGENT tag as its only way past, and echoes on the
 * `messages` field. It records every accepted call so tests can assert what a person would have seen.
 * Not yet started by local/localStack.ts.
 */

/** One call Meta accepted. */
export interface InstagramCall {
  /** `send`: a message; `typing`: a sender action (typing_on, typing_off, mark_seen). */
  kind: 'send' | 'typing';
  /** The account of the request path (an Instagram professional account id, a Page id, or `me`). */
  accountId: string;
  /** Which token the call carried ({@link accessTokenFingerprint}), never the token itself. */
  token: string;
  /** The recipient IGSID. */
  to: string;
  message?: unknown;
  messagingType?: string;
  tag?: string;
  senderAction?: string;
  /** ISO time the call was accepted. */
  at: string;
}

/** The webhook delivery of one echo, as Instagram sends it: on the `messages` field, `is_echo: true`. */
export interface InstagramEchoBody {
  object: 'instagram';
  entry: Array<{ id: string; time: number; messaging: Array<Record<string, unknown>> }>;
}

/** Options for {@link startInstagramStandIn}. */
export interface InstagramStandInOptions {
  /** Port to listen on; a free one when omitted. */
  port?: number;
  /** Access tokens to accept; any non-empty token when omitted. */
  accessTokens?: string[];
  /** Answer every request this long after it arrived. @default 0 */
  latencyMs?: number;
  /** Told of every accepted message with the echo webhook body Instagram posts (its `mid`, text and `metadata`). */
  onEcho?: (echo: { accountId: string; body: InstagramEchoBody }) => void;
}

/** A running stand-in. */
export interface InstagramStandIn {
  /** Base URL, e.g. http://127.0.0.1:43125: the Instagram client's base URL. */
  url: string;
  /** Accepted calls, in send order. */
  calls(): InstagramCall[];
  /** Forget calls, pending failures and closed windows. */
  reset(): void;
  /** Make the next `count` sends fail with HTTP `status`, unrecorded. */
  failNext(count: number, status: number): void;
  /** This person last wrote over 24 hours ago: only HUMAN_AGENT-tagged messages reach them (code 10 / 2018278 otherwise). */
  expireWindow(igsid: string): void;
  close(): Promise<void>;
}

/** The limits the stand-in enforces (the numbers renderInstagramMessages fits to). */
const LIMITS = {
  textChars: 999,
  textBytes: 1000,
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
/** Instagram's one message tag (F24). */
const MESSAGE_TAGS = new Set(['HUMAN_AGENT']);
const SENDER_ACTIONS = new Set(['typing_on', 'typing_off', 'mark_seen']);
const ATTACHMENT_TYPES = new Set(['image', 'video', 'audio', 'file']);
/** `/{ig-id}/messages`, optionally after a Graph version, as on graph.instagram.com and graph.facebook.com. */
const ROUTE = /^(?:\/v\d+\.\d+)?\/([^/]+)\/messages$/;
const MAX_BODY_BYTES = 2 * 1024 * 1024;

interface Reply {
  status: number;
  body: unknown;
  echo?: InstagramEchoBody;
}

interface State {
  calls: InstagramCall[];
  failures: { remaining: number; status: number } | undefined;
  closedWindows: Set<string>;
  nextMessage: number;
}

const newState = (): State => ({ calls: [], failures: undefined, closedWindows: new Set(), nextMessage: 1 });

function graphError(
  status: number,
  code: number,
  message: string,
  extra: { subcode?: number; type?: string; transient?: boolean } = {},
): Reply {
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

const invalidParameter = (problem: string): Reply => graphError(400, 100, `(#100) ${problem}`);

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

/** Instagram templates take postback and web_url buttons only (F19, F20). */
function buttonProblem(button: unknown, where: string): string | undefined {
  if (!isRecord(button)) return `${where} must be an object`;
  if (button.type !== 'postback' && button.type !== 'web_url') return `${where}.type must be postback or web_url on Instagram`;
  if (!isNonBlankString(button.title)) return `${where}.title is required`;
  if (button.title.length > LIMITS.buttonTitle) return `${where}.title must be at most ${LIMITS.buttonTitle} characters`;
  if (button.type === 'web_url') return isHttpUrl(button.url) ? undefined : `${where}.url must be a valid URL`;
  if (!isNonBlankString(button.payload)) return `${where}.payload is required`;
  return button.payload.length > LIMITS.payload ? `${where}.payload must be at most ${LIMITS.payload} characters` : undefined;
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
    if (!isNonBlankString(reply.payload)) return `${where}.payload is required`;
    if (reply.payload.length > LIMITS.payload) return `${where}.payload must be at most ${LIMITS.payload} characters`;
  }
  return undefined;
}

function templateProblem(payload: Record<string, unknown>): string | undefined {
  const at = 'message.attachment.payload';
  if (payload.template_type === 'button') {
    if (!isNonBlankString(payload.text)) return `${at}.text is required`;
    if (payload.text.length > LIMITS.buttonTemplateText) return `${at}.text must be at most ${LIMITS.buttonTemplateText} characters`;
    return buttonsProblem(payload.buttons, `${at}.buttons`, true);
  }
  if (payload.template_type !== 'generic') return `${at}.template_type is not supported on Instagram`;
  const elements = payload.elements;
  if (!Array.isArray(elements) || elements.length === 0) return `${at}.elements must be a non-empty array`;
  if (elements.length > LIMITS.genericElements) return `${at}.elements must have at most ${LIMITS.genericElements} elements`;
  for (const [i, element] of elements.entries()) {
    const where = `${at}.elements[${i}]`;
    if (!isRecord(element)) return `${where} must be an object`;
    if (!isNonBlankString(element.title)) return `${where}.title is required`;
    if (element.title.length > LIMITS.elementTitle) return `${where}.title must be at most ${LIMITS.elementTitle} characters`;
    if (element.subtitle !== undefined && (typeof element.subtitle !== 'string' || element.subtitle.length > LIMITS.elementSubtitle))
      return `${where}.subtitle must be at most ${LIMITS.elementSubtitle} characters`;
    if (element.image_url !== undefined && !isHttpUrl(element.image_url)) return `${where}.image_url must be a valid URL`;
    const buttons = buttonsProblem(element.buttons, `${where}.buttons`, false);
    if (buttons) return buttons;
    if (
      element.subtitle === undefined &&
      element.image_url === undefined &&
      element.buttons === undefined &&
      element.default_action === undefined
    )
      return `${where} must have at least one of subtitle, image_url, buttons or default_action`;
  }
  return undefined;
}

/** The first reason Instagram would refuse this `message` object, or undefined when it is valid. */
function messageProblem(message: unknown): string | undefined {
  if (!isRecord(message)) return 'message must be an object';
  const hasText = message.text !== undefined;
  if (hasText === (message.attachment !== undefined)) return 'message must have exactly one of text or attachment';
  if (hasText) {
    if (!isNonBlankString(message.text)) return 'message.text must be a non-empty string';
    if (message.text.length > LIMITS.textChars || Buffer.byteLength(message.text, 'utf8') > LIMITS.textBytes)
      return 'message.text must be UTF-8 and less than 1000 characters (1000 bytes)';
  } else {
    const attachment = message.attachment;
    if (!isRecord(attachment) || !isRecord(attachment.payload)) return 'message.attachment must have a type and a payload';
    if (attachment.type === 'template') {
      const problem = templateProblem(attachment.payload);
      if (problem) return problem;
    } else if (typeof attachment.type === 'string' && ATTACHMENT_TYPES.has(attachment.type)) {
      if (!isHttpUrl(attachment.payload.url) && !isNonBlankString(attachment.payload.attachment_id))
        return 'message.attachment.payload needs a valid url or an attachment_id';
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

function echoBody(accountId: string, to: string, messageId: string, message: Record<string, unknown>): InstagramEchoBody {
  const now = Date.now();
  const echoed = {
    mid: messageId,
    is_echo: true,
    ...(typeof message.text === 'string' ? { text: message.text } : {}),
    ...(typeof message.metadata === 'string' ? { metadata: message.metadata } : {}),
  };
  return {
    object: 'instagram',
    entry: [
      { id: accountId, time: now, messaging: [{ sender: { id: accountId }, recipient: { id: to }, timestamp: now, message: echoed }] },
    ],
  };
}

/** The token: `access_token` in the query (Meta's examples), or `Authorization: Bearer`. */
function tokenOf(query: URLSearchParams, authorization: string | undefined): string | undefined {
  const fromQuery = query.get('access_token');
  if (fromQuery) return fromQuery;
  const bearer = /^Bearer (\S+)$/i.exec(authorization ?? '')?.[1];
  return bearer ?? undefined;
}

/** Meta's rules for one request: route, token, body syntax, injected failures, body rules, messaging window. */
function handle(
  state: State,
  request: { method: string; path: string; query: URLSearchParams; authorization: string | undefined; body: string },
  accessTokens: readonly string[] | undefined,
): Reply {
  const accountId = request.method === 'POST' ? ROUTE.exec(request.path)?.[1] : undefined;
  if (accountId === undefined)
    return graphError(400, 100, 'Unsupported request - method type or path not supported', { type: 'GraphMethodException' });
  const token = tokenOf(request.query, request.authorization);
  if (!token) return graphError(400, 2500, 'An active access token must be used to query information about the current user.');
  if (accessTokens !== undefined && !accessTokens.includes(token))
    return graphError(400, 190, 'Invalid OAuth access token - Cannot parse access token');

  const body = parseJson(request.body);
  if (!isRecord(body)) return invalidParameter('The request body must be a JSON object');
  if (!isRecord(body.recipient) || !isNonBlankString(body.recipient.id))
    return invalidParameter('param recipient must be non-empty. recipient.id is required');
  const to = body.recipient.id;
  const hasMessage = body.message !== undefined;
  if (hasMessage === (body.sender_action !== undefined)) return invalidParameter('Exactly one of message or sender_action is required');

  if (hasMessage && state.failures) {
    const { status } = state.failures;
    state.failures.remaining -= 1;
    if (state.failures.remaining <= 0) state.failures = undefined;
    if (status >= 500)
      return graphError(status, 2, 'An unexpected error has occurred. Please retry your request later.', { transient: true });
    return graphError(
      status,
      status === 429 ? 613 : 1,
      status === 429 ? 'Calls to this api have exceeded the rate limit.' : 'An unknown error occurred',
    );
  }

  let messagingType: string | undefined;
  let tag: string | undefined;
  if (hasMessage) {
    // Instagram's examples leave messaging_type out; when given, it must be one Meta knows.
    if (body.messaging_type !== undefined) {
      if (typeof body.messaging_type !== 'string' || !MESSAGING_TYPES.has(body.messaging_type))
        return invalidParameter('param messaging_type must be one of {RESPONSE, UPDATE, MESSAGE_TAG}');
      messagingType = body.messaging_type;
    }
    if (messagingType === 'MESSAGE_TAG') {
      if (typeof body.tag !== 'string' || !MESSAGE_TAGS.has(body.tag))
        return invalidParameter('param tag must be HUMAN_AGENT on Instagram');
      tag = body.tag;
    }
    const problem = messageProblem(body.message);
    if (problem) return invalidParameter(problem);
  } else if (typeof body.sender_action !== 'string' || !SENDER_ACTIONS.has(body.sender_action)) {
    return invalidParameter('param sender_action must be one of {typing_on, typing_off, mark_seen}');
  }

  if (state.closedWindows.has(to) && tag !== 'HUMAN_AGENT')
    return graphError(400, 10, '(#10) This message is sent outside of allowed window.', { subcode: 2018278 });

  const at = new Date().toISOString();
  const fingerprint = accessTokenFingerprint(token);
  if (!hasMessage) {
    state.calls.push({ kind: 'typing', accountId, token: fingerprint, to, senderAction: String(body.sender_action), at });
    return { status: 200, body: { recipient_id: to } };
  }
  state.calls.push({
    kind: 'send',
    accountId,
    token: fingerprint,
    to,
    message: body.message,
    ...(messagingType !== undefined ? { messagingType } : {}),
    ...(tag !== undefined ? { tag } : {}),
    at,
  });
  const messageId = `aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlE${String(state.nextMessage++).padStart(8, '0')}${randomBytes(6).toString('hex')}`;
  return {
    status: 200,
    body: { recipient_id: to, message_id: messageId },
    echo: isRecord(body.message) ? echoBody(accountId, to, messageId, body.message) : undefined,
  };
}

function send(response: http.ServerResponse, reply: Reply): void {
  const text = JSON.stringify(reply.body);
  response.writeHead(reply.status, { 'content-type': 'application/json; charset=UTF-8', 'content-length': Buffer.byteLength(text) });
  response.end(text);
}

/** Starts the stand-in on 127.0.0.1. */
export async function startInstagramStandIn(options: InstagramStandInOptions = {}): Promise<InstagramStandIn> {
  let state = newState();
  const server = http.createServer((request, response) => {
    readBody(request, MAX_BODY_BYTES)
      .then((bytes) => {
        if (bytes === undefined) return send(response, graphError(413, 100, '(#100) The request body is too large'));
        const url = new URL(request.url ?? '/', 'http://stand-in');
        const reply = handle(
          state,
          {
            method: request.method ?? 'GET',
            path: url.pathname,
            query: url.searchParams,
            authorization: request.headers.authorization,
            body: bytes.toString('utf8'),
          },
          options.accessTokens,
        );
        return answerDelay(options.latencyMs).then(() => {
          send(response, reply);
          const call = state.calls.at(-1);
          if (reply.echo && call) options.onEcho?.({ accountId: call.accountId, body: reply.echo });
        });
      })
      .catch(() => {
        if (!response.headersSent) send(response, graphError(500, 2, 'An unexpected error has occurred.', { transient: true }));
      });
  });
  const port = await listen(server, options.port ?? 0);
  return {
    url: `http://127.0.0.1:${port}`,
    calls: () => state.calls.map((call) => ({ ...call })),
    reset: () => {
      state = newState();
    },
    failNext: (count, status) => {
      state.failures = count > 0 ? { remaining: count, status } : undefined;
    },
    expireWindow: (igsid) => {
      state.closedWindows.add(igsid);
    },
    close: () => closeServer(server),
  };
}
