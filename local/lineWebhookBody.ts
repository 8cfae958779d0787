import { createHmac, randomBytes } from 'node:crypto';

/** What a customer does, as the tour and tests describe it. */
export type CustomerAction = { type: 'text'; text: string } | { type: 'postback'; data: string } | { type: 'follow' };

/** A webhook event id in LINE's format (a 26-character ULID-like string). */
export function newWebhookEventId(): string {
  const alphabet = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
  return Array.from(randomBytes(26), (b) => alphabet[b % 32]).join('');
}

/** A LINE webhook body carrying one event, shaped like LINE's own (see test/fixtures/line). */
export function lineWebhookBody(action: CustomerAction, options: { userId: string; webhookEventId?: string; replyToken?: string; timestamp?: number }): string {
  const base = {
    timestamp: options.timestamp ?? Date.now(),
    source: { type: 'user', userId: options.userId },
    webhookEventId: options.webhookEventId ?? newWebhookEventId(),
    deliveryContext: { isRedelivery: false },
    replyToken: options.replyToken ?? randomBytes(16).toString('hex'),
    mode: 'active',
  };
  const event =
    action.type === 'text'
      ? { type: 'message', ...base, message: { type: 'text', id: String(Date.now()), quoteToken: randomBytes(8).toString('hex'), text: action.text } }
      : action.type === 'postback'
        ? { type: 'postback', ...base, postback: { data: action.data } }
        : { type: 'follow', ...base, follow: { isUnblocked: false } };
  return JSON.stringify({ destination: 'Udeadbeefdeadbeefdeadbeefdeadbeef', events: [event] });
}

/** `x-line-signature` for a body: Base64(HMAC-SHA256(channel secret, body)). */
export function signLineBody(body: string, channelSecret: string): string {
  return createHmac('sha256', channelSecret).update(body).digest('base64');
}
