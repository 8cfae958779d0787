import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import {
  lineEventSchema,
  lineWebhookSchema,
  skipReason,
  toInboundEvent,
  type LineEvent,
  type LineEventAction,
} from '../../../../../shared/channels/line/lineWebhook';
import { inboundEventSchema } from '../../../../../shared/domain/inboundEvents';

/** The logged reason callcard skips an event type with. */
const why = (type: string): string => skipReason(type) ?? `(${type} is not skipped)`;

const FIXTURES = path.join(__dirname, '../../../../fixtures/line');

function fixture(name: string): unknown {
  return JSON.parse(readFileSync(path.join(FIXTURES, name), 'utf8'));
}

function events(name: string): LineEvent[] {
  return lineWebhookSchema.parse(fixture(name)).events.map((e) => lineEventSchema.parse(e));
}

function handled(action: LineEventAction): Extract<LineEventAction, { kind: 'handle' }> {
  if (action.kind !== 'handle') throw new Error(`expected handle, got skip (${action.reason})`);
  return action;
}

function event(overrides: Record<string, unknown>): LineEvent {
  return lineEventSchema.parse(unchecked(overrides));
}

/** A LINE event as delivered, not yet read by the schema. */
function unchecked(overrides: Record<string, unknown>): Record<string, unknown> {
  return {
    type: 'message',
    mode: 'active',
    timestamp: 1_700_000_000_000,
    webhookEventId: '01TESTEVENT',
    deliveryContext: { isRedelivery: false },
    source: { type: 'user', userId: 'U1234' },
    replyToken: 'reply-token',
    message: { id: '1', type: 'text', text: 'hello' },
    ...overrides,
  };
}

describe('lineWebhookSchema', () => {
  const files = readdirSync(FIXTURES).filter((f) => f.endsWith('.json'));

  test('the fixture folder holds the documented samples', () => {
    expect(files).toEqual(
      expect.arrayContaining([
        'follow.json',
        'postback-datetime.json',
        'postback-richmenu-switch.json',
        'sdk-python-v3-webhook-all-events.json',
        'text-follow-unfollow-user.json',
        'text-group-mention-emoji.json',
        'verify-empty-events.json',
      ]),
    );
  });

  test.each(readdirSync(FIXTURES).filter((f) => f.endsWith('.json')))('parses %s, keeping every event', (name) => {
    const raw = fixture(name) as { events: unknown[] };
    const parsed = lineWebhookSchema.safeParse(raw);
    expect(parsed.success).toBe(true);
    expect(parsed.data?.events).toHaveLength(raw.events.length);
  });

  test.each(readdirSync(FIXTURES).filter((f) => f.endsWith('.json')))(
    'toInboundEvent never throws on %s and always says why it skips',
    (name) => {
      for (const e of events(name)) {
        const action = toInboundEvent(e);
        expect(action.eventId).toBe(e.webhookEventId);
        if (action.kind === 'skip') expect(action.reason).not.toBe('');
        else expect(inboundEventSchema.safeParse(action.event).success).toBe(true);
      }
    },
  );

  test('the connectivity check has no events', () => {
    const parsed = lineWebhookSchema.parse(fixture('verify-empty-events.json'));
    expect(parsed.events).toEqual([]);
    expect(parsed.destination).toBe('U8e742f61d673b39c7fff3cecb7536ef0');
  });

  test('extra fields LINE adds pass through', () => {
    const [first] = events('text-group-mention-emoji.json');
    expect(first).toMatchObject({ message: { quoteToken: 'q3Plxr4AgKd...', mention: { mentionees: expect.any(Array) } } });
    expect(first?.source).toMatchObject({ type: 'group', groupId: 'Ca56f94637c...' });
  });

  test('a delivery that is not a webhook is refused', () => {
    expect(lineWebhookSchema.safeParse({}).success).toBe(false);
    expect(lineWebhookSchema.safeParse({ destination: 'U1', events: {} }).success).toBe(false);
    expect(lineWebhookSchema.safeParse(null).success).toBe(false);
  });

  test('events are read one by one: the envelope keeps an event it cannot read, toInboundEvent skips it', () => {
    const base = { type: 'follow', timestamp: 1, webhookEventId: 'e1', source: { type: 'user', userId: 'U1' } };
    expect(lineWebhookSchema.safeParse({ events: [base, { ...base, webhookEventId: '' }, 'junk'] }).success).toBe(true);
  });

  test('an event without a webhookEventId or timestamp is skipped as malformed (it could not be deduplicated)', () => {
    const base = { type: 'follow', timestamp: 1, webhookEventId: 'e1', source: { type: 'user', userId: 'U1' } };
    expect(toInboundEvent(base)).toMatchObject({ kind: 'handle' });
    expect(toInboundEvent({ ...base, webhookEventId: '' })).toMatchObject({
      kind: 'skip',
      eventId: undefined,
      malformed: true,
      reason: expect.stringContaining('webhookEventId'),
    });
    expect(toInboundEvent({ ...base, webhookEventId: undefined })).toMatchObject({ kind: 'skip', malformed: true });
    expect(toInboundEvent({ ...base, timestamp: '1' })).toMatchObject({
      kind: 'skip',
      eventId: 'e1',
      malformed: true,
      reason: expect.stringContaining('timestamp'),
    });
    for (const junk of [null, 'event', 42, [], {}])
      expect(toInboundEvent(junk)).toMatchObject({ kind: 'skip', eventId: undefined, malformed: true });
  });
});

