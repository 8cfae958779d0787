import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { messengerWebhookSchema, toInboundEvents } from '../../../../../shared/channels/messenger/messengerWebhook';

const FIXTURES = join(__dirname, '../../../../fixtures/messenger');
const PSID = '1254477777772919';
const PAGE_ID = '682498302938465';

function actionsOf(body: unknown) {
  return toInboundEvents(messengerWebhookSchema.parse(body));
}

function fixture(name: string): unknown {
  return JSON.parse(readFileSync(join(FIXTURES, name), 'utf8'));
}

describe('toInboundEvents on the sample files', () => {
  /** Every kind of Meta's Messenger webhook reference, one file each (see test/fixtures/SAMPLES.md): what callcard does with it. */
  const EVENT_KINDS: Record<string, { event: unknown } | { skip: string }> = {
    // Linked: what the brand passed through its redirect (authorization_code) is the nonce its card resolves.
    'account-linking.json': { event: { type: 'accountLink', result: 'ok', nonce: 'PASS_THROUGH_AUTHORIZATION_CODE' } },
    'delivery.json': { skip: 'delivery: a delivery receipt, nothing to answer' },
    'echo.json': { skip: 'echo' },
    'fallback-with-text.json': { event: { type: 'text', text: 'hot https://shop.example.com/products/PC-001' } },
    'fallback.json': { skip: 'message with fallback attachment, no text' },
    'image.json': { skip: 'message with image attachment, no text' },
    'location.json': { skip: 'message with location attachment, no text' },
    'message-edit.json': { skip: 'message_edit: an edit of an earlier message, not a new turn' },
    'optin.json': { skip: 'optin: an opt-in (marketing messages, plugin), not a trigger' },
    'pass-thread-control.json': { skip: 'pass_thread_control: handover gave this app the thread: it answers when the person writes' },
    'postback-doc-field-value-format.json': { skip: 'user_ref sender, no PSID' },
    'postback-referral.json': { event: { type: 'text', text: 'GET_STARTED' } },
    'postback.json': { event: { type: 'text', text: 'USER-DEFINED-PAYLOAD' } },
    'quick-reply.json': { event: { type: 'text', text: 'DEVELOPER_DEFINED_PAYLOAD' } },
    'reaction.json': { skip: 'reaction: an emoji on a message, not a trigger' },
    'read.json': { skip: 'read: a read receipt, nothing to answer' },
    'referral.json': { skip: 'referral: an m.me link or an ad opened an existing thread, not a trigger' },
    'reply-to.json': { event: { type: 'text', text: 'hello, world!' } },
    'standby.json': { skip: 'standby: another app owns the thread (handover), never answered' },
    // A sticker is one, whatever attachment types Meta gives it (image, sticker, both in the transition).
    'sticker.json': { skip: 'message with sticker attachment, no text' },
    'text.json': { event: { type: 'text', text: 'hello, world!' } },
  };

  it('covers every sample file', () => {
    expect(readdirSync(FIXTURES).sort()).toEqual(Object.keys(EVENT_KINDS).sort());
  });

  it.each(Object.entries(EVENT_KINDS))('%s: answered or skipped with its reason', (name, outcome) => {
    const actions = actionsOf(fixture(name));
    expect(actions).toHaveLength(1);
    if ('event' in outcome) expect(actions[0]).toMatchObject({ kind: 'handle', event: outcome.event });
    else expect(actions[0]).toMatchObject({ kind: 'skip', reason: outcome.skip });
  });

  it('text.json: plain text', () => {
    expect(actionsOf(fixture('text.json'))).toEqual([
      {
        kind: 'handle',
        eventId: 'mid.1457764197618:41d102a3e1ae206a38',
        pageId: PAGE_ID,
        psid: PSID,
        event: { type: 'text', text: 'hello, world!' },
        occurredAt: 1458692752478,
      },
    ]);
  });

  it('quick-reply.json: the payload, not the title (a payload without data syntax reads as text)', () => {
    expect(actionsOf(fixture('quick-reply.json'))).toEqual([
      {
        kind: 'handle',
        eventId: 'mid.1457764197618:41d102a3e1ae206a38',
        pageId: PAGE_ID,
        psid: PSID,
        event: { type: 'text', text: 'DEVELOPER_DEFINED_PAYLOAD' },
        occurredAt: 1458692752478,
      },
    ]);
  });

  it('postback.json: the payload, deduplicated on postback.mid', () => {
    expect(actionsOf(fixture('postback.json'))).toEqual([
      {
        kind: 'handle',
        eventId: 'm_MESSAGE-ID',
        pageId: PAGE_ID,
        psid: PSID,
        event: { type: 'text', text: 'USER-DEFINED-PAYLOAD' },
        occurredAt: 1458692752478,
      },
    ]);
  });

  it('quick replies and postbacks in postback data syntax become postbacks, as on LINE', () => {
    for (const name of ['quick-reply.json', 'postback.json']) {
      const body = JSON.parse(
        readFileSync(join(FIXTURES, name), 'utf8').replace(/DEVELOPER_DEFINED_PAYLOAD|USER-DEFINED-PAYLOAD/g, 'action=my_tickets&id=7'),
      );
      expect(actionsOf(body)).toEqual([
        expect.objectContaining({ kind: 'handle', event: { type: 'postback', data: 'action=my_tickets&id=7' } }),
      ]);
    }
  });

  it('a payload without data syntax came from a "message" button: the flow sees its text', () => {
    const quickReply = {
      object: 'page',
      entry: [
        {
          id: PAGE_ID,
          time: 1,
          messaging: [
            {
              sender: { id: PSID },
              recipient: { id: PAGE_ID },
              timestamp: 1,
              message: { mid: 'm_q', text: 'Best sellers', quick_reply: { payload: 'hot' } },
            },
          ],
        },
      ],
    };
    expect(actionsOf(quickReply)[0]).toMatchObject({ kind: 'handle', event: { type: 'text', text: 'hot' } });
  });

  it('echo.json: the page talking is skipped', () => {
    expect(actionsOf(fixture('echo.json'))).toEqual([{ kind: 'skip', eventId: 'mid.1457764197618:41d102a3e1ae206a38', reason: 'echo' }]);
  });

  it('postback-doc-field-value-format.json: parsed, then skipped because user_ref is not a PSID', () => {
    expect(actionsOf(fixture('postback-doc-field-value-format.json'))).toEqual([
      { kind: 'skip', eventId: 'm_MESSAGE-ID', reason: 'user_ref sender, no PSID' },
    ]);
  });
});

