import { CHANNEL_LABELS } from '../../domain/channelKindList';
import { forLog } from '../../logging/logValues';
import type { ChannelAdapter, DeliveryEvent } from '../adapter';
import { createLineClient } from './lineClient';
import { createLineSender } from './lineSender';
import {
  lineConversationIds,
  lineWebhookSchema,
  LINE_LIMITS as LINE_INBOUND_LIMITS,
  toInboundEvent,
  type LineEventAction,
} from './lineWebhook';
import { LINE_LIMITS, renderLineMessages } from './renderLineMessages';
import { verifyLineSignature } from './verifyLineSignature';

/** LINE takes at most 5 messages per reply or push (lineSender.ts groups them so). */
const MESSAGES_PER_REQUEST = 5;

/** A LINE official account's channel: what callcard knows of LINE, from the modules beside this one. */
export const lineAdapter: ChannelAdapter<'line'> = {
  kind: 'line',
  label: CHANNEL_LABELS.line,
  noun: 'LINE channel',
  idName: 'channelId',
  apiName: 'LINE Messaging API',
  credentials: {
    fields: { secret: 'channel secret', accessToken: 'channel access token' },
    required: ['secret', 'accessToken'],
  },
  signatureHeader: 'x-line-signature',
  verifySignature: verifyLineSignature,
  conversationIds: lineConversationIds,
  parseDelivery(json) {
    const parsed = lineWebhookSchema.safeParse(json);
    if (!parsed.success) {
      return {
        ok: false,
        answer: {
          error: 'not a LINE webhook',
          problems: parsed.error.issues.slice(0, 5).map((i) => `${i.path.map((p) => forLog(String(p), 32)).join('.')}: ${i.message}`),
        },
      };
    }
    // LINE's Verify button (in the LINE Developers console) posts a signed delivery without events.
    return {
      ok: true,
      verification: parsed.data.events.length === 0,
      events: parsed.data.events.map((event) => fromAction(toInboundEvent(event))),
    };
  },
  render: renderLineMessages,
  createSender: (channel, turn, apis) =>
    createLineSender(createLineClient({ baseUrl: apis.baseUrl, accessToken: channel.accessToken, fetch: apis.fetch }), turn),
  accountLink: { method: 'lineAccountLink', linkToken: true },
  limits: { inbound: LINE_INBOUND_LIMITS, outbound: LINE_LIMITS, messagesPerRequest: MESSAGES_PER_REQUEST },
  features: {
    replyToken: true,
    waitingIndicator: 'loading',
    groups: true,
    echoes: false,
    apps: false,
    verifyToken: false,
    follow: true,
  },
};

function fromAction(action: LineEventAction): DeliveryEvent {
  if (action.kind === 'skip') return action;
  return {
    kind: 'turn',
    turn: {
      eventId: action.eventId,
      userId: action.userId,
      chat: action.chat,
      ...(action.speakerId ? { speakerId: action.speakerId } : {}),
      event: action.event,
      ...(action.replyToken ? { replyToken: action.replyToken } : {}),
    },
  };
}
