import type { InboundEvent } from '../../../../shared/domain/inboundEvents';
import {
  chatsOf,
  eventParams,
  flowListensBeyondTriggers,
  matchActiveFlows,
  matchTrigger,
  normalizeText,
  parsePostbackData,
} from '../../../../shared/engine/triggers';
import { flowSchema, type Flow, type FlowInput, type Trigger } from '../../../../shared/flow/schema';

const end = { type: 'end' } as const;

function flow(triggers: FlowInput['triggers'], blocks: FlowInput['blocks'] = {}): Flow {
  const ids = new Set([...triggers.map((t) => t.start), ...Object.keys(blocks)]);
  return flowSchema.parse({
    schemaVersion: 1,
    name: 'test',
    triggers,
    blocks: { ...Object.fromEntries([...ids].map((id) => [id, end])), ...blocks },
  });
}

const text = (t: string): InboundEvent => ({ type: 'text', text: t });
const postback = (data: string): InboundEvent => ({ type: 'postback', data });
const follow: InboundEvent = { type: 'follow' };

describe('normalizeText', () => {
  test('full-width letters and digits fold to ASCII, case is ignored', () => {
    expect(normalizeText('ＨＯＴ')).toBe('hot');
    expect(normalizeText('Ｈｏｔ１２３')).toBe('hot123');
    expect(normalizeText('HOT')).toBe('hot');
    expect(normalizeText('Best Sellers')).toBe('best sellers');
  });

  test('surrounding space is trimmed and inner runs of space collapse', () => {
    expect(normalizeText('  hot  ')).toBe('hot');
    expect(normalizeText('best   \t sellers')).toBe('best sellers');
    expect(normalizeText('\u3000ＨＯＴ\u3000')).toBe('hot'); // ideographic (full-width) spaces
    expect(normalizeText('best\u3000sellers')).toBe('best sellers');
    expect(normalizeText('\nhot\n')).toBe('hot');
  });

  test('half-width katakana folds to full-width', () => {
    expect(normalizeText('ｶﾀｶﾅ')).toBe('カタカナ');
  });

  test('CJK text is kept', () => {
    expect(normalizeText(' 熱銷 ')).toBe('熱銷');
  });
});

describe('parsePostbackData', () => {
  test('parses URL-style parameters', () => {
    expect(parsePostbackData('action=my_tickets&id=7')).toEqual({ action: 'my_tickets', id: '7' });
  });

  test('decodes encoded values', () => {
    expect(parsePostbackData('action=search&q=hot%20tea%26cake&x=a+b')).toEqual({ action: 'search', q: 'hot tea&cake', x: 'a b' });
  });

  test('data without parameters', () => {
    expect(parsePostbackData('')).toEqual({});
    expect(parsePostbackData('richmenu-changed-to-b')).toEqual({ 'richmenu-changed-to-b': '' });
  });

  test('a repeated name keeps the last value', () => {
    expect(parsePostbackData('action=a&action=b')).toEqual({ action: 'b' });
  });

  test('parameters named __proto__ or constructor are parameters like any other: the map has no prototype', () => {
    const params = parsePostbackData('__proto__=x&constructor=y&action=a');
    expect(params.action).toBe('a');
    expect(Object.getPrototypeOf(params)).toBeNull();
    expect(Object.keys(params)).toEqual(['__proto__', 'constructor', 'action']);
    expect([params.__proto__, params.constructor]).toEqual(['x', 'y']);
  });
});

