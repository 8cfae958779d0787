import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { lineEventSchema, lineWebhookSchema, toInboundEvent, type LineEvent, type LineEventAction } from '../../../../../shared/channels/line/lineWebhook';
import { inboundEventSchema } from '../../../../../shared/jobs/job';

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
  return lineEventSchema.parse({
    type: 'message',
    mode: 'active',
    timestamp: 1_700_000_000_000,
    webhookEventId: '01TESTEVENT',
    deliveryContext: { isRedelivery: false },
    source: { type: 'user', userId: 'U1234' },
    replyToken: 'reply-token',
    message: { id: '1', type: 'text', text: 'hello' },
    ...overrides,
  });
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

  test.each(readdirSync(FIXTURES).filter((f) => f.endsWith('.json')))('toInboundEvent never throws on %s and always says why it skips', (name) => {
    for (const e of events(name)) {
      const action = toInboundEvent(e);
      expect(action.eventId).toBe(e.webhookEventId);
      if (action.kind === 'skip') expect(action.reason).not.toBe('');
      else expect(inboundEventSchema.safeParse(action.event).success).toBe(true);
    }
  });

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
    expect(toInboundEvent({ ...base, webhookEventId: '' })).toMatchObject({ kind: 'skip', eventId: undefined, malformed: true, reason: expect.stringContaining('webhookEventId') });
    expect(toInboundEvent({ ...base, webhookEventId: undefined })).toMatchObject({ kind: 'skip', malformed: true });
    expect(toInboundEvent({ ...base, timestamp: '1' })).toMatchObject({ kind: 'skip', eventId: 'e1', malformed: true, reason: expect.stringContaining('timestamp') });
    for (const junk of [null, 'event', 42, [], {}]) expect(toInboundEvent(junk)).toMatchObject({ kind: 'skip', eventId: undefined, malformed: true });
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
    [1, 'image in a room, no userId', 'skip', 'source room not served'],
    [2, 'video', 'skip', 'unsupported event message/video'],
    [3, 'audio', 'skip', 'unsupported event message/audio'],
    [4, 'location', 'skip', 'unsupported event message/location'],
    [5, 'sticker', 'skip', 'unsupported event message/sticker'],
    [6, 'follow', 'handle', 'follow'],
    [7, 'unfollow', 'skip', 'unsupported event unfollow'],
    [8, 'join (group, no userId)', 'skip', 'source group not served'],
    [9, 'leave (group, no userId)', 'skip', 'source group not served'],
    [10, 'postback with datetime', 'handle', 'postback'],
    [11, 'beacon', 'skip', 'unsupported event beacon'],
    [12, 'beacon', 'skip', 'unsupported event beacon'],
    [13, 'accountLink', 'skip', 'unsupported event accountLink'],
    [14, 'text in a group with userId', 'skip', 'source group not served'],
    [15, 'text in a room with userId', 'skip', 'source room not served'],
    [16, 'postback with date', 'handle', 'postback'],
    [17, 'postback with time', 'handle', 'postback'],
    [18, 'postback with datetime', 'handle', 'postback'],
    [19, 'memberJoined (no userId)', 'skip', 'source group not served'],
    [20, 'memberLeft (no userId)', 'skip', 'source group not served'],
    [21, 'file', 'skip', 'unsupported event message/file'],
    [22, 'unsend (in a group)', 'skip', 'source group not served'],
    [23, 'videoPlayComplete', 'skip', 'unsupported event videoPlayComplete'],
    [24, 'image', 'skip', 'unsupported event message/image'],
    [25, 'redelivered text', 'handle', 'text'],
    [26, 'messageEdited (carries a text message)', 'skip', 'unsupported event messageEdited/text'],
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

  test('a text message becomes a text event with the user, reply token and time', () => {
    expect(actions[0]).toEqual({
      kind: 'handle',
      eventId: 'testwebhookeventid',
      userId: 'U206d25c2ea6bd87c17655609a1c37cb8',
      replyToken: 'nHuyWiB7yP5Zw52FIkcQobQuGDXCTA',
      occurredAt: 1462629479859,
      event: { type: 'text', text: 'Hello, world' },
    });
  });

  test('group and room messages are skipped: their conversation and push target are not a user (not served yet)', () => {
    expect(actions[14]).toMatchObject({ kind: 'skip', reason: 'source group not served' });
    expect(actions[15]).toMatchObject({ kind: 'skip', reason: 'source room not served' });
  });

  test('a postback carries its data as it was sent (params stay out of it)', () => {
    for (const index of [10, 16, 17, 18]) {
      expect(handled(actions[index] as LineEventAction).event).toEqual({ type: 'postback', data: 'action=buyItem&itemId=123123&color=red' });
    }
  });

  test('a follow becomes a follow event', () => {
    expect(handled(actions[6] as LineEventAction)).toMatchObject({ event: { type: 'follow' }, replyToken: 'nHuyWiB7yP5Zw52FIkcQobQuGDXCTA' });
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
        replyToken: '757913772c4646b784d4b7ce46d12671',
        occurredAt: 1625665242211,
        event: { type: 'text', text: 'Hello, world' },
      },
      {
        kind: 'handle',
        eventId: '01FZ74ASS536FW97EX38NKCZQK',
        userId: 'Ufc729a925b3abef...',
        replyToken: 'bb173f4d9cf64aed9d408ab4e36339ad',
        occurredAt: 1625665242214,
        event: { type: 'follow' },
      },
      { kind: 'skip', eventId: '01FZ74B5Y0F4TNKA5SCAVKPEDM', reason: 'unsupported event unfollow' },
    ]);
  });

  test('a group text with mentions and emojis parses, and is skipped as a group message', () => {
    const [action] = events('text-group-mention-emoji.json').map(toInboundEvent);
    expect(action).toMatchObject({ kind: 'skip', reason: 'source group not served' });
  });

  test('follow.json', () => {
    const [action] = events('follow.json').map(toInboundEvent);
    expect(action).toEqual({
      kind: 'handle',
      eventId: '01HMQGW40RZJPJM3RAJP7BHC2Q',
      userId: 'U3d3edab4f36c6292e6d8a8131f141b8b',
      replyToken: '85cbe770fa8b4f45bbe077b1d4be4a36',
      occurredAt: 1705891467176,
      event: { type: 'follow' },
    });
  });

  test('postback fixtures carry their data', () => {
    expect(handled(toInboundEvent(events('postback-datetime.json')[0] as LineEvent)).event).toEqual({ type: 'postback', data: 'storeId=12345' });
    expect(handled(toInboundEvent(events('postback-richmenu-switch.json')[0] as LineEvent)).event).toEqual({
      type: 'postback',
      data: 'richmenu-changed-to-b',
    });
  });
});

