import { CHANNEL_LABELS } from '../../domain/channelKindList';
import type { ChannelAdapter, DeliveryEvent } from '../adapter';
import { createMessengerClient } from './messengerClient';
import { createMessengerSender } from './messengerSender';
import {
  MESSENGER_LIMITS as MESSENGER_INBOUND_LIMITS,
  messengerSenderIds,
  messengerWebhookSchema,
  toInboundEvents,
  type MessengerEventAction,
} from './messengerWebhook';
import { MESSENGER_LIMITS, renderMessengerMessages } from './renderMessengerMessages';
import { verifyMessengerSignature } from './verifyMessengerSignature';

/** A Messenger page: what callcard knows of Messenger, from the modules beside this one. */
export const messengerAdapter: ChannelAdapter<'messenger'> = {
  kind: 'messenger',
  label: CHANNEL_LABELS.messenger,
  noun: 'Messenger page',
  idName: 'pageId',
  apiName: 'Messenger Send API',
  credentials: {
    fields: { secret: 'Meta app secret', accessToken: 'page access token', verifyToken: 'verify token' },
    required: ['secret', 'accessToken', 'verifyToken'],
    // Under an app, the app's secret and verify token apply.
    requiredUnderApp: ['accessToken'],
  },
  signatureHeader: 'x-hub-signature-256',
  verifySignature: verifyMessengerSignature,
  conversationIds: messengerSenderIds,
  parseDelivery(json) {
    const parsed = messengerWebhookSchema.safeParse(json);
    if (!parsed.success) return { ok: false, answer: { error: 'not a Messenger webhook' } };
    return { ok: true, verification: false, events: toInboundEvents(parsed.data).map(fromAction) };
  },
  render: renderMessengerMessages,
  createSender(channel, turn, apis) {
    const client = createMessengerClient({
      baseUrl: apis.baseUrl,
      pageId: channel.channelId,
      accessToken: channel.accessToken,
      fetch: apis.fetch,
    });
    return createMessengerSender(client, turn, { logger: apis.logger, pageToken: channel.accessToken });
  },
  // The Send API takes one message a request.
  accountLink: { method: 'messengerAccountLink', linkToken: false },
  limits: { inbound: MESSENGER_INBOUND_LIMITS, outbound: MESSENGER_LIMITS, messagesPerRequest: 1 },
  features: {
    replyToken: false,
    waitingIndicator: 'typing',
    groups: false,
    echoes: true,
    apps: true,
    verifyToken: true,
    follow: false,
  },
};

function fromAction(action: MessengerEventAction): DeliveryEvent {
  if (action.kind === 'handle')
    return { kind: 'turn', to: action.pageId, turn: { eventId: action.eventId, userId: action.psid, event: action.event } };
  if (action.kind === 'echo') return { kind: 'echo', to: action.pageId, claim: action.claim };
  return action;
}
