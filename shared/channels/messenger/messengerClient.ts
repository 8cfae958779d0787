import * as z from 'zod';
import { ExponentialBackoff, noJitterGenerator } from 'cockatiel';
import { OutboundError, type GuardedFetch, type OutboundErrorKind } from '../../http/guardedFetch';
import { retryWithSleep } from '../../http/retryWithSleep';
import type { MessengerMessage } from './renderMessengerMessages';

/** Why a message is sent: `RESPONSE` answers a message the person sent within the last 24 hours. */
export type MessagingType = 'RESPONSE' | 'UPDATE' | 'MESSAGE_TAG';

/** What is known about a failed Send API call. `status` is absent for network errors and timeouts. */
export interface MessengerErrorDetails {
  status?: number;
  /** Graph `error.code`, e.g. 10 (permission), 100 (invalid parameter), 190 (access token), 551 (person unavailable). */
  code?: number;
  /** Graph `error.error_subcode`, e.g. 2018278 (outside the messaging window). */
  subcode?: number;
  /** Graph `error.fbtrace_id`: what Meta support asks for. */
  fbtraceId?: string;
  /** Graph `error.is_transient`: Meta says the same call may work later. */
  transient?: boolean;
  /** Set when no response came back at all. */
  kind?: OutboundErrorKind;
}

/** A Send API call that failed. The message names the endpoint and Meta's error, never the page token. */
export class MessengerApiError extends Error {
  readonly status?: number;
  readonly code?: number;
  readonly subcode?: number;
  readonly fbtraceId?: string;
  readonly transient: boolean;
  readonly kind?: OutboundErrorKind;

  constructor(message: string, details: MessengerErrorDetails = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MessengerApiError';
    this.status = details.status;
    this.code = details.code;
    this.subcode = details.subcode;
    this.fbtraceId = details.fbtraceId;
    this.transient = details.transient === true;
    this.kind = details.kind;
  }

  /** Code 10 / subcode 2018278: the person last wrote more than 24 hours ago; a `RESPONSE` can never go out. */
  get isOutsideWindow(): boolean {
    return this.code === 10 && this.subcode === 2018278;
  }

  /**
   * A 5xx, a timeout, a failed connection or an error Meta marks transient: worth trying again.
   * A refused request (`blocked`), a too-large answer or a 4xx will fail the same way next time.
   */
  get isRetryable(): boolean {
    if (this.status === undefined) return this.kind === 'timeout' || this.kind === 'network';
    return this.status >= 500 || this.transient;
  }
}

/** The Send API calls the executor makes, for one page. */
export interface MessengerClient {
  /** Send one message to a person (PSID); resolves with Meta's message id when it gave one. */
  send(
    psid: string,
    message: MessengerMessage,
    options: { messagingType: MessagingType; tag?: string },
  ): Promise<{ messageId: string | undefined }>;
  /** Show the typing indicator (Meta turns it off after 20 s or at the next message). */
  typingOn(psid: string): Promise<void>;
}

export interface MessengerClientOptions {
  /** `MESSENGER_API_BASE_URL`, Graph version included: `https://graph.facebook.com/v25.0`. */
  baseUrl: string;
  pageId: string;
  /** The page access token. It goes in the `access_token` query parameter, as Meta documents for the Send API. */
  accessToken: string;
  fetch: GuardedFetch;
  /** What error messages call the API: Instagram's client is this one under its own name. @default 'Messenger' */
  apiName?: string;
  /** Attempts of one `send` (first try included). @default 3 */
  maxAttempts?: number;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * Meta fetches attachment URLs while the request is open, so an image send can take seconds; the
 * budget leaves room for that, yet three attempts still fit well inside the executor's time limit.
 */
const SEND_TIMEOUT_MS = 8_000;
/** The typing indicator is a nicety: it must never hold up the answer for long. */
const TYPING_TIMEOUT_MS = 3_000;

const graphErrorSchema = z.object({
  error: z.object({
    message: z.string().optional(),
    type: z.string().optional(),
    code: z.number().optional(),
    error_subcode: z.number().optional(),
    fbtrace_id: z.string().optional(),
    is_transient: z.boolean().optional(),
  }),
});
const sendResultSchema = z.object({ message_id: z.string().optional() });

/**
 * A Send API client over the guarded outbound caller. `send` retries 5xx answers and timeouts with
 * backoff. The Send API has no idempotency key, so a request Meta accepted but answered with a 5xx
 * or too late may show twice; that is the lesser evil next to a message that never arrives.
 */
export function createMessengerClient(options: MessengerClientOptions): MessengerClient {
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const maxAttempts = options.maxAttempts ?? 3;
  const apiName = options.apiName ?? 'Messenger';
  const path = `/${encodeURIComponent(options.pageId)}/messages`;
  const url = `${options.baseUrl.replace(/\/+$/, '')}${path}?access_token=${encodeURIComponent(options.accessToken)}`;

  /** Meta's own error text is not vetted: should it ever quote the token, it is cut out. */
  const scrub = (text: string): string => (options.accessToken ? text.split(options.accessToken).join('[redacted]') : text);

  async function post(body: unknown, timeoutMs: number): Promise<string> {
    let response;
    try {
      response = await options.fetch({
        method: 'POST',
        url,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        timeoutMs,
      });
    } catch (error) {
      // guardedFetch's messages already leave the query string (and so the token) out.
      const kind = error instanceof OutboundError ? error.kind : 'network';
      throw new MessengerApiError(`${apiName} ${path}: ${kind}`, { kind }, { cause: error });
    }
    if (response.status >= 200 && response.status < 300) return response.body;
    throw toApiError(response.status, response.body);
  }

  function toApiError(status: number, body: string): MessengerApiError {
    const graph = graphErrorSchema.safeParse(parseJson(body));
    if (!graph.success) return new MessengerApiError(`${apiName} ${path}: ${status}`, { status });
    const { message, type, code, error_subcode: subcode, fbtrace_id: fbtraceId, is_transient: transient } = graph.data.error;
    const codes = [code, subcode].filter((c) => c !== undefined).join('/');
    const text = [`${apiName} ${path}: ${status}`, type, codes ? `(#${codes})` : undefined, message].filter(Boolean).join(' ');
    return new MessengerApiError(scrub(text), { status, code, subcode, fbtraceId, transient });
  }

  return {
    async send(psid, message, sendOptions) {
      const body = {
        recipient: { id: psid },
        messaging_type: sendOptions.messagingType,
        ...(sendOptions.tag !== undefined ? { tag: sendOptions.tag } : {}),
        message,
      };
      const sent = await retryWithSleep(() => post(body, SEND_TIMEOUT_MS), {
        maxAttempts,
        retryable: (error) => error instanceof MessengerApiError && error.isRetryable,
        backoff: SEND_BACKOFF,
        sleep,
      });
      const result = sendResultSchema.safeParse(parseJson(sent));
      return { messageId: result.success ? result.data.message_id : undefined };
    },
    async typingOn(psid) {
      await post({ recipient: { id: psid }, sender_action: 'typing_on' }, TYPING_TIMEOUT_MS);
    },
  };
}

/** 400 ms, 800 ms, ... */
const SEND_BACKOFF = new ExponentialBackoff({ generator: noJitterGenerator, initialDelay: 400, maxDelay: 10_000 });

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