describe('toInboundEvents', () => {
  const envelope = (...messaging: unknown[]) => ({ object: 'page', entry: [{ id: PAGE_ID, time: 1, messaging }] });
  const base = { sender: { id: PSID }, recipient: { id: PAGE_ID }, timestamp: 1700000000000 };

  it('handles the {field, value} format when it carries a PSID, with string timestamps in seconds', () => {
    const body = {
      field: 'messaging_postbacks',
      value: {
        sender: { id: PSID },
        recipient: { id: PAGE_ID },
        timestamp: '1527459824',
        postback: { mid: 'm_1', title: 'My tickets', payload: 'action=my_tickets' },
      },
    };
    expect(actionsOf(body)).toEqual([
      {
        kind: 'handle',
        eventId: 'm_1',
        pageId: PAGE_ID,
        psid: PSID,
        event: { type: 'postback', data: 'action=my_tickets' },
        occurredAt: 1527459824000,
      },
    ]);
  });

  it('skips {field, value} bodies of fields that are not messaging events, and echoes flagged with a string', () => {
    expect(actionsOf({ field: 'feed', value: { item: 'post' } })).toEqual([
      { kind: 'skip', eventId: undefined, reason: 'unsupported field feed' },
    ]);
    const echo = { field: 'message_echoes', value: { ...base, message: { mid: 'm_e', is_echo: 'true', text: 'hi' } } };
    expect(actionsOf(echo)).toEqual([{ kind: 'skip', eventId: 'm_e', reason: 'echo' }]);
  });

  it('keeps the order of several entries and events, and skips what it does not answer', () => {
    const body = {
      object: 'page',
      entry: [
        {
          id: PAGE_ID,
          time: 1,
          messaging: [
            { ...base, message: { mid: 'm_a', text: 'hot' } },
            { ...base, read: { watermark: 1 } },
          ],
        },
        {
          id: PAGE_ID,
          time: 2,
          messaging: [
            { ...base, delivery: { mids: ['m_a'], watermark: 1 } },
            { ...base, postback: { mid: 'm_b', title: 'T', payload: 'action=my_tickets' } },
          ],
        },
        { id: PAGE_ID, time: 3, standby: [{ ...base, message: { mid: 'm_standby', text: 'x' } }] },
      ],
    };
    const actions = actionsOf(body);
    expect(actions.map((a) => (a.kind === 'handle' ? a.event : a.kind === 'skip' ? a.reason : a.kind))).toEqual([
      { type: 'text', text: 'hot' },
      'read: a read receipt, nothing to answer',
      'delivery: a delivery receipt, nothing to answer',
      { type: 'postback', data: 'action=my_tickets' },
      // Handover: another app owns this thread.
      'standby: another app owns the thread (handover), never answered',
    ]);
  });

  it('skips attachment-only messages, reactions, and postbacks without a payload', () => {
    const actions = actionsOf(
      envelope(
        { ...base, message: { mid: 'm_img', attachments: [{ type: 'image', payload: { url: 'https://example.com/a.png' } }] } },
        { ...base, reaction: { mid: 'm_x', action: 'react', emoji: '❤' } },
        { ...base, postback: { mid: 'm_p', title: 'Nothing' } },
      ),
    );
    expect(actions).toEqual([
      { kind: 'skip', eventId: 'm_img', reason: 'message with image attachment, no text' },
      { kind: 'skip', eventId: `${PSID}@1700000000000`, reason: 'reaction: an emoji on a message, not a trigger' },
      { kind: 'skip', eventId: 'm_p', reason: 'postback without payload' },
    ]);
  });

  it('falls back to sender and timestamp when Meta sent no mid', () => {
    expect(actionsOf(envelope({ ...base, postback: { title: 'Get Started', payload: 'action=start' } }))).toEqual([
      {
        kind: 'handle',
        eventId: `${PSID}@1700000000000`,
        pageId: PAGE_ID,
        psid: PSID,
        event: { type: 'postback', data: 'action=start' },
        occurredAt: 1700000000000,
      },
    ]);
    expect(actionsOf(envelope({ sender: { id: PSID }, postback: { payload: 'x' } }))).toEqual([
      { kind: 'skip', eventId: undefined, reason: 'no mid and no timestamp to deduplicate on' },
    ]);
  });

  it('takes the page from the entry when the event has no recipient', () => {
    const [action] = actionsOf(envelope({ sender: { id: PSID }, timestamp: 1700000000000, message: { mid: 'm_1', text: 'hi' } }));
    expect(action).toMatchObject({ kind: 'handle', pageId: PAGE_ID });
  });

  it('skips events it cannot read instead of failing the delivery', () => {
    const actions = actionsOf(
      envelope(
        'not an event',
        { ...base, sender: { id: 42 }, message: { mid: 'm_1', text: 'hi' } },
        { ...base, message: { mid: 'm_2', text: 'ok' } },
      ),
    );
    expect(actions.map((a) => a.kind)).toEqual(['skip', 'skip', 'handle']);
  });

  it('skips other objects (Instagram, WhatsApp)', () => {
    expect(actionsOf({ object: 'instagram', entry: [{ id: '1', messaging: [{ ...base, message: { mid: 'm', text: 'hi' } }] }] })).toEqual([
      { kind: 'skip', eventId: undefined, reason: 'unsupported object instagram' },
    ]);
  });

  it('a quick reply with an empty payload counts as the text it shows', () => {
    expect(actionsOf(envelope({ ...base, message: { mid: 'm_q', text: 'hot', quick_reply: { payload: '' } } }))[0]).toMatchObject({
      event: { type: 'text', text: 'hot' },
    });
  });
});

