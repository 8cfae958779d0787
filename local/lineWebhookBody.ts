import { createHmac, randomBytes } from 'node:crypto';

/**
 * What a customer does, as the tour and tests describe it. A postback's `params` is what LINE adds to
 * the data (a datetime picker's `date`, `time` or `datetime`); `unfollow` is blocking the account and
 * `leave` removing the bot from a group or room (neither carries a reply token).
 */
export type CustomerAction =
  | { type: 'text'; text: string }
  | { type: 'postback'; data: string; params?: Record<string, string> }
  | { type: 'follow' }
  | { type: 'unfollow' }
  | { type: 'leave' };

/** Where the event comes from: a one-to-one chat with `userId`, or a group or room in which `userId` speaks. */
export interface LineBodyOptions {
  userId: string;
  /** A group chat's id (`C…`): the event comes from the group, spoken by `userId`. */
  groupId?: string;
  /** A multi-person chat's id (`R…`): the event comes from the room, spoken by `userId`. */
  roomId?: string;
  webhookEventId?: string;
  replyToken?: string;
  timestamp?: number;
  /** Mark the event as LINE's redelivery of an earlier one (same id, same reply token). */
  isRedelivery?: boolean;
}

/** A webhook event id in LINE's format (a 26-character ULID-like string). */
export function newWebhookEventId(): string {
  const alphabet = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
  return Array.from(randomBytes(26), (b) => alphabet[b % 32]).join('');
}

/** The event's `source`, as LINE writes it for a user, a group or a room. */
function sourceOf(options: LineBodyOptions): Record<string, string> {
  if (options.groupId) return { type: 'group', groupId: options.groupId, userId: options.userId };
  if (options.roomId) return { type: 'room', roomId: options.roomId, userId: options.userId };
  return { type: 'user', userId: options.userId };
}

/** A LINE webhook body carrying one event, shaped like LINE's own (see test/fixtures/line). */
export function lineWebhookBody(action: CustomerAction, options: LineBodyOptions): string {
  // LINE gives no reply token for an unfollow or a leave: there is no one to answer.
  const answerable = action.type !== 'unfollow' && action.type !== 'leave';
  const base = {
    timestamp: options.timestamp ?? Date.now(),
    source: sourceOf(options),
    webhookEventId: options.webhookEventId ?? newWebhookEventId(),
    deliveryContext: { isRedelivery: options.isRedelivery ?? false },
    ...(answerable ? { replyToken: options.replyToken ?? randomBytes(16).toString('hex') } : {}),
    mode: 'active',
  };
  const event = (() => {
    switch (action.type) {
      case 'text':
        return {
          type: 'message',
          ...base,
          message: { type: 'text', id: String(Date.now()), quoteToken: randomBytes(8).toString('hex'), text: action.text },
        };
      case 'postback':
        return { type: 'postback', ...base, postback: { data: action.data, ...(action.params ? { params: action.params } : {}) } };
      case 'follow':
        return { type: 'follow', ...base, follow: { isUnblocked: false } };
      case 'unfollow':
      case 'leave':
        return { type: action.type, ...base };
    }
  })();
  return JSON.stringify({ destination: 'Udeadbeefdeadbeefdeadbeefdeadbeef', events: [event] });
}

/** `x-line-signature` for a body: Base64(HMAC-SHA256(channel secret, body)). */
export function signLineBody(body: string, channelSecret: string): string {
  return createHmac('sha256', channelSecret).update(body).digest('base64');
}
