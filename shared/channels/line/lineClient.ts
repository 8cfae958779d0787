import type { messagingApi } from '@line/bot-sdk';
import { ExponentialBackoff, noJitterGenerator } from 'cockatiel';
import { OutboundError, type GuardedFetch } from '../../http/guardedFetch';
import { retryWithSleep } from '../../http/retryWithSleep';

/** A LINE Messaging API call that failed; `status` is absent for network errors and timeouts. */
export class LineApiError extends Error {
  constructor(
    message: string,
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'LineApiError';
  }

  /** 400 `Invalid reply token`: the token was used or expired; push instead. */
  get isInvalidReplyToken(): boolean {
    return this.status === 400 && /invalid reply token/i.test(this.message);
  }
}

export interface LineClient {
  reply(replyToken: string, messages: messagingApi.Message[]): Promise<void>;
  /** `retryKey` makes a retried push idempotent at LINE (24 h): keep it identical across retries. */
  push(to: string, messages: messagingApi.Message[], retryKey: string): Promise<void>;
  startLoading(chatId: string, loadingSeconds: number): Promise<void>;
  /** A link token for the user's account link (valid 10 minutes, single use). */
  issueLinkToken(userId: string): Promise<string>;
}

const TIMEOUT_MS = 5_000;

/** A LINE client over the guarded outbound caller. Retries 500s and timeouts of push (with its retry key). */
export function createLineClient(options: {
  baseUrl: string;
  accessToken: string;
  fetch: GuardedFetch;
  sleep?: (ms: number) => Promise<void>;
}): LineClient {
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const base = options.baseUrl.replace(/\/+$/, '');

  async function post(
    path: string,
    body: unknown,
    extraHeaders: Record<string, string> = {},
  ): Promise<{ status: number; headers: Record<string, string>; body: string }> {
    let response;
    try {
      response = await options.fetch({
        method: 'POST',
        url: `${base}${path}`,
        headers: {
          authorization: `Bearer ${options.accessToken}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...extraHeaders,
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        timeoutMs: TIMEOUT_MS,
      });
    } catch (error) {
      const kind = error instanceof OutboundError ? error.kind : 'network';
      throw new LineApiError(`LINE ${path}: ${kind}`, undefined, { cause: error });
    }
    if (response.status >= 200 && response.status < 300) return response;
    throw new LineApiError(`LINE ${path}: ${response.status} ${lineErrorMessage(response.body)}`, response.status);
  }

  return {
    async reply(replyToken, messages) {
      await post('/v2/bot/message/reply', { replyToken, messages });
    },
    async push(to, messages, retryKey) {
      try {
        await retryWithSleep(() => post('/v2/bot/message/push', { to, messages }, { 'x-line-retry-key': retryKey }), {
          maxAttempts: 3,
          retryable: (error) =>
            error instanceof LineApiError && error.status !== 409 && (error.status === undefined || error.status >= 500),
          backoff: PUSH_BACKOFF,
          sleep,
        });
      } catch (error) {
        // 409: LINE already accepted a request with this retry key: the messages went out.
        if (error instanceof LineApiError && error.status === 409) return;
        throw error;
      }
    },
    async startLoading(chatId, loadingSeconds) {
      await post('/v2/bot/chat/loading/start', { chatId, loadingSeconds });
    },
    async issueLinkToken(userId) {
      // No body: LINE's issueLinkToken takes the user in the path only.
      const response = await post(`/v2/bot/user/${encodeURIComponent(userId)}/linkToken`, undefined);
      const linkToken = linkTokenOf(response.body);
      if (linkToken === undefined) throw new LineApiError('LINE linkToken: no linkToken in the answer', response.status);
      return linkToken;
    },
  };
}

/** 400 ms, then 800 ms. */
const PUSH_BACKOFF = new ExponentialBackoff({ generator: noJitterGenerator, initialDelay: 400, maxDelay: 10_000 });

function lineErrorMessage(body: string): string {
  try {
    const parsed: unknown = JSON.parse(body);
    if (typeof parsed === 'object' && parsed !== null && 'message' in parsed && typeof parsed.message === 'string') return parsed.message;
  } catch {
    // not JSON
  }
  return body.slice(0, 200);
}

/** The `linkToken` of LINE's answer, when it is a plain token. */
function linkTokenOf(body: string): string | undefined {
  try {
    const parsed: unknown = JSON.parse(body);
    if (
      typeof parsed === 'object' &&
      parsed !== null &&
      'linkToken' in parsed &&
      typeof parsed.linkToken === 'string' &&
      /^[!-~]{1,512}$/.test(parsed.linkToken)
    )
      return parsed.linkToken;
  } catch {
    // not JSON
  }
  return undefined;
}
