import {
  addBlock,
  BLOCK_ID,
  BLOCK_TYPES,
  deleteBlock,
  idHint,
  newBlock,
  outlets,
  renameBlock,
  setOutlet,
  splitKeywords,
  topicOf,
  triggerOutlet,
  uniqueId,
} from '../../../console/src/flowEdit';
import { blockSchema } from '../../../shared/flow/schema';

// The flow editor's pure operations (console/src/flowEdit.ts) on flow documents as the editor holds
// them: links set and unset without defaults written, renames every reference follows, deletes whose
// links go with them, new blocks as small as a hand-written flow's.

type Json = Record<string, unknown>;

/** A flow with every kind of outlet, linked. */
function sample(): Json {
  return {
    schemaVersion: 1,
    name: 'Sample',
    start: 'ask',
    triggers: [
      { type: 'keyword', keywords: ['go'], start: 'ask', chats: ['user'] },
      { type: 'postback', action: 'lookup', start: 'load' },
      { type: 'follow' },
    ],
    blocks: {
      ask: {
        type: 'question',
        prompt: 'Order number?',
        input: { type: 'text' },
        saveAs: 'order',
        next: 'load',
        onGiveUp: 'bye',
        maxAttempts: 2,
      },
      load: {
        type: 'callApi',
        request: { url: 'https://brand.example/orders/{{ attributes.order }}' },
        onSuccess: 'check',
        onFailure: 'sorry',
        onStatus: { '404': 'not_found', '500': 'sorry' },
        onReason: { timeout: 'sorry' },
        saveToAttributes: { status: 'response.body.status' },
      },
      check: {
        type: 'condition',
        branches: [
          { when: { op: 'equals', attribute: 'status', value: 'shipped' }, next: 'shipped' },
          { when: { op: 'exists', attribute: 'order' }, next: 'sorry' },
        ],
        otherwise: 'sorry',
      },
      shipped: { type: 'message', messages: [{ type: 'text', text: 'Shipped!' }], next: 'mark', empty: 'sorry' },
      mark: { type: 'setAttributes', set: { seen: 'yes' }, next: 'bye' },
      not_found: { type: 'message', messages: [{ type: 'text', text: 'No such order.' }], next: 'ask' },
      sorry: { type: 'message', messages: [{ type: 'text', text: 'Sorry.' }] },
      bye: { type: 'end' },
    },
  };
}

const blocks = (flow: Json) => flow.blocks as Record<string, Json>;
const triggers = (flow: Json) => flow.triggers as Json[];

describe('outlets', () => {
  test("each block type's outlets, linked or not, with the trigger's start", () => {
    const flow = sample();
    const of = (id: string) => outlets(blocks(flow)[id]).map((o) => [o.path.join('.'), o.kind, o.target, o.label]);
    expect(of('ask')).toEqual([
      ['next', 'next', 'load', 'next'],
      ['onGiveUp', 'onGiveUp', 'bye', 'onGiveUp'],
    ]);
    expect(of('load')).toEqual([
      ['onSuccess', 'onSuccess', 'check', 'onSuccess'],
      ['onFailure', 'onFailure', 'sorry', 'onFailure'],
      ['onStatus.404', 'onStatus', 'not_found', '404'],
      ['onStatus.500', 'onStatus', 'sorry', '500'],
      ['onReason.timeout', 'onReason', 'sorry', 'timeout'],
    ]);
    expect(of('check')).toEqual([
      ['branches.0.next', 'branch', 'shipped', 'status = "shipped"'],
      ['branches.1.next', 'branch', 'sorry', 'order exists'],
      ['otherwise', 'otherwise', 'sorry', 'otherwise'],
    ]);
    expect(of('shipped')).toEqual([
      ['next', 'next', 'mark', 'next'],
      ['empty', 'empty', 'sorry', 'empty'],
    ]);
    expect(of('mark')).toEqual([['next', 'next', 'bye', 'next']]);
    expect(of('sorry')).toEqual([
      ['next', 'next', undefined, 'next'],
      ['empty', 'empty', undefined, 'empty'],
    ]);
    expect(of('bye')).toEqual([]);
    expect(triggerOutlet(triggers(flow)[0])).toEqual({ path: ['start'], kind: 'start', label: 'start', target: 'ask' });
    expect(triggerOutlet(triggers(flow)[2])).toEqual({ path: ['start'], kind: 'start', label: 'start' });
  });

  test('a block mid-edit is read defensively', () => {
    expect(outlets(undefined)).toEqual([]);
    expect(outlets('message')).toEqual([]);
    expect(outlets({ type: 'nonsense', next: 'x' })).toEqual([]);
    expect(outlets({ type: 'message', next: 42, empty: '' }).map((o) => o.target)).toEqual([undefined, undefined]);
    expect(outlets({ type: 'callApi', onStatus: ['x'], onReason: 'timeout' }).map((o) => o.kind)).toEqual(['onSuccess', 'onFailure']);
    expect(outlets({ type: 'condition', branches: [null, { when: 'x', next: 'a' }] }).map((o) => [o.label, o.target])).toEqual([
      ['?', undefined],
      ['?', 'a'],
      ['otherwise', undefined],
    ]);
    expect(outlets({ type: 'condition', branches: 'no' }).map((o) => o.kind)).toEqual(['otherwise']);
  });
});