describe('matchTrigger', () => {
  test('an exact keyword matches the whole message, ignoring case, full-width forms and spaces', () => {
    const f = flow([{ type: 'keyword', match: 'exact', keywords: ['hot', '熱銷'], start: 'hot' }]);
    for (const t of ['hot', 'HOT', ' Hot ', 'ＨＯＴ', 'ｈｏｔ', '熱銷', '\u3000熱銷']) {
      expect(matchTrigger(f, text(t), { includeFallback: false })?.start).toBe('hot');
    }
    for (const t of ['hot tea', 'so hot', 'ho t', 'hott', '']) {
      expect(matchTrigger(f, text(t), { includeFallback: false })).toBeUndefined();
    }
  });

  test('exact is the default', () => {
    const f = flow([{ type: 'keyword', keywords: ['hot'], start: 'hot' }]);
    expect(matchTrigger(f, text('hot tea'), { includeFallback: false })).toBeUndefined();
    expect(matchTrigger(f, text('HOT'), { includeFallback: false })?.start).toBe('hot');
  });

  test('a keyword written by the admin in another form still matches', () => {
    const f = flow([{ type: 'keyword', match: 'exact', keywords: [' ＢＥＳＴ  Sellers '], start: 'b' }]);
    expect(matchTrigger(f, text('best sellers'), { includeFallback: false })?.start).toBe('b');
  });

  test('contains finds the keyword inside the message', () => {
    const f = flow([{ type: 'keyword', match: 'contains', keywords: ['refund'], start: 'refund' }]);
    expect(matchTrigger(f, text('I want a REFUND please'), { includeFallback: false })?.start).toBe('refund');
    expect(matchTrigger(f, text('ｒｅｆｕｎｄ?'), { includeFallback: false })?.start).toBe('refund');
    expect(matchTrigger(f, text('refun d'), { includeFallback: false })).toBeUndefined();
  });

  test('the first match in flow order wins', () => {
    const f = flow([
      { type: 'keyword', match: 'contains', keywords: ['ticket'], start: 'first' },
      { type: 'keyword', match: 'exact', keywords: ['my ticket'], start: 'second' },
    ]);
    expect(matchTrigger(f, text('my ticket'), { includeFallback: false })?.start).toBe('first');
    const reversed = flow([
      { type: 'keyword', match: 'exact', keywords: ['my ticket'], start: 'second' },
      { type: 'keyword', match: 'contains', keywords: ['ticket'], start: 'first' },
    ]);
    expect(matchTrigger(reversed, text('my ticket'), { includeFallback: false })?.start).toBe('second');
  });

  test('the match names the trigger and has no params for text', () => {
    const f = flow([{ type: 'keyword', keywords: ['hot'], start: 'hot' }]);
    const m = matchTrigger(f, text('hot'), { includeFallback: false });
    expect(m).toEqual({ trigger: f.triggers[0], start: 'hot', params: {} });
  });

  test('a postback matches on its action parameter and brings its params', () => {
    const f = flow([
      { type: 'postback', action: 'my_tickets', start: 'tickets' },
      { type: 'postback', action: 'use_ticket', start: 'use' },
    ]);
    expect(matchTrigger(f, postback('action=use_ticket&id=42'), { includeFallback: false })).toEqual({
      trigger: f.triggers[1],
      start: 'use',
      params: { action: 'use_ticket', id: '42' },
    });
    expect(matchTrigger(f, postback('id=1&action=my_tickets'), { includeFallback: false })?.start).toBe('tickets');
  });

  test('a postback action must be equal, not contained', () => {
    const f = flow([{ type: 'postback', action: 'my_tickets', start: 'tickets' }]);
    for (const data of ['action=my_tickets2', 'action=MY_TICKETS', 'my_tickets', 'id=my_tickets', 'action=']) {
      expect(matchTrigger(f, postback(data), { includeFallback: false })).toBeUndefined();
    }
  });

  test('text never matches a postback trigger and a postback never matches a keyword', () => {
    const f = flow([
      { type: 'postback', action: 'hot', start: 'p' },
      { type: 'keyword', match: 'contains', keywords: ['action=hot', 'hot'], start: 'k' },
    ]);
    expect(matchTrigger(f, text('action=hot'), { includeFallback: false })?.start).toBe('k');
    expect(matchTrigger(f, postback('action=hot'), { includeFallback: false })?.start).toBe('p');
    expect(
      matchTrigger(flow([{ type: 'keyword', keywords: ['action=x'], start: 'k' }]), postback('action=x'), { includeFallback: false }),
    ).toBeUndefined();
  });

  test('follow matches the follow trigger only', () => {
    const f = flow([
      { type: 'keyword', keywords: ['follow'], start: 'k' },
      { type: 'follow', start: 'welcome' },
    ]);
    expect(matchTrigger(f, follow, { includeFallback: false })?.start).toBe('welcome');
    expect(matchTrigger(f, text('follow'), { includeFallback: false })?.start).toBe('k');
    expect(matchTrigger(flow([{ type: 'keyword', keywords: ['x'], start: 'k' }]), follow, { includeFallback: false })).toBeUndefined();
  });

  test('the fallback only when asked', () => {
    const f = flow([
      { type: 'fallback', start: 'help' },
      { type: 'keyword', keywords: ['hot'], start: 'hot' },
    ]);
    expect(matchTrigger(f, text('what?'), { includeFallback: false })).toBeUndefined();
    expect(matchTrigger(f, text('what?'), { includeFallback: true })).toEqual({ trigger: f.triggers[0], start: 'help', params: {} });
  });

  test('the fallback never wins over another trigger, even when listed first', () => {
    const f = flow([
      { type: 'fallback', start: 'help' },
      { type: 'keyword', keywords: ['hot'], start: 'hot' },
    ]);
    expect(matchTrigger(f, text('hot'), { includeFallback: true })?.start).toBe('hot');
  });

  test('the fallback is never used for a follow', () => {
    const f = flow([{ type: 'fallback', start: 'help' }]);
    expect(matchTrigger(f, follow, { includeFallback: true })).toBeUndefined();
  });

  test('an unmatched postback may fall back, keeping its params', () => {
    const f = flow([{ type: 'fallback', start: 'help' }]);
    expect(matchTrigger(f, postback('action=unknown&x=1'), { includeFallback: true })).toMatchObject({
      start: 'help',
      params: { action: 'unknown', x: '1' },
    });
  });

  test('no fallback trigger, nothing matched', () => {
    const f = flow([{ type: 'keyword', keywords: ['hot'], start: 'hot' }]);
    expect(matchTrigger(f, text('cold'), { includeFallback: true })).toBeUndefined();
  });
});