describe('messaging_account_linking', () => {
  const linking = (account_linking: unknown) =>
    toInboundEvents(
      messengerWebhookSchema.parse({
        object: 'page',
        entry: [{ id: 'P1', messaging: [{ sender: { id: 'PS1' }, recipient: { id: 'P1' }, timestamp: 1700000000000, account_linking }] }],
      }),
    );
  it('linked with a code, linked without one (failed), unlinked; deduplicated on sender and time (no mid)', () => {
    expect(linking({ status: 'linked', authorization_code: 'code-1' })).toEqual([
      {
        kind: 'handle',
        eventId: 'PS1@1700000000000',
        pageId: 'P1',
        psid: 'PS1',
        event: { type: 'accountLink', result: 'ok', nonce: 'code-1' },
        occurredAt: 1700000000000,
      },
    ]);
    expect(linking({ status: 'linked' })).toMatchObject([{ kind: 'handle', event: { type: 'accountLink', result: 'failed' } }]);
    expect(linking({ status: 'unlinked' })).toMatchObject([{ kind: 'handle', event: { type: 'accountLink', result: 'unlinked' } }]);
  });
  it('an unknown status is skipped with its reason; a code past its bound is malformed', () => {
    expect(linking({ status: 'pending' })).toMatchObject([
      { kind: 'skip', reason: 'account_linking: an account-linking status callcard does not know' },
    ]);
    expect(linking({ status: 'linked', authorization_code: 'x'.repeat(513) })).toMatchObject([{ kind: 'skip', malformed: true }]);
  });
});

describe('messengerWebhookSchema', () => {
  it('rejects bodies that are neither form', () => {
    for (const body of [{}, { object: 'page' }, { entry: [] }, { object: 'page', entry: {} }, [], 'page', null]) {
      expect(messengerWebhookSchema.safeParse(body).success).toBe(false);
    }
  });
});