describe('newBlock', () => {
  test('each type is the smallest hand-written block, with no default written', () => {
    expect(newBlock('message')).toEqual({ type: 'message', messages: [{ type: 'text', text: 'New message' }] });
    expect(newBlock('message', {}, 'zh-TW')).toEqual({ type: 'message', messages: [{ type: 'text', text: '新訊息' }] });
    expect(newBlock('question')).toEqual({ type: 'question', prompt: 'Your answer?', input: { type: 'text' }, saveAs: 'answer' });
    expect(newBlock('callApi')).toEqual({ type: 'callApi', request: { url: 'https://' } });
    expect(newBlock('condition')).toEqual({ type: 'condition', branches: [{ when: { op: 'exists', attribute: 'answer' } }] });
    expect(newBlock('setAttributes')).toEqual({ type: 'setAttributes', set: {} });
    expect(newBlock('end')).toEqual({ type: 'end' });
  });

  test('each is valid for the schema except where the admin must choose: the condition branch lacks its next, the link account block its card', () => {
    for (const type of BLOCK_TYPES) {
      const result = blockSchema.safeParse(newBlock(type));
      if (type === 'linkAccount') {
        expect(result.error?.issues.map((i) => i.path.join('.'))).toEqual(['onLinked']);
        expect(blockSchema.safeParse({ ...newBlock(type), onLinked: 'resolve' }).success).toBe(true);
      } else if (type === 'condition') {
        expect(result.success).toBe(false);
        expect(result.error?.issues.map((i) => i.path.join('.'))).toEqual(['branches.0.next']);
        expect(
          blockSchema.safeParse({ ...newBlock(type), branches: [{ when: { op: 'exists', attribute: 'answer' }, next: 'x' }] }).success,
        ).toBe(true);
      } else expect([type, result.success]).toEqual([type, true]);
    }
  });

  test('a question saves a fresh attribute; a condition tests one the flow already saves', () => {
    const flow = {
      blocks: {
        a: { type: 'question', saveAs: 'answer' },
        b: { type: 'setAttributes', set: { answer2: 'x' } },
        c: { type: 'callApi', saveToAttributes: { tier: 'response.body.tier' } },
      },
    };
    expect(newBlock('question', flow).saveAs).toBe('answer3');
    expect(newBlock('condition', flow)).toEqual({ type: 'condition', branches: [{ when: { op: 'exists', attribute: 'answer' } }] });
    expect(newBlock('condition', { blocks: { c: { type: 'callApi', saveToAttributes: { tier: 'x' } } } }).branches).toEqual([
      { when: { op: 'exists', attribute: 'tier' } },
    ]);
  });
});

describe('uniqueId', () => {
  test('the base, then base2, base3…', () => {
    const flow = { blocks: { ask_order: {}, ask_order2: {} } };
    expect(uniqueId(flow, 'ask_order')).toBe('ask_order3');
    expect(uniqueId(flow, 'other')).toBe('other');
    expect(uniqueId({}, 'x')).toBe('x');
  });

  test('always a valid block id, even from a base that is not one', () => {
    const long = 'a'.repeat(70);
    const flow = { blocks: { [long.slice(0, 64)]: {} } };
    for (const [base, expected] of [
      ['ask order!', 'ask_order'],
      ['1st', 'block_1st'],
      ['', 'block'],
      ['問題', 'block'],
      [long, `${'a'.repeat(63)}2`],
    ]) {
      const id = uniqueId(flow, base ?? '');
      expect([base, id]).toEqual([base, expected]);
      expect(id).toMatch(BLOCK_ID);
    }
  });
});

