import type { GuardedFetch } from '../../http/guardedFetch';
import { createMessengerClient, MessengerApiError } from '../messenger/messengerClient';
import type { InstagramMessage } from './renderInstagramMessages';

/**
 * Instagram's Send API is the Messenger Platform's (docs/INSTAGRAM.md F15, F22): the same body
 * `{recipient: {id: <IGSID>}, messaging_type, tag?, message}`, the same `sender_action: typing_on`, the
 * same Graph error shapes and the same 24-hour window error. So the Instagram client is Messenger's
 * client (its retries, timeouts, token scrubbing and error classification over the guarded outbound
 * caller) pointed at the Instagram account and named for it in errors.
 */

/** A failed Send API call on Instagram: Messenger's error type (`isOutsideWindow`, `isRetryable`). */
export const InstagramApiError = MessengerApiError;
export type InstagramApiError = MessengerApiError;

/**
 * Why a message is sent: `RESPONSE` answers a message the person sent within the last 24 hours;
 * `MESSAGE_TAG` with `HUMAN_AGENT` is a human agent's answer within 7 days (F24).
 */
export type InstagramMessagingType = 'RESPONSE' | 'UPDATE' | 'MESSAGE_TAG';

/** The Send API calls the executor makes, for one Instagram professional account. */
export interface InstagramClient {
  /** Send one message to a person (IGSID); resolves with Meta's message id when it gave one. */
  send(
    igsid: string,
    message: InstagramMessage,
    options: { messagingType: InstagramMessagingType; tag?: 'HUMAN_AGENT' },
  ): Promise<{ messageId: string | undefined }>;
  /** Show the typing indicator. */
  typingOn(igsid: string): Promise<void>;
}

export interface InstagramClientOptions {
  /**
   * The Graph host, version included: `https://graph.instagram.com/v25.0` for an account connected with
   * Instagram Login, `https://graph.facebook.com/v25.0` for one linked to a Facebook Page (F15).
   */
  baseUrl: string;
  /**
   * The path's account: the Instagram professional account id (Instagram Login), the linked Page's id
   * (Page-linked), or `me` (either).
   */
  accountId: string;
  /** The Instagram User access token or the Page access token; sent as `access_token`, as Meta's examples do. */
  accessToken: string;
  fetch: GuardedFetch;
  /** Attempts of one `send` (first try included). @default 3 */
  maxAttempts?: number;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * A Send API client for one Instagram account, over the guarded outbound caller. `send` retries 5xx
 * answers and timeouts with backoff; 4xx answers (the 24-hour window: code 10 / subcode 2018278) are
 * not retried.
 *
 * @example
 * const instagram = createInstagramClient({ baseUrl: 'https://graph.instagram.com/v25.0', accountId, accessToken, fetch });
 * await instagram.send(igsid, { text: 'Hello' }, { messagingType: 'RESPONSE' });
 */
export function createInstagramClient(options: InstagramClientOptions): InstagramClient {
  const client = createMessengerClient({
    baseUrl: options.baseUrl,
    pageId: options.accountId,
    accessToken: options.accessToken,
    fetch: options.fetch,
    apiName: 'Instagram',
    ...(options.maxAttempts !== undefined ? { maxAttempts: options.maxAttempts } : {}),
    ...(options.sleep !== undefined ? { sleep: options.sleep } : {}),
  });
  return {
    send: (igsid, message, sendOptions) => client.send(igsid, message, sendOptions),
    typingOn: (igsid) => client.typingOn(igsid),
  };
}