describe('toInboundEvent over the official SDK fixture (28 events)', () => {
  const all = events('sdk-python-v3-webhook-all-events.json');
  const actions = all.map(toInboundEvent);

  test('holds 28 events', () => {
    expect(all).toHaveLength(28);
  });

  // Index → expected outcome, from the fixture.
  const expected: Array<[number, string, LineEventAction['kind'], string]> = [
    [0, 'text from a user', 'handle', 'text'],
    [1, 'image in a room, no userId', 'skip', 'message/image: only text messages are answered'],
    [2, 'video', 'skip', 'message/video: only text messages are answered'],
    [3, 'audio', 'skip', 'message/audio: only text messages are answered'],
    [4, 'location', 'skip', 'message/location: only text messages are answered'],
    [5, 'sticker', 'skip', 'message/sticker: only text messages are answered'],
    [6, 'follow', 'handle', 'follow'],
    [7, 'unfollow', 'handle', 'closed'],
    [8, 'join (group, no userId)', 'skip', why('join')],
    [9, 'leave (group, no userId)', 'handle', 'closed'],
    [10, 'postback with datetime', 'handle', 'postback'],
    [11, 'beacon', 'skip', why('beacon')],
    [12, 'beacon', 'skip', why('beacon')],
    [13, 'accountLink', 'handle', 'accountLink'],
    [14, 'text in a group with userId', 'handle', 'text'],
    [15, 'text in a room with userId', 'handle', 'text'],
    [16, 'postback with date', 'handle', 'postback'],
    [17, 'postback with time', 'handle', 'postback'],
    [18, 'postback with datetime', 'handle', 'postback'],
    [19, 'memberJoined (no userId)', 'skip', why('memberJoined')],
    [20, 'memberLeft (no userId)', 'skip', why('memberLeft')],
    [21, 'file', 'skip', 'message/file: only text messages are answered'],
    [22, 'unsend (in a group)', 'skip', why('unsend')],
    [23, 'videoPlayComplete', 'skip', why('videoPlayComplete')],
    [24, 'image', 'skip', 'message/image: only text messages are answered'],
    [25, 'redelivered text', 'handle', 'text'],
    [26, 'messageEdited (carries a text message)', 'skip', why('messageEdited')],
    [27, 'unknown type "undefined", redelivered', 'skip', 'unsupported event undefined'],
  ];

  test('the table covers every event', () => {
    expect(expected.map(([i]) => i)).toEqual(all.map((_, i) => i));
  });

  test.each(expected)('event %i (%s) → %s %s', (index, _what, kind, detail) => {
    const action = actions[index];
    expect(action?.kind).toBe(kind);
    if (action?.kind === 'handle') expect(action.event.type).toBe(detail);
    if (action?.kind === 'skip') expect(action.reason).toBe(detail);
  });

  test("an accountLink (ok) becomes an accountLink event with LINE's nonce and its reply token", () => {
    expect(actions[13]).toEqual({
      kind: 'handle',
      eventId: 'testwebhookeventid',
      userId: 'U206d25c2ea6bd87c17655609a1c37cb8',
      chat: 'user',
      replyToken: 'nHuyWiB7yP5Zw52FIkcQobQuGDXCTA',
      occurredAt: 1462629479859,
      event: { type: 'accountLink', result: 'ok', nonce: 'Vb771wDYtXuammLszK6h9A' },
    });
  });

  test('a text message becomes a text event with the user, reply token and time', () => {
    expect(actions[0]).toEqual({
      kind: 'handle',
      eventId: 'testwebhookeventid',
      userId: 'U206d25c2ea6bd87c17655609a1c37cb8',
      chat: 'user',
      replyToken: 'nHuyWiB7yP5Zw52FIkcQobQuGDXCTA',
      occurredAt: 1462629479859,
      event: { type: 'text', text: 'Hello, world' },
    });
  });

  test('a group or room message is a turn of the group or room: its id is the conversation, the member who spoke the speaker', () => {
    expect(actions[14]).toEqual({
      kind: 'handle',
      eventId: 'testwebhookeventid',
      userId: 'Ca56f94637cc4347f90a25382909b24b9',
      chat: 'group',
      speakerId: 'U206d25c2ea6bd87c17655609a1c37cb8',
      replyToken: 'nHuyWiB7yP5Zw52FIkcQobQuGDXCTA',
      occurredAt: 1462629479859,
      event: { type: 'text', text: 'Hello, world' },
    });
    expect(actions[15]).toMatchObject({
      kind: 'handle',
      userId: 'Ra8dbf4673c4c812cd491258042226c99',
      chat: 'room',
      speakerId: 'U206d25c2ea6bd87c17655609a1c37cb8',
    });
  });

  test("an unfollow closes the customer's conversation; a leave closes the group's (neither has a reply token)", () => {
    expect(actions[7]).toMatchObject({
      kind: 'handle',
      userId: 'U206d25c2ea6bd87c17655609a1c37cb8',
      chat: 'user',
      replyToken: undefined,
      event: { type: 'closed', by: 'unfollow' },
    });
    expect(actions[9]).toMatchObject({
      kind: 'handle',
      userId: 'Ca56f94637cc4347f90a25382909b24b9',
      chat: 'group',
      replyToken: undefined,
      event: { type: 'closed', by: 'leave' },
    });
  });

  test('a postback carries its data as it was sent, and what a datetime picker chose as params', () => {
    const data = 'action=buyItem&itemId=123123&color=red';
    expect(handled(actions[10] as LineEventAction).event).toEqual({ type: 'postback', data, params: { datetime: '2017-12-25T01:00' } });
    expect(handled(actions[16] as LineEventAction).event).toEqual({ type: 'postback', data, params: { date: '2013-04-01' } });
    expect(handled(actions[17] as LineEventAction).event).toEqual({ type: 'postback', data, params: { time: '10:00' } });
    expect(handled(actions[18] as LineEventAction).event).toEqual({ type: 'postback', data, params: { datetime: '2013-04-01T10:00' } });
  });

  test('a follow becomes a follow event', () => {
    expect(handled(actions[6] as LineEventAction)).toMatchObject({
      event: { type: 'follow' },
      replyToken: 'nHuyWiB7yP5Zw52FIkcQobQuGDXCTA',
    });
  });

  test('a redelivered event maps to exactly what the original did (same event id, so it can be deduplicated)', () => {
    expect(all[25]?.deliveryContext?.isRedelivery).toBe(true);
    expect(all[0]?.deliveryContext?.isRedelivery).toBe(false);
    expect(actions[25]).toEqual(actions[0]);
  });

  test('messageEdited is not mistaken for a new text message', () => {
    expect(all[26]?.message?.text).toBe('Hello, edited world');
    expect(actions[26]?.kind).toBe('skip');
  });
});