describe('flowListensBeyondTriggers', () => {
  test('false for a flow of triggers and plain blocks', () => {
    expect(
      flowListensBeyondTriggers(
        flow([
          { type: 'keyword', keywords: ['hot'], start: 'hot' },
          { type: 'follow', start: 'w' },
        ]),
      ),
    ).toBe(false);
  });

  test('true with a fallback trigger', () => {
    expect(
      flowListensBeyondTriggers(
        flow([
          { type: 'keyword', keywords: ['hot'], start: 'hot' },
          { type: 'fallback', start: 'help' },
        ]),
      ),
    ).toBe(true);
  });

  test('true with a question block anywhere', () => {
    const f = flow([{ type: 'keyword', keywords: ['register'], start: 'start' }], {
      start: { type: 'message', messages: [{ type: 'text', text: 'hi' }], next: 'ask' },
      ask: { type: 'question', prompt: 'Name?', input: { type: 'text' }, saveAs: 'name' },
    });
    expect(flowListensBeyondTriggers(f)).toBe(true);
  });
});

describe('chats: where a trigger answers', () => {
  const hot = { type: 'keyword' as const, keywords: ['hot'], start: 'best' };
  const tickets = { type: 'postback' as const, action: 'my_tickets', start: 'tickets' };
  const fallback = { type: 'fallback' as const, start: 'fb' };

  test('one-to-one only by default: in a group or room the trigger comes back marked oneToOneOnly', () => {
    const f = flow([hot, tickets]);
    expect(chatsOf(f, f.triggers[0] as Trigger)).toEqual(['user']);
    expect(matchTrigger(f, text('hot'), { includeFallback: false })).toMatchObject({ start: 'best' });
    expect(matchTrigger(f, text('hot'), { includeFallback: false, chat: 'user' })?.oneToOneOnly).toBeUndefined();
    for (const chat of ['group', 'room'] as const) {
      expect(matchTrigger(f, text('hot'), { includeFallback: false, chat })).toMatchObject({ start: 'best', oneToOneOnly: true });
      expect(matchTrigger(f, postback('action=my_tickets'), { includeFallback: true, chat })).toMatchObject({
        start: 'tickets',
        oneToOneOnly: true,
      });
    }
  });

  test("a trigger's chats let it answer in groups; the flow's chats are the default of its triggers", () => {
    const perTrigger = flow([{ ...hot, chats: ['user', 'group'] }, tickets]);
    expect(matchTrigger(perTrigger, text('hot'), { includeFallback: false, chat: 'group' })).toEqual({
      trigger: perTrigger.triggers[0],
      start: 'best',
      params: {},
    });
    expect(matchTrigger(perTrigger, text('hot'), { includeFallback: false, chat: 'room' })).toMatchObject({ oneToOneOnly: true });
    expect(matchTrigger(perTrigger, postback('action=my_tickets'), { includeFallback: false, chat: 'group' })).toMatchObject({
      oneToOneOnly: true,
    });

    const perFlow = flowSchema.parse({ ...flow([hot, { ...tickets, chats: ['user'] }]), chats: ['user', 'group', 'room'] });
    expect(matchTrigger(perFlow, text('hot'), { includeFallback: false, chat: 'room' })?.oneToOneOnly).toBeUndefined();
    expect(matchTrigger(perFlow, postback('action=my_tickets'), { includeFallback: false, chat: 'room' })).toMatchObject({
      oneToOneOnly: true,
    });
  });

  test('a trigger for groups only is not there in a one-to-one chat (nothing is said), and a follow is always one-to-one', () => {
    const f = flow([
      { ...hot, chats: ['group'] },
      { type: 'follow', start: 'welcome' },
    ]);
    expect(matchTrigger(f, text('hot'), { includeFallback: false, chat: 'user' })).toBeUndefined();
    expect(matchTrigger(f, text('hot'), { includeFallback: false, chat: 'room' })).toBeUndefined();
    expect(chatsOf(f, f.triggers[1] as Trigger)).toEqual(['user']);
  });

  test('a trigger that serves the chat wins over one, earlier in the flow, that does not', () => {
    const f = flow([
      { type: 'keyword', match: 'contains', keywords: ['hot'], start: 'personal' },
      { type: 'keyword', keywords: ['hot deal'], start: 'deals', chats: ['group'] },
    ]);
    expect(matchTrigger(f, text('hot deal'), { includeFallback: false, chat: 'group' })).toMatchObject({ start: 'deals' });
    expect(matchTrigger(f, text('hot deal'), { includeFallback: false, chat: 'user' })).toMatchObject({ start: 'personal' });
  });

  test('in a group the fallback answers only when its chats say so: never with the one-to-one notice', () => {
    const quiet = flow([hot, fallback]);
    expect(matchTrigger(quiet, text('good morning everyone'), { includeFallback: true, chat: 'group' })).toBeUndefined();
    expect(matchTrigger(quiet, text('good morning'), { includeFallback: true, chat: 'user' })).toMatchObject({ start: 'fb' });
    const chatty = flow([hot, { ...fallback, chats: ['group'] }]);
    expect(matchTrigger(chatty, text('good morning everyone'), { includeFallback: true, chat: 'group' })).toMatchObject({ start: 'fb' });
    expect(matchTrigger(chatty, text('good morning'), { includeFallback: true, chat: 'user' })).toBeUndefined();
  });

  test('the fallback never takes a closed conversation', () => {
    expect(matchTrigger(flow([fallback]), { type: 'closed', by: 'unfollow' }, { includeFallback: true })).toBeUndefined();
  });

  test('matchActiveFlows: a flow serving the group beats another flow whose trigger is one-to-one only', () => {
    const personal = { flowId: 'a', version: 1, flow: flow([{ type: 'keyword', match: 'contains', keywords: ['hot'], start: 'x' }]) };
    const shared = { flowId: 'b', version: 1, flow: flow([{ type: 'keyword', keywords: ['hot deal'], start: 'y', chats: ['group'] }]) };
    expect(matchActiveFlows([personal, shared], text('hot deal'), { includeFallback: true, chat: 'group' })).toMatchObject({
      flow: { flowId: 'b' },
    });
    expect(matchActiveFlows([personal, shared], text('so hot'), { includeFallback: true, chat: 'group' })).toMatchObject({
      flow: { flowId: 'a' },
      match: { oneToOneOnly: true },
    });
    expect(matchActiveFlows([personal, shared], text('hello'), { includeFallback: true, chat: 'group' })).toBeUndefined();
  });
});

