import { instagramWebhookBody, type InstagramAction } from '../../../local/instagramWebhookBody';
import { signMessengerBody } from '../../../local/messengerWebhookBody';
import { instagramWebhookSchema, toInstagramEvents } from '../../../shared/channels/instagram/instagramWebhook';
import { verifyMessengerSignature } from '../../../shared/channels/messenger/verifyMessengerSignature';

const options = { igsid: '6543210987654321', accountId: '17841405309211844', timestamp: 1569262485349 };
const actionsOf = (body: string) => toInstagramEvents(instagramWebhookSchema.parse(JSON.parse(body)));

describe('instagramWebhookBody', () => {
  it.each<[InstagramAction, unknown]>([
    [
      { type: 'text', text: 'hello' },
      { kind: 'handle', event: { type: 'text', text: 'hello' } },
    ],
    [
      { type: 'postback', data: 'action=faq' },
      { kind: 'handle', event: { type: 'postback', data: 'action=faq' } },
    ],
    [
      { type: 'quick_reply', text: 'Red', payload: 'action=color&v=red' },
      { kind: 'handle', event: { type: 'postback', data: 'action=color&v=red' } },
    ],
    [
      { type: 'story_reply', text: 'nice!' },
      { kind: 'handle', event: { type: 'text', text: 'nice!' } },
    ],
    [{ type: 'story_mention' }, { kind: 'skip', reason: 'story mention, not a message to answer' }],
  ])('%j reads back through the parser', (action, expected) => {
    const actions = actionsOf(instagramWebhookBody(action, options));
    expect(actions).toEqual([expect.objectContaining(expected)]);
    if (actions[0]?.kind === 'handle')
      expect(actions[0]).toMatchObject({ psid: options.igsid, pageId: options.accountId, occurredAt: options.timestamp });
  });

  it('gives every event its own mid unless one is given, and signs like Messenger', () => {
    const a = actionsOf(instagramWebhookBody({ type: 'text', text: 'x' }, options))[0];
    const b = actionsOf(instagramWebhookBody({ type: 'text', text: 'x' }, options))[0];
    expect(a?.kind === 'handle' && b?.kind === 'handle' && a.eventId !== b.eventId).toBe(true);
    expect(actionsOf(instagramWebhookBody({ type: 'text', text: 'x' }, { ...options, mid: 'm_fixed' }))[0]).toMatchObject({
      eventId: 'm_fixed',
    });
    const body = instagramWebhookBody({ type: 'text', text: 'x' }, options);
    expect(verifyMessengerSignature(Buffer.from(body), 'secret', signMessengerBody(body, 'secret'))).toBe(true);
  });
});