describe('toInboundEvents bounds what can become a key, a job or a log line', () => {
  const big = '1'.repeat(100_000);
  const envelope = (...messaging: unknown[]) => ({ object: 'page', entry: [{ id: PAGE_ID, time: 1, messaging }] });
  const base = { sender: { id: PSID }, recipient: { id: PAGE_ID }, timestamp: 1700000000000 };
  const one = (event: unknown) => actionsOf(envelope(event))[0];
  const skippedAsMalformed = (action: ReturnType<typeof one>, path: string) => {
    expect(action).toMatchObject({ kind: 'skip', malformed: true, reason: expect.stringContaining(path) });
    expect(action?.kind === 'skip' && action.reason.length).toBeLessThan(200);
  };

  test('Meta-shaped values at their documented sizes pass', () => {
    const mid = 'm_AG5Hz2Uq7tuwNEhXfYYKj8mJEM_QPpz5jdCK48PnKAjSdjfipqxqMvK8ma6AC8fplwlqLP_5cgXIbu7I3rBN0P';
    expect(one({ ...base, message: { mid, text: '字'.repeat(2_000) } })).toMatchObject({
      kind: 'handle',
      eventId: mid,
      event: { type: 'text', text: '字'.repeat(2_000) },
    });
    expect(one({ ...base, postback: { mid: 'm_1', title: 'T', payload: `action=a&x=${'y'.repeat(988)}` } })).toMatchObject({
      kind: 'handle',
      event: { type: 'postback' },
    });
    expect(one({ ...base, message: { mid: 'mid.$cAAJsujCd2ORj_1qmrFdzhVa-4cvO', text: 'hi' } })).toMatchObject({ kind: 'handle' });
  });

  test('a 100,000-character PSID is skipped, keeping the (valid) mid for the log', () => {
    const action = one({ ...base, sender: { id: big }, message: { mid: 'm_1', text: 'hi' } });
    skippedAsMalformed(action, 'sender.id');
    expect(action && 'eventId' in action ? action.eventId : undefined).toBe('m_1');
  });

  test('a 100,000-character mid is skipped, and not echoed as the event id', () => {
    const action = one({ ...base, message: { mid: big, text: 'hi' } });
    skippedAsMalformed(action, 'message.mid');
    expect(action && 'eventId' in action ? action.eventId : undefined).toBeUndefined();
  });

  test.each([
    ['text over 2,000 characters', { ...base, message: { mid: 'm_1', text: 'x'.repeat(2_001) } }, 'message.text'],
    ['5 MiB of text', { ...base, message: { mid: 'm_1', text: 'x'.repeat(5 * 1024 * 1024) } }, 'message.text'],
    ['a postback payload over 1,000 characters', { ...base, postback: { mid: 'm_1', payload: 'p'.repeat(1_001) } }, 'postback.payload'],
    [
      'a quick-reply payload over 1,000 characters',
      { ...base, message: { mid: 'm_1', text: 'Hot', quick_reply: { payload: 'p'.repeat(1_001) } } },
      'message.quick_reply.payload',
    ],
    ['a recipient id over 128 characters', { ...base, recipient: { id: big }, message: { mid: 'm_1', text: 'hi' } }, 'recipient.id'],
    ['a PSID with a key separator', { ...base, sender: { id: '1#2' }, message: { mid: 'm_1', text: 'hi' } }, 'sender.id'],
    ['a 100,000-character timestamp string', { ...base, timestamp: big, message: { mid: 'm_1', text: 'hi' } }, 'timestamp'],
  ])('%s is skipped as malformed', (_what, event, path) => {
    skippedAsMalformed(one(event), path);
  });

  test('an entry whose page id is not an id has its events skipped', () => {
    const [action] = actionsOf({
      object: 'page',
      entry: [{ id: big, time: 1, messaging: [{ ...base, message: { mid: 'm_1', text: 'hi' } }] }],
    });
    expect(action).toMatchObject({ kind: 'skip', malformed: true });
  });

  test('names from the body are never logged whole', () => {
    expect(actionsOf({ field: big, value: {} })).toEqual([
      { kind: 'skip', eventId: undefined, reason: 'unsupported field <string of 100000 characters>' },
    ]);
    expect(actionsOf({ object: big, entry: [] })).toEqual([
      { kind: 'skip', eventId: undefined, reason: 'unsupported object <string of 100000 characters>' },
    ]);
    expect(one({ ...base, [big]: {} })).toMatchObject({ kind: 'skip', reason: 'unsupported event <string of 100000 characters>' });
  });

  test('a delivery keeps its good events when one is malformed', () => {
    const actions = actionsOf(
      envelope({ ...base, sender: { id: big }, message: { mid: 'm_1', text: 'hi' } }, { ...base, message: { mid: 'm_2', text: 'hot' } }),
    );
    expect(actions.map((a) => a.kind)).toEqual(['skip', 'handle']);
  });
});