describe('addBlock', () => {
  test('adds a block named after its type, or the id asked for, made unique', () => {
    const flow: Json = {};
    expect(addBlock(flow, 'callApi')).toBe('call_api');
    expect(addBlock(flow, 'callApi')).toBe('call_api2');
    expect(addBlock(flow, 'setAttributes', { id: 'remember' })).toBe('remember');
    expect(addBlock(flow, 'end', { id: 'remember' })).toBe('remember2');
    expect(flow).toEqual({
      blocks: {
        call_api: { type: 'callApi', request: { url: 'https://' } },
        call_api2: { type: 'callApi', request: { url: 'https://' } },
        remember: { type: 'setAttributes', set: {} },
        remember2: { type: 'end' },
      },
    });
  });

  test("links it from a block's outlet, a route, a branch, a trigger or the flow's start", () => {
    const flow = sample();
    const id = addBlock(flow, 'message', { id: 'sorry', from: { owner: { kind: 'block', id: 'sorry' }, outlet: ['next'] } });
    expect(id).toBe('sorry2');
    expect(blocks(flow).sorry?.next).toBe('sorry2');
    addBlock(flow, 'message', { id: 'teapot', from: { owner: { kind: 'block', id: 'load' }, outlet: ['onStatus', '418'] } });
    expect(blocks(flow).load?.onStatus).toEqual({ '404': 'not_found', '500': 'sorry', '418': 'teapot' });
    addBlock(flow, 'end', { id: 'late', from: { owner: { kind: 'block', id: 'sorry2' }, outlet: ['onReason', 'timeout'] } });
    // A message block has no onReason, but the document is the admin's: the route is written where asked.
    expect(blocks(flow).sorry2?.onReason).toEqual({ timeout: 'late' });
    addBlock(flow, 'end', { id: 'gold', from: { owner: { kind: 'block', id: 'check' }, outlet: ['branches', 1, 'next'] } });
    expect((blocks(flow).check?.branches as Json[])[1]?.next).toBe('gold');
    addBlock(flow, 'question', { from: { owner: { kind: 'trigger', index: 2 }, outlet: ['start'] } });
    expect(triggers(flow)[2]).toEqual({ type: 'follow', start: 'question' });
    addBlock(flow, 'end', { id: 'first', from: { owner: { kind: 'settings' }, outlet: ['start'] } });
    expect(flow.start).toBe('first');
  });
});

describe('setOutlet', () => {
  test('sets and unsets every kind of outlet, without leaving empty maps or removing a branch', () => {
    const flow = sample();
    const load = { kind: 'block', id: 'load' } as const;
    setOutlet(flow, load, ['onFailure'], undefined);
    expect(blocks(flow).load).not.toHaveProperty('onFailure');
    setOutlet(flow, load, ['onStatus', '404'], undefined);
    expect(blocks(flow).load?.onStatus).toEqual({ '500': 'sorry' });
    setOutlet(flow, load, ['onStatus', '500'], undefined);
    expect(blocks(flow).load).not.toHaveProperty('onStatus');
    setOutlet(flow, load, ['onReason', 'timeout'], undefined);
    expect(blocks(flow).load).not.toHaveProperty('onReason');
    setOutlet(flow, load, ['onReason', 'network'], 'sorry');
    expect(blocks(flow).load?.onReason).toEqual({ network: 'sorry' });

    const check = { kind: 'block', id: 'check' } as const;
    setOutlet(flow, check, ['branches', 0, 'next'], undefined);
    expect(blocks(flow).check?.branches).toEqual([
      { when: { op: 'equals', attribute: 'status', value: 'shipped' } },
      { when: { op: 'exists', attribute: 'order' }, next: 'sorry' },
    ]);
    setOutlet(flow, check, ['branches', 0, 'next'], 'bye');
    expect((blocks(flow).check?.branches as Json[])[0]).toEqual({
      when: { op: 'equals', attribute: 'status', value: 'shipped' },
      next: 'bye',
    });
    // A branch that is not there is not made up.
    setOutlet(flow, check, ['branches', 5, 'next'], 'bye');
    expect(blocks(flow).check?.branches).toHaveLength(2);

    setOutlet(flow, { kind: 'trigger', index: 0 }, ['start'], undefined);
    expect(triggers(flow)[0]).toEqual({ type: 'keyword', keywords: ['go'], chats: ['user'] });
    setOutlet(flow, { kind: 'trigger', index: 9 }, ['start'], 'ask');
    setOutlet(flow, { kind: 'block', id: 'nope' }, ['next'], 'ask');
    expect(triggers(flow)).toHaveLength(3);
    expect(blocks(flow)).not.toHaveProperty('nope');
    setOutlet(flow, { kind: 'settings' }, ['start'], undefined);
    expect(flow).not.toHaveProperty('start');
  });

  test('an empty map the admin wrote stays when another outlet changes', () => {
    const flow = { blocks: { load: { type: 'callApi', onStatus: {}, onSuccess: 'a' } } };
    setOutlet(flow, { kind: 'block', id: 'load' }, ['onSuccess'], undefined);
    expect(flow.blocks.load).toEqual({ type: 'callApi', onStatus: {} });
  });
});