describe('toInboundEvent over the other fixtures', () => {
  test('text, follow and unfollow from one delivery', () => {
    const actions = events('text-follow-unfollow-user.json').map(toInboundEvent);
    expect(actions).toEqual([
      {
        kind: 'handle',
        eventId: '01FZ74A0TDDPYRVKNK77XKC3ZR',
        userId: 'U80696558e1aa831...',
        chat: 'user',
        replyToken: '757913772c4646b784d4b7ce46d12671',
        occurredAt: 1625665242211,
        event: { type: 'text', text: 'Hello, world' },
      },
      {
        kind: 'handle',
        eventId: '01FZ74ASS536FW97EX38NKCZQK',
        userId: 'Ufc729a925b3abef...',
        chat: 'user',
        replyToken: 'bb173f4d9cf64aed9d408ab4e36339ad',
        occurredAt: 1625665242214,
        event: { type: 'follow' },
      },
      {
        kind: 'handle',
        eventId: '01FZ74B5Y0F4TNKA5SCAVKPEDM',
        userId: 'Ubbd4f124aee5113...',
        chat: 'user',
        replyToken: undefined,
        occurredAt: 1625665242215,
        event: { type: 'closed', by: 'unfollow' },
      },
    ]);
  });

  test('a group text with mentions and emojis is a turn of the group, spoken by its member', () => {
    const [action] = events('text-group-mention-emoji.json').map(toInboundEvent);
    expect(action).toMatchObject({
      kind: 'handle',
      userId: 'Ca56f94637c...',
      chat: 'group',
      speakerId: 'U4af4980629...',
      event: { type: 'text', text: '@All @example Good Morning!! (love)' },
    });
  });

  test('follow.json', () => {
    const [action] = events('follow.json').map(toInboundEvent);
    expect(action).toEqual({
      kind: 'handle',
      eventId: '01HMQGW40RZJPJM3RAJP7BHC2Q',
      userId: 'U3d3edab4f36c6292e6d8a8131f141b8b',
      chat: 'user',
      replyToken: '85cbe770fa8b4f45bbe077b1d4be4a36',
      occurredAt: 1705891467176,
      event: { type: 'follow' },
    });
  });

  test('postback fixtures carry their data and what LINE added to it', () => {
    expect(handled(toInboundEvent(events('postback-datetime.json')[0] as LineEvent)).event).toEqual({
      type: 'postback',
      data: 'storeId=12345',
      params: { datetime: '2017-12-25T01:00' },
    });
    expect(handled(toInboundEvent(events('postback-richmenu-switch.json')[0] as LineEvent)).event).toEqual({
      type: 'postback',
      data: 'richmenu-changed-to-b',
      params: { newRichMenuAliasId: 'richmenu-alias-b', status: 'SUCCESS' },
    });
  });
});

