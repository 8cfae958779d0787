import type { ChatType } from '../domain/channelKinds';
import type { ResolvedMessage } from '../messages/message';

/**
 * One request's worth of a channel's rendered messages, as the executor's outbox stores it (the
 * store's `Delivery` has this shape; it is declared here because the store sits above the channels).
 */
export interface Delivery {
  messages: unknown[];
}

/**
 * What a sender reads of the turn job it answers (a `TurnJob` has all of it; the job's schema sits
 * above the channels): the conversation, the reply token and when the event was received.
 */
export interface SendingTurn {
  jobId: string;
  /** The conversation: the customer, or (LINE) the group or room. */
  userId: string;
  chat?: ChatType;
  replyToken?: string;
  receivedAt: number;
}

export interface DeliveryProgress {
  replyTokenSpent: boolean;
  /** `earlier-reply`: LINE said the token was spent, and only an earlier try of this job could have spent it. */
  via: 'reply' | 'earlier-reply' | 'push' | 'send';
}

/** What a delivery knows of the job's earlier tries, from its outbox and SQS. */
export interface DeliveryContext {
  /** A reply with the token was attempted before (it may have landed). */
  replyTokenSpent: boolean;
  /** LINE refused the token before callcard could have spent it: push. */
  replyRefused: boolean;
  /** Make a refusal of a never-used token durable before anything replaces the reply. */
  recordRefusal(): Promise<void>;
}

/** What the executor needs of a channel: render, show that the bot is working, deliver in order. */
export interface ChannelSender {
  /**
   * Whether a request may go out before the turn's outbox is stored: true when the channel itself
   * refuses a second copy (LINE: a reply token is single-use, a push carries X-Line-Retry-Key).
   */
  readonly safeBeforeRecord: boolean;
  /** Channel payloads, grouped into the requests that will carry them. */
  render(messages: ResolvedMessage[]): Delivery[];
  /** Loading animation (LINE) or typing indicator (Messenger) while a card runs; `seconds`: how long, where the channel takes it (LINE: 5..60). */
  showWaiting(seconds?: number): Promise<void>;
  deliver(index: number, delivery: Delivery, context: DeliveryContext): Promise<DeliveryProgress>;
  /** A link token for the customer's account link (LINE), for a linkAccount block's button; absent where the channel needs none. */
  issueLinkToken?(): Promise<string>;
}
