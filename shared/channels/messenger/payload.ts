import type { InboundEvent } from '../../domain/inboundEvents';

/**
 * What a Messenger payload (a quick reply's or a postback button's) means to a flow, for the webhook and
 * the console's simulator alike. A payload in postback data syntax (`action=my_tickets`) is a postback,
 * exactly as on LINE. One without a `=` came from a "message" button: Messenger has no "send this text"
 * button, so the renderer put the text in the payload, and the flow must see it as that text (`hot` has
 * to reach the keyword trigger). A payload that is neither loses nothing as text: a fallback or a waiting question reads
 * both the same way, and postback triggers need `action=`.
 */
export function fromPayload(payload: string): InboundEvent {
  return payload.includes('=') ? { type: 'postback', data: payload } : { type: 'text', text: payload };
}