describe('renameBlock', () => {
  test('every reference follows and the block keeps its place', () => {
    const flow = sample();
    expect(renameBlock(flow, 'sorry', 'apology')).toBeUndefined();
    expect(Object.keys(blocks(flow))).toEqual(['ask', 'load', 'check', 'shipped', 'mark', 'not_found', 'apology', 'bye']);
    expect(blocks(flow).apology).toEqual({ type: 'message', messages: [{ type: 'text', text: 'Sorry.' }] });
    const load = blocks(flow).load ?? {};
    expect([load.onFailure, load.onStatus, load.onReason]).toEqual([
      'apology',
      { '404': 'not_found', '500': 'apology' },
      { timeout: 'apology' },
    ]);
    expect(blocks(flow).check?.branches).toEqual([
      { when: { op: 'equals', attribute: 'status', value: 'shipped' }, next: 'shipped' },
      { when: { op: 'exists', attribute: 'order' }, next: 'apology' },
    ]);
    expect(blocks(flow).check?.otherwise).toBe('apology');
    expect(blocks(flow).shipped?.empty).toBe('apology');
    expect(JSON.stringify(flow)).not.toMatch(/"sorry"/);

    expect(renameBlock(flow, 'ask', 'ask_order')).toBeUndefined();
    expect([flow.start, triggers(flow)[0]?.start, blocks(flow).not_found?.next]).toEqual(['ask_order', 'ask_order', 'ask_order']);
    expect(Object.keys(blocks(flow))[0]).toBe('ask_order');
  });

  test('a block linking to itself follows too', () => {
    const flow = { blocks: { loop: { type: 'question', next: 'loop', onGiveUp: 'loop' } } };
    expect(renameBlock(flow, 'loop', 'again')).toBeUndefined();
    expect(flow.blocks).toEqual({ again: { type: 'question', next: 'again', onGiveUp: 'again' } });
  });

  test('refuses an invalid or taken id, or a block that is not there, and changes nothing', () => {
    const flow = sample();
    const before = JSON.stringify(flow);
    expect(renameBlock(flow, 'ask', '1st')).toBe('invalidId');
    expect(renameBlock(flow, 'ask', 'has space')).toBe('invalidId');
    expect(renameBlock(flow, 'ask', 'a'.repeat(65))).toBe('invalidId');
    expect(renameBlock(flow, 'ask', 'load')).toBe('idTaken');
    expect(renameBlock(flow, 'nope', 'other')).toBe('noSuchBlock');
    expect(renameBlock({}, 'nope', 'other')).toBe('noSuchBlock');
    expect(renameBlock(flow, 'ask', 'ask')).toBeUndefined();
    expect(JSON.stringify(flow)).toBe(before);
  });
});