describe('toInboundEvent edge cases', () => {
  test('standby mode is skipped, even for a text message from a user', () => {
    expect(toInboundEvent(event({ mode: 'standby', replyToken: undefined }))).toEqual({
      kind: 'skip',
      eventId: '01TESTEVENT',
      reason: 'standby',
    });
  });

  test('standby is skipped before the user id is even looked at', () => {
    expect(toInboundEvent(event({ mode: 'standby', source: { type: 'group', groupId: 'C1' } }))).toMatchObject({
      kind: 'skip',
      reason: 'standby',
    });
  });

  test('an event without a source, or without the id of its user, group or room, is skipped', () => {
    expect(toInboundEvent(event({ source: undefined }))).toEqual({
      kind: 'skip',
      eventId: '01TESTEVENT',
      reason: 'source missing not served',
    });
    expect(toInboundEvent(event({ source: { type: 'channel', userId: 'U1' } }))).toMatchObject({
      kind: 'skip',
      reason: 'source channel not served',
    });
    expect(toInboundEvent(event({ source: { type: 'user', userId: '' } }))).toMatchObject({ kind: 'skip', reason: 'no user id' });
    expect(toInboundEvent(event({ source: { type: 'group', userId: 'U1' } }))).toMatchObject({ kind: 'skip', reason: 'no group id' });
    expect(toInboundEvent(event({ source: { type: 'room' } }))).toMatchObject({ kind: 'skip', reason: 'no room id' });
  });

  test('a group message without a userId (LINE names the speaker only for some apps) is still a turn of the group', () => {
    expect(handled(toInboundEvent(event({ source: { type: 'group', groupId: 'C1' } })))).toMatchObject({
      userId: 'C1',
      chat: 'group',
      event: { type: 'text', text: 'hello' },
    });
    expect(handled(toInboundEvent(event({ source: { type: 'group', groupId: 'C1' } }))).speakerId).toBeUndefined();
  });

  test('a follow or an unfollow from a group, or a leave from a one-to-one chat, is not what LINE sends: skipped', () => {
    for (const [type, source] of [
      ['follow', { type: 'group', groupId: 'C1', userId: 'U1' }],
      ['unfollow', { type: 'room', roomId: 'R1' }],
      ['leave', { type: 'user', userId: 'U1' }],
    ] as const) {
      expect(toInboundEvent(event({ type, message: undefined, source }))).toMatchObject({
        kind: 'skip',
        reason: expect.stringMatching(/^unsupported event /),
      });
    }
  });

  test('a group or room id past its bound, or with a key separator, is skipped as malformed', () => {
    expect(toInboundEvent(unchecked({ source: { type: 'group', groupId: 'C'.repeat(129) } }))).toMatchObject({
      kind: 'skip',
      malformed: true,
      reason: expect.stringContaining('source.groupId'),
    });
    expect(toInboundEvent(unchecked({ source: { type: 'room', roomId: 'R1#SESSION' } }))).toMatchObject({
      kind: 'skip',
      malformed: true,
      reason: expect.stringContaining('source.roomId'),
    });
  });

  test('postback params past their bounds are skipped as malformed', () => {
    const postback = (params: unknown) =>
      toInboundEvent(unchecked({ type: 'postback', message: undefined, postback: { data: 'action=a', params } }));
    expect(postback({ datetime: 'x'.repeat(129) })).toMatchObject({
      kind: 'skip',
      malformed: true,
      reason: expect.stringContaining('postback.params'),
    });
    expect(postback(Object.fromEntries(Array.from({ length: 9 }, (_, i) => [`p${i}`, 'v'])))).toMatchObject({
      kind: 'skip',
      malformed: true,
    });
    expect(postback({ date: 7 })).toMatchObject({ kind: 'skip', malformed: true });
    expect(handled(postback({})).event).toEqual({ type: 'postback', data: 'action=a' });
  });

  test('an event without mode is treated as active', () => {
    expect(toInboundEvent(event({ mode: undefined }))).toMatchObject({ kind: 'handle', event: { type: 'text', text: 'hello' } });
  });

  test('an event without a reply token is still handled (the answer goes out as a push)', () => {
    const action = handled(toInboundEvent(event({ replyToken: undefined })));
    expect(action.replyToken).toBeUndefined();
  });

  test('text is passed on untouched: spaces, full-width letters and Liquid syntax stay as typed', () => {
    for (const text of ['  ＨＯＴ  ', '{{ 7*7 }}', '{% for i in (1..9) %}x{% endfor %}', '']) {
      expect(handled(toInboundEvent(event({ message: { id: '1', type: 'text', text } }))).event).toEqual({ type: 'text', text });
    }
  });

  test('a text message without text, or a postback without its object, is skipped', () => {
    expect(toInboundEvent(event({ message: { id: '1', type: 'text' } }))).toMatchObject({
      kind: 'skip',
      reason: 'unsupported event message/text',
    });
    expect(toInboundEvent(event({ type: 'postback', message: undefined }))).toMatchObject({
      kind: 'skip',
      reason: 'unsupported event postback',
    });
    expect(toInboundEvent(event({ type: 'message', message: undefined }))).toMatchObject({
      kind: 'skip',
      reason: 'unsupported event message',
    });
  });

  test('a future event type LINE has not invented yet is skipped with its name', () => {
    expect(toInboundEvent(event({ type: 'somethingNew2030', message: undefined, whatever: { nested: true } }))).toEqual({
      kind: 'skip',
      eventId: '01TESTEVENT',
      reason: 'unsupported event somethingNew2030',
    });
  });

  test('never throws on any combination the schema lets through', () => {
    const types = ['message', 'postback', 'follow', 'unfollow', 'join', 'leave', 'undefined', ''];
    const modes = [undefined, 'active', 'standby', 'other'];
    const sources = [
      undefined,
      { type: 'user' },
      { type: 'user', userId: 'U1' },
      { type: 'group', groupId: 'G', userId: 'U2' },
      { type: 'room', roomId: 'R' },
    ];
    const messages = [undefined, { type: 'text' }, { type: 'text', text: 'x' }, { type: 'image' }];
    const postbacks = [undefined, { data: '' }, { data: 'action=a' }];
    let count = 0;
    for (const type of types)
      for (const mode of modes)
        for (const source of sources)
          for (const message of messages)
            for (const postback of postbacks) {
              const e = event({ type, mode, source, message, postback });
              const action = toInboundEvent(e);
              count += 1;
              expect(['handle', 'skip']).toContain(action.kind);
              if (action.kind === 'handle') {
                expect(mode).not.toBe('standby');
                expect(action.userId).toBeTruthy();
                expect(inboundEventSchema.safeParse(action.event).success).toBe(true);
              }
            }
    expect(count).toBe(types.length * modes.length * sources.length * messages.length * postbacks.length);
  });
});

