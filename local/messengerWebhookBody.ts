import { createHmac, randomBytes } from 'node:crypto';

/** What a person does on Messenger, as the tour and tests describe it. */
export type MessengerAction =
  | { type: 'text'; text: string }
  /** A postback button (template button, persistent menu, Get Started). */
  | { type: 'postback'; data: string; title?: string }
  /** A quick-reply tap: Meta sends the title as text and the payload alongside. */
  | { type: 'quick_reply'; text: string; payload: string };

/** A message id in the shape Meta uses for new messages (`m_` and opaque characters). */
export function newMessengerMid(): string {
  return `m_${randomBytes(24).toString('base64url')}`;
}

/** A Messenger webhook body carrying one messaging event, shaped like Meta's own (see test/fixtures/messenger). */
export function messengerWebhookBody(
  action: MessengerAction,
  options: { psid: string; pageId: string; mid?: string; timestamp?: number },
): string {
  const timestamp = options.timestamp ?? Date.now();
  const mid = options.mid ?? newMessengerMid();
  const base = { sender: { id: options.psid }, recipient: { id: options.pageId }, timestamp };
  const event =
    action.type === 'text'
      ? { ...base, message: { mid, text: action.text } }
      : action.type === 'quick_reply'
        ? { ...base, message: { mid, text: action.text, quick_reply: { payload: action.payload } } }
        : { ...base, postback: { mid, title: action.title ?? action.data, payload: action.data } };
  return JSON.stringify({ object: 'page', entry: [{ id: options.pageId, time: timestamp, messaging: [event] }] });
}

/** `X-Hub-Signature-256` for a body: `sha256=` + hex HMAC-SHA256(app secret, body). */
export function signMessengerBody(body: string | Buffer, appSecret: string): string {
  return `sha256=${createHmac('sha256', appSecret).update(body).digest('hex')}`;
}
