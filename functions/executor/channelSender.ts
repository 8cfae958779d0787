import type { ResolvedMessage } from '../../shared/messages/message';
import type { Delivery } from '../../shared/store/jobStates';

export interface DeliveryProgress {
  replyTokenSpent: boolean;
  via: 'reply' | 'push' | 'send';
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
  /** Loading animation (LINE) or typing indicator (Messenger) while a card runs. */
  showWaiting(): Promise<void>;
  deliver(index: number, delivery: Delivery, progress: { replyTokenSpent: boolean }): Promise<DeliveryProgress>;
}