describe('toInboundEvent bounds what can become a key, a job or a log line', () => {
  const big = 'x'.repeat(100_000);
  const skippedAsMalformed = (action: LineEventAction, path: string) => {
    expect(action).toMatchObject({ kind: 'skip', malformed: true, reason: expect.stringContaining(path) });
    // The reason names the field and the bound, never the value.
    expect(action.kind === 'skip' && action.reason.length).toBeLessThan(200);
  };
  const raw = (overrides: Record<string, unknown>) => ({
    type: 'message',
    mode: 'active',
    timestamp: 1_700_000_000_000,
    webhookEventId: '01TESTEVENT',
    source: { type: 'user', userId: 'U3d3edab4f36c6292e6d8a8131f141b8b' },
    replyToken: '85cbe770fa8b4f45bbe077b1d4be4a36',
    message: { id: '1', type: 'text', text: 'hello' },
    ...overrides,
  });

  test('LINE-shaped values at their documented sizes pass', () => {
    expect(handled(toInboundEvent(raw({ message: { id: '1', type: 'text', text: '字'.repeat(5_000) } }))).event).toEqual({
      type: 'text',
      text: '字'.repeat(5_000),
    });
    expect(handled(toInboundEvent(raw({ type: 'postback', message: undefined, postback: { data: 'd'.repeat(300) } }))).event).toEqual({
      type: 'postback',
      data: 'd'.repeat(300),
    });
    expect(handled(toInboundEvent(raw({ webhookEventId: '01HMQGW40RZJPJM3RAJP7BHC2Q' }))).eventId).toBe('01HMQGW40RZJPJM3RAJP7BHC2Q');
  });

  test('a 100,000-character user id is skipped, keeping the (valid) event id for the log', () => {
    const action = toInboundEvent(raw({ source: { type: 'user', userId: `U${big}` } }));
    skippedAsMalformed(action, 'source.userId');
    expect(action.eventId).toBe('01TESTEVENT');
  });

  test('a 100,000-character webhookEventId is skipped, and not echoed as the event id', () => {
    const action = toInboundEvent(raw({ webhookEventId: big }));
    skippedAsMalformed(action, 'webhookEventId');
    expect(action.eventId).toBeUndefined();
  });

  test.each([
    ['text over 5,000 characters', { message: { id: '1', type: 'text', text: 'x'.repeat(5_001) } }, 'message.text'],
    ['5 MiB of text', { message: { id: '1', type: 'text', text: 'x'.repeat(5 * 1024 * 1024) } }, 'message.text'],
    ['postback data over 300 characters', { type: 'postback', message: undefined, postback: { data: 'd'.repeat(301) } }, 'postback.data'],
    ['a reply token over 128 characters', { replyToken: 'r'.repeat(129) }, 'replyToken'],
    ['a reply token with spaces', { replyToken: 'a b' }, 'replyToken'],
    ['a user id with a key separator', { source: { type: 'user', userId: 'U1#PROFILE' } }, 'source.userId'],
    ['a webhookEventId with a key separator', { webhookEventId: 'E#1' }, 'webhookEventId'],
    ['a 100,000-character type', { type: big }, 'type'],
    ['a 100,000-character message type', { message: { id: '1', type: big, text: 'x' } }, 'message.type'],
  ])('%s is skipped as malformed', (_what, overrides, path) => {
    skippedAsMalformed(toInboundEvent(raw(overrides)), path);
  });

  test('a delivery keeps its good events when one is malformed', () => {
    const body = lineWebhookSchema.parse({ events: [raw({ source: { type: 'user', userId: big } }), raw({ webhookEventId: '01GOOD' })] });
    expect(body.events.map((e) => toInboundEvent(e).kind)).toEqual(['skip', 'handle']);
  });
});

