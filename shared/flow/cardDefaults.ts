/**
 * A Call an API card's defaults and bounds, written once: the flow schema (./schema.ts) enforces and
 * fills them in, the console's card form offers them. Plain constants, no zod: the console bundles
 * this module.
 */

/** `request.method`: the methods a card may use, and the one a card leaving it out uses. */
export const HTTP_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];
export const DEFAULT_HTTP_METHOD: HttpMethod = 'GET';

/** `timeoutMs`: how long a card waits for the brand's answer. */
export const CARD_TIMEOUT_MS = { min: 100, max: 30_000, default: 10_000 } as const;

/** A callback card's `timeoutSeconds`: the bounds SQS's per-message delay allows (0..900 s), 10 s at least. */
export const CALLBACK_TIMEOUT_SECONDS = { min: 10, max: 900, default: 300 } as const;

/** What a card leaving these keys out does. */
export const CARD_DEFAULTS = {
  /** `retry`: retry a failed call (up to 3 more attempts within 30 s). */
  retry: true,
  /** `fireAndForget`: wait for the brand's answer. */
  fireAndForget: false,
  /** `expect`: the answer is data for templates (`messages`: callcard messages to send as they are). */
  expect: 'data',
  /** `request.includeProfile`: the customer's profile is not sent. */
  includeProfile: false,
} as const;