describe('deleteBlock', () => {
  test('the block goes, and every link to it', () => {
    const flow = sample();
    deleteBlock(flow, 'sorry');
    expect(blocks(flow)).not.toHaveProperty('sorry');
    expect(blocks(flow).load).toEqual({
      type: 'callApi',
      request: { url: 'https://brand.example/orders/{{ attributes.order }}' },
      onSuccess: 'check',
      onStatus: { '404': 'not_found' },
      saveToAttributes: { status: 'response.body.status' },
    });
    expect(blocks(flow).check).toEqual({
      type: 'condition',
      branches: [
        { when: { op: 'equals', attribute: 'status', value: 'shipped' }, next: 'shipped' },
        { when: { op: 'exists', attribute: 'order' } },
      ],
    });
    expect(blocks(flow).shipped).toEqual({ type: 'message', messages: [{ type: 'text', text: 'Shipped!' }], next: 'mark' });
    expect(JSON.stringify(flow)).not.toMatch(/"sorry"/);
  });

  test('a trigger or the flow whose start it was keeps its other fields, without start', () => {
    const flow = sample();
    deleteBlock(flow, 'ask');
    expect(triggers(flow)[0]).toEqual({ type: 'keyword', keywords: ['go'], chats: ['user'] });
    expect(flow).not.toHaveProperty('start');
    expect(blocks(flow).not_found).toEqual({ type: 'message', messages: [{ type: 'text', text: 'No such order.' }] });
    deleteBlock(flow, 'nope');
    expect(Object.keys(blocks(flow))).toHaveLength(7);
  });
});

describe('names and keywords as the admin types them', () => {
  test('keywords are split at commas (, ， 、), trimmed, each kept once', () => {
    expect(splitKeywords('order, 訂單')).toEqual(['order', '訂單']);
    expect(splitKeywords(' hot，熱銷、 hot ,, ')).toEqual(['hot', '熱銷']);
    expect(splitKeywords('  ')).toEqual([]);
  });

  test('a block id says what it does about its topic; what follows ask_order is about the order too', () => {
    expect(idHint('question', 'order')).toBe('ask_order');
    expect(idHint('callApi', 'order')).toBe('call_order');
    expect(idHint('condition', 'order')).toBe('check_order');
    expect(idHint('setAttributes', 'order')).toBe('set_order');
    // A message or an end keeps where it is linked from.
    expect(idHint('message', 'order', 'ask_order_next')).toBe('ask_order_next');
    expect(idHint('end', 'welcome')).toBe('welcome');
    expect(topicOf('ask_order')).toBe('order');
    expect(topicOf('call_order2')).toBe('order');
    expect(topicOf('ask_register22')).toBe('register');
    expect(topicOf('welcome')).toBe('welcome');
    // A second question about the same topic is numbered once, not again and again.
    const flow: Json = { blocks: { ask_register: { type: 'end' }, ask_register2: { type: 'end' } } };
    expect(uniqueId(flow, idHint('question', topicOf('ask_register2')))).toBe('ask_register3');
  });
});

describe('verified bindings in the editor (issue 19)', () => {
  test('an unbind block: created with its type alone, one outlet (next), named for what it does', () => {
    expect(BLOCK_TYPES).toContain('unbind');
    expect(newBlock('unbind')).toEqual({ type: 'unbind' });
    expect(outlets({ type: 'unbind', next: 'bye' })).toEqual([{ path: ['next'], kind: 'next', label: 'next', target: 'bye' }]);
    const flow = { blocks: {} };
    expect(addBlock(flow, 'unbind')).toBe('unlink');
  });

  test('a link account block: a login URL and a placeholder text; outlets linked, not linked and elsewhere', () => {
    expect(BLOCK_TYPES).toContain('linkAccount');
    expect(newBlock('linkAccount', {}, 'zh-TW')).toEqual({
      type: 'linkAccount',
      loginUrl: 'https://',
      text: '請登入會員，將會員帳號連結到這個聊天。',
    });
    expect(outlets({ type: 'linkAccount', onLinked: 'resolve', elsewhere: 'ask_phone' })).toEqual([
      { path: ['onLinked'], kind: 'onSuccess', label: 'onLinked', target: 'resolve' },
      { path: ['onFailure'], kind: 'onFailure', label: 'onFailure' },
      { path: ['elsewhere'], kind: 'otherwise', label: 'elsewhere', target: 'ask_phone' },
    ]);
    expect(addBlock({ blocks: {} }, 'linkAccount')).toBe('link_account');
  });

  test("the flow's verify start follows a rename and goes with a delete", () => {
    const flow = {
      verify: 'ask_phone',
      blocks: { ask_phone: { type: 'question', prompt: 'Phone?', input: { type: 'phone' }, saveAs: 'phone' }, other: { type: 'end' } },
    };
    expect(renameBlock(flow, 'ask_phone', 'ask_member_phone')).toBeUndefined();
    expect(flow.verify).toBe('ask_member_phone');
    deleteBlock(flow, 'ask_member_phone');
    expect(flow).not.toHaveProperty('verify');
  });
});