describe("every event type of LINE's webhook schema, on purpose", () => {
  /** The event types `webhook.yml` (LINE's OpenAPI file, copied in local/line-openapi) names in its discriminator. */
  const schemaTypes = (): string[] => {
    const spec = parseYaml(readFileSync(path.join(__dirname, '../../../../../local/line-openapi/webhook.yml'), 'utf8')) as {
      components: { schemas: { Event: { discriminator: { mapping: Record<string, string> } } } };
    };
    return Object.keys(spec.components.schemas.Event.discriminator.mapping);
  };
  /** Every sample event, from every fixture file. */
  const samples = readdirSync(FIXTURES)
    .filter((f) => f.endsWith('.json'))
    .flatMap((name) => events(name).map((e) => ({ name, event: e })));

  test('a sample of each type in webhook.yml is among the fixtures', () => {
    const sampled = new Set(samples.map((s) => s.event.type));
    expect(schemaTypes().filter((type) => !sampled.has(type))).toEqual([]);
  });

  test('each type is served, closes a conversation, or is skipped with its own reason (never as unsupported)', () => {
    const outcome = (type: string) =>
      samples
        .filter((s) => s.event.type === type)
        .map(({ event: e }) => {
          const action = toInboundEvent(e);
          return action.kind === 'handle' ? action.event.type : action.reason;
        });
    const table = Object.fromEntries(schemaTypes().map((type) => [type, [...new Set(outcome(type))]]));
    expect(table).toEqual({
      message: expect.arrayContaining([
        'text',
        'message/image: only text messages are answered',
        'message/video: only text messages are answered',
        'message/audio: only text messages are answered',
        'message/file: only text messages are answered',
        'message/location: only text messages are answered',
        'message/sticker: only text messages are answered',
      ]),
      unsend: [why('unsend')],
      follow: ['follow'],
      unfollow: ['closed'],
      join: [why('join')],
      leave: ['closed'],
      memberJoined: [why('memberJoined')],
      memberLeft: [why('memberLeft')],
      postback: ['postback'],
      videoPlayComplete: [why('videoPlayComplete')],
      beacon: [why('beacon')],
      accountLink: ['accountLink'],
      membership: [why('membership')],
      module: [why('module')],
      activated: [why('activated')],
      deactivated: [why('deactivated')],
      botSuspended: [why('botSuspended')],
      botResumed: [why('botResumed')],
      delivery: [why('delivery')],
    });
  });

  test('types LINE has retired or not yet documented there are skipped with a reason too', () => {
    const [things] = events('things-link.json').map(toInboundEvent);
    expect(things).toEqual({ kind: 'skip', eventId: '01THINGSLINKSAMPLE00000000', reason: why('things') });
    const edited = events('sdk-python-v3-webhook-all-events.json').find((e) => e.type === 'messageEdited');
    expect(toInboundEvent(edited)).toMatchObject({ kind: 'skip', reason: why('messageEdited') });
  });
});