describe('toInboundEvent edge cases', () => {
  test('standby mode is skipped, even for a text message from a user', () => {
    expect(toInboundEvent(event({ mode: 'standby', replyToken: undefined }))).toEqual({ kind: 'skip', eventId: '01TESTEVENT', reason: 'standby' });
  });

  test('standby is skipped before the user id is even looked at', () => {
    expect(toInboundEvent(event({ mode: 'standby', source: { type: 'group', groupId: 'C1' } }))).toMatchObject({ kind: 'skip', reason: 'standby' });
  });

  test('an event without a source or without a userId is skipped', () => {
    expect(toInboundEvent(event({ source: undefined }))).toEqual({ kind: 'skip', eventId: '01TESTEVENT', reason: 'source missing not served' });
    expect(toInboundEvent(event({ source: { type: 'group', groupId: 'C1' } }))).toMatchObject({ kind: 'skip', reason: 'source group not served' });
    expect(toInboundEvent(event({ source: { type: 'user', userId: '' } }))).toMatchObject({ kind: 'skip', reason: 'no user id' });
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
    expect(toInboundEvent(event({ message: { id: '1', type: 'text' } }))).toMatchObject({ kind: 'skip', reason: 'unsupported event message/text' });
    expect(toInboundEvent(event({ type: 'postback', message: undefined }))).toMatchObject({ kind: 'skip', reason: 'unsupported event postback' });
    expect(toInboundEvent(event({ type: 'message', message: undefined }))).toMatchObject({ kind: 'skip', reason: 'unsupported event message' });
  });

  test('a future event type LINE has not invented yet is skipped with its name', () => {
    expect(toInboundEvent(event({ type: 'somethingNew2030', message: undefined, whatever: { nested: true } }))).toEqual({
      kind: 'skip',
      eventId: '01TESTEVENT',
      reason: 'unsupported event somethingNew2030',
    });
  });

  test('never throws on any combination the schema lets through', () => {
    const types = ['message', 'postback', 'follow', 'unfollow', 'join', 'undefined', ''];
    const modes = [undefined, 'active', 'standby', 'other'];
    const sources = [undefined, { type: 'user' }, { type: 'user', userId: 'U1' }, { type: 'group', groupId: 'G', userId: 'U2' }];
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
    expect(handled(toInboundEvent(raw({ message: { id: '1', type: 'text', text: '字'.repeat(5_000) } }))).event).toEqual({ type: 'text', text: '字'.repeat(5_000) });
    expect(handled(toInboundEvent(raw({ type: 'postback', message: undefined, postback: { data: 'd'.repeat(300) } }))).event).toEqual({ type: 'postback', data: 'd'.repeat(300) });
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
