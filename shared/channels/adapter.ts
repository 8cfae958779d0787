import type { Logger } from '@aws-lambda-powertools/logger';
import type { BindingMethod } from '../domain/binding';
import type { ChannelKind, ChatType } from '../domain/channelKinds';
import type { InboundEvent } from '../domain/inboundEvents';
import type { GuardedFetch } from '../http/guardedFetch';
import type { ResolvedMessage } from '../messages/message';
import type { Channel } from './channel';
import type { EchoClaim } from './messenger/echoReceipt';
import type { ChannelSender, SendingTurn } from './sender';

/** A credential a channel may hold (shared/channels/channel.ts). */
export type CredentialField = 'secret' | 'accessToken' | 'verifyToken';

/** One customer turn a delivery holds: what the intake queues (shared/intake/queueTurns.ts `InboundTurn`). */
export interface ParsedTurn {
  /** The dedupe key: LINE's `webhookEventId`, Messenger's `mid` (or `<psid>@<timestamp>`). */
  eventId: string;
  /** The conversation: the customer, or (LINE) the group or room. */
  userId: string;
  chat?: ChatType;
  /** In a group or room, the member who spoke, when the channel names them. */
  speakerId?: string;
  event: InboundEvent;
  replyToken?: string;
}

/** What one event of a signed delivery is to callcard. */
export type DeliveryEvent =
  /** A turn; `to`: the channel id the body addresses it to, where it says one (Messenger's page id). */
  | { kind: 'turn'; turn: ParsedTurn; to?: string | undefined }
  /** Not answered, with why (logged). `malformed`: it broke the webhook's shape or bounds (a warning). */
  | { kind: 'skip'; eventId: string | undefined; reason: string; malformed?: true }
  /** The channel's echo of a message callcard sent (features.echoes): its delivery receipt, once checked against `to`. */
  | { kind: 'echo'; to: string; claim: EchoClaim };

/** A signed delivery read by its channel: its events, or the 400 answer for a body that is not the channel's webhook at all. */
export type ParsedDelivery =
  | {
      ok: true;
      /** The channel's own check of the webhook URL (LINE's Verify button: a delivery without events). */
      verification: boolean;
      events: DeliveryEvent[];
    }
  | { ok: false; answer: { error: string; problems?: string[] } };

/** What a sender is given besides its channel and turn: the channel's API (or a stand-in), the one outbound path, the log. */
export interface SenderApis {
  baseUrl: string;
  fetch: GuardedFetch;
  logger: Logger;
}

/**
 * What a channel is to callcard: everything that differs between LINE and Messenger, so code outside
 * shared/channels/<kind>/ asks the registry (shared/channels/registry.ts) instead of branching on the
 * kind. Each member delegates to the channel's own modules (signatures, webhook parsing, rendering,
 * API clients, senders); behaviour lives there.
 */
export interface ChannelAdapter<K extends ChannelKind = ChannelKind> {
  readonly kind: K;
  /** The channel's name for people: `LINE`, `Messenger`. */
  readonly label: string;
  /** What one channel of this kind is called in answers and problems: `LINE channel`, `Messenger page`. */
  readonly noun: string;
  /** What the id of one channel (its webhook URL's `{channelId}`) is called: `channelId` (LINE), `pageId` (Messenger). */
  readonly idName: string;
  /** The API its messages are rendered for and sent to: `LINE Messaging API`, `Messenger Send API`. */
  readonly apiName: string;

  /** The credentials a channel of this kind takes, and which a new one must be given. */
  readonly credentials: {
    /** Each credential it takes, and what it is on this channel. */
    readonly fields: Readonly<Partial<Record<CredentialField, string>>>;
    /** What a new channel must be given (standing alone). */
    readonly required: readonly CredentialField[];
    /** What a new one registered under an app must be given (only where `features.apps`). */
    readonly requiredUnderApp?: readonly CredentialField[];
  };

  /** The request header carrying the webhook's signature (lower case). */
  readonly signatureHeader: string;
  /** Whether `header` signs the exact bytes received with `secret` (constant time). */
  verifySignature(rawBody: Buffer, secret: string, header: string | undefined): boolean;

  /**
   * The conversations an (unverified) delivery names, so their sessions can be read beside the
   * channel before the signature is checked. Reads only: nothing is trusted from it.
   */
  conversationIds(json: unknown): string[];
  /** A signed delivery's events, in order: turns, logged skips and (Messenger) echo receipts. */
  parseDelivery(json: unknown): ParsedDelivery;

  /** The channel's payloads for a turn's messages, each fitted to its limits. */
  render(messages: ResolvedMessage[]): unknown[];
  /** The sender that delivers a turn's answer on this channel (executor), over its API client. */
  createSender(channel: Channel, turn: SendingTurn, apis: SenderApis): ChannelSender;

  /**
   * Account linking (a linkAccount block): the binding method a completed link makes, and whether the
   * login URL carries a link token issued for the customer (LINE's account link; the sender issues it).
   */
  readonly accountLink: { readonly method: BindingMethod; readonly linkToken: boolean };

  readonly limits: {
    /** What a customer can send: text and payload sizes the webhook parser bounds. */
    readonly inbound: Readonly<Record<string, number>>;
    /** What callcard may send: the rendering's limits. */
    readonly outbound: Readonly<Record<string, number>>;
    /** Messages one send request carries. */
    readonly messagesPerRequest: number;
  };

  readonly features: {
    /** Answers first with the event's single-use reply token (LINE). */
    readonly replyToken: boolean;
    /** What shows that the bot is working while a card runs. */
    readonly waitingIndicator: 'loading' | 'typing';
    /** Group and multi-person chats (LINE groups and rooms). */
    readonly groups: boolean;
    /** Echoes of callcard's own messages come back as delivery receipts (Messenger). */
    readonly echoes: boolean;
    /** Channels may be registered under an app whose secret verifies them (Messenger pages under a Meta app). */
    readonly apps: boolean;
    /** A subscription check with a verify token (Meta's `hub.challenge`). */
    readonly verifyToken: boolean;
    /** A `follow` event starts a conversation (LINE: the customer added the account). */
    readonly follow: boolean;
  };
}