describe('eventParams: trigger.params', () => {
  test("a datetime picker's choice sits beside the data's parameters", () => {
    expect(eventParams({ type: 'postback', data: 'action=book&shop=7', params: { datetime: '2026-12-24T19:30' } })).toEqual({
      action: 'book',
      shop: '7',
      datetime: '2026-12-24T19:30',
    });
    expect(eventParams({ type: 'postback', data: 'action=book', params: { date: '2026-12-24' } })).toEqual({
      action: 'book',
      date: '2026-12-24',
    });
    expect(eventParams({ type: 'postback', data: 'action=book', params: { time: '19:30' } })).toEqual({ action: 'book', time: '19:30' });
  });

  test("the data's own parameters win a clash, so the action is always the data's", () => {
    expect(eventParams({ type: 'postback', data: 'action=book&date=any', params: { action: 'other', date: '2026-12-24' } })).toEqual({
      action: 'book',
      date: 'any',
    });
  });

  test('a postback trigger matches on the data and brings the picked date to the turn', () => {
    const f = flow([{ type: 'postback', action: 'book', start: 'booked' }]);
    expect(
      matchTrigger(f, { type: 'postback', data: 'action=book', params: { date: '2026-12-24' } }, { includeFallback: false }),
    ).toMatchObject({ start: 'booked', params: { action: 'book', date: '2026-12-24' } });
  });

  test('no params for other events', () => {
    expect(eventParams(text('hot'))).toEqual({});
    expect(eventParams(follow)).toEqual({});
  });
});
