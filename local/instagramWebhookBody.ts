import { randomBytes } from 'node:crypto';

/** What a person does on Instagram, as the tour and tests describe it (docs/INSTAGRAM.md). */
export type InstagramAction =
  | { type: 'text'; text: string }
  /** A postback: a generic or button template button, or an ice breaker. */
  | { type: 'postback'; data: string; title?: string }
  /** A quick-reply tap: Meta sends the title as text and the payload alongside. */
  | { type: 'quick_reply'; text: string; payload: string }
  /** A reply to one of the account's stories: the person's text, with the story it answers. */
  | { type: 'story_reply'; text: string; storyId?: string }
  /** The person tagged the account in their story: no text, a `story_mention` attachment. */
  | { type: 'story_mention' };

/** A message id in the shape Instagram uses (opaque base64url characters). */
export function newInstagramMid(): string {
  return `aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlE${randomBytes(24).toString('base64url')}`;
}

/**
 * An Instagram webhook body carrying one messaging event, shaped like Meta's own (see
 * test/fixtures/instagram). Sign it with `signMessengerBody` (local/messengerWebhookBody.ts): Instagram
 * deliveries are signed exactly as Messenger's.
 */
export function instagramWebhookBody(
  action: InstagramAction,
  options: { igsid: string; accountId: string; mid?: string; timestamp?: number },
): string {
  const timestamp = options.timestamp ?? Date.now();
  const mid = options.mid ?? newInstagramMid();
  const base = { sender: { id: options.igsid }, recipient: { id: options.accountId }, timestamp };
  const cdn = (id: string) => `https://lookaside.fbsbx.com/ig_messaging_cdn/?asset_id=${id}&signature=local`;
  const event = (() => {
    switch (action.type) {
      case 'text':
        return { ...base, message: { mid, text: action.text } };
      case 'quick_reply':
        return { ...base, message: { mid, text: action.text, quick_reply: { payload: action.payload } } };
      case 'postback':
        return { ...base, postback: { mid, title: action.title ?? action.data, payload: action.data } };
      case 'story_reply': {
        const id = action.storyId ?? '17900000000000001';
        return { ...base, message: { mid, text: action.text, reply_to: { story: { url: cdn(id), id } } } };
      }
      case 'story_mention':
        return { ...base, message: { mid, attachments: [{ type: 'story_mention', payload: { url: cdn('17900000000000000') } }] } };
    }
  })();
  return JSON.stringify({ object: 'instagram', entry: [{ id: options.accountId, time: timestamp, messaging: [event] }] });
}