describe('accountLink events (a linkAccount block resumed)', () => {
  const base = { type: 'accountLink', timestamp: 1, webhookEventId: 'e-link', source: { type: 'user', userId: 'U1' }, mode: 'active' };
  test('failed: no reply token (LINE sends none then), no nonce kept', () => {
    expect(toInboundEvent({ ...base, link: { result: 'failed', nonce: 'n-1' } })).toEqual({
      kind: 'handle',
      eventId: 'e-link',
      userId: 'U1',
      chat: 'user',
      replyToken: undefined,
      occurredAt: 1,
      event: { type: 'accountLink', result: 'failed' },
    });
  });
  test('ok without a nonce cannot be resolved: failed', () => {
    expect(toInboundEvent({ ...base, replyToken: 'r1', link: { result: 'ok' } })).toMatchObject({
      kind: 'handle',
      event: { type: 'accountLink', result: 'failed' },
    });
  });
  test('an unknown result, a nonce past its bound or not printable, a group source, no link: skipped', () => {
    expect(toInboundEvent({ ...base, link: { result: 'maybe', nonce: 'n' } })).toMatchObject({
      kind: 'skip',
      reason: 'accountLink: unknown result maybe',
    });
    expect(toInboundEvent({ ...base, link: { result: 'ok', nonce: 'x'.repeat(513) } })).toMatchObject({
      kind: 'skip',
      malformed: true,
      reason: expect.stringContaining('link.nonce'),
    });
    expect(toInboundEvent({ ...base, link: { result: 'ok', nonce: 'a b' } })).toMatchObject({ kind: 'skip', malformed: true });
    expect(
      toInboundEvent({ ...base, source: { type: 'group', groupId: 'C1', userId: 'U1' }, link: { result: 'ok', nonce: 'n' } }),
    ).toMatchObject({ kind: 'skip', reason: 'unsupported event accountLink' });
    expect(toInboundEvent(base)).toMatchObject({ kind: 'skip', reason: 'unsupported event accountLink' });
  });
});
