import { Webhook } from 'standardwebhooks';

/** The workspace secret that signs every call to the brand, when the workspace has one. */
export const SIGNING_SECRET_NAME = 'CALLCARD_SIGNING_SECRET';

/**
 * Standard Webhooks headers proving a call comes from callcard: `webhook-id` (stable across retries:
 * the idempotency key), `webhook-timestamp` (this attempt), `webhook-signature` over
 * `{id}.{timestamp}.{body}` with the workspace's `whsec_` secret. Brands verify them with any
 * Standard Webhooks library.
 */
export function standardWebhookHeaders(secret: string, id: string, body: string, at: Date): Record<string, string> {
  const timestamp = Math.floor(at.getTime() / 1000);
  return {
    'webhook-id': id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': new Webhook(secret).sign(id, new Date(timestamp * 1000), body),
  };
}
