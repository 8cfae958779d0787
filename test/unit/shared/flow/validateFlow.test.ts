import { demoFlow } from '../../../../local/demoFlow';
import { FLOW_LIMITS, flowJsonSchema, validateFlow, type FlowProblem } from '../../../../shared/flow/validateFlow';

/** A fresh, mutable copy of the demo flow (plain JSON, like an admin's document). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Doc = any;
function demo(brandUrl = 'https://brand.example'): Doc {
  return structuredClone(demoFlow(brandUrl));
}

function problems(input: unknown): FlowProblem[] {
  const result = validateFlow(input);
  if (result.ok) throw new Error('expected the flow to be rejected');
  return result.problems;
}

function paths(input: unknown): string[] {
  return problems(input).map((p) => p.path);
}

function withMessageBlock(message: unknown): Doc {
  const doc = demo();
  doc.blocks.welcome.messages = [message];
  return doc;
}

const button = (i: number) => ({ type: 'postback', label: `B${i}`, data: `action=b${i}` });
const card = (i: number) => ({ title: `Card ${i}` });

describe('validateFlow: accepts', () => {
  test('the demo flow', () => {
    const result = validateFlow(demoFlow('https://brand.example'));
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    // Defaults are applied in the validated flow.
    expect(result.flow.blocks.ask_name).toMatchObject({ maxAttempts: 3 });
    // A question without its own reask re-asks in the workspace's language (or the flow's texts).
    expect(result.flow.blocks.ask_name).not.toHaveProperty('reask');
    expect(result.flow.blocks.best_sellers).toMatchObject({
      request: { method: 'GET', headers: {}, body: { type: 'none' } },
      retry: true,
      timeoutMs: 10_000,
    });
  });

  test('the demo flow against the local stack over plain http', () => {
    expect(validateFlow(demoFlow('http://127.0.0.1:4010')).ok).toBe(true);
    expect(validateFlow(demoFlow('http://localhost:4010')).ok).toBe(true);
  });

  test('limits exactly at the maximum', () => {
    const quick = withMessageBlock({ type: 'text', text: 'pick', quickReplies: Array.from({ length: 13 }, (_, i) => button(i)) });
    expect(validateFlow(quick).ok).toBe(true);
    expect(validateFlow(withMessageBlock({ type: 'buttons', text: 'pick', buttons: [button(1), button(2), button(3)] })).ok).toBe(true);
    expect(validateFlow(withMessageBlock({ type: 'carousel', cards: Array.from({ length: 10 }, (_, i) => card(i)) })).ok).toBe(true);
    const doc = demo();
    doc.blocks.show_tickets.messages[0].repeat.limit = 10;
    doc.blocks.ask_plan.input.choices[0].label = 'x'.repeat(20);
    expect(validateFlow(doc).ok).toBe(true);
  });

  test('a URL that is a template as a whole', () => {
    const doc = demo();
    doc.blocks.best_sellers.request.url = '{{ attributes.apiBase }}/best-sellers';
    expect(validateFlow(doc).ok).toBe(true);
  });
});

describe('validateFlow: references and reachability', () => {
  test('a missing block reference', () => {
    const doc = demo();
    doc.blocks.ask_phone.next = 'nowhere';
    expect(problems(doc)).toContainEqual({ path: 'blocks.ask_phone.next', message: 'no block named "nowhere"' });
  });

  test('missing references in every kind of edge', () => {
    const doc = demo();
    doc.blocks.show_tickets.empty = 'gone1';
    doc.blocks.check_code.onFailure = 'gone2';
    doc.blocks.check_code.onStatus['422'] = 'gone3';
    doc.blocks.registration_outcome.otherwise = 'gone4';
    doc.blocks.ask_reg_phone.onGiveUp = 'gone5';
    expect(paths(doc)).toEqual(
      expect.arrayContaining([
        'blocks.show_tickets.empty',
        'blocks.check_code.onFailure',
        'blocks.check_code.onStatus.422',
        'blocks.registration_outcome.otherwise',
        'blocks.ask_reg_phone.onGiveUp',
      ]),
    );
  });

  test('a trigger starting nowhere', () => {
    const doc = demo();
    doc.triggers[0].start = 'nowhere';
    expect(problems(doc)).toContainEqual({ path: 'triggers.0.start', message: 'no block named "nowhere"' });
  });

  test('a flow start naming no block', () => {
    const doc = demo();
    doc.start = 'nowhere';
    expect(paths(doc)).toContain('start');
  });

  test('an unreachable block', () => {
    const doc = demo();
    doc.blocks.orphan = { type: 'message', messages: [{ type: 'text', text: 'nobody sees me' }] };
    expect(problems(doc)).toEqual([{ path: 'blocks.orphan', message: 'unreachable: no trigger or block leads here' }]);
  });

  test('blocks cut off by a broken edge are unreachable too', () => {
    const doc = demo();
    doc.blocks.registration_outcome.otherwise = undefined;
    expect(paths(doc)).toEqual(['blocks.registration_full']);
  });

  test('a block reached only through the flow start is reachable', () => {
    const doc = demo();
    doc.blocks.orphan = { type: 'end' };
    doc.start = 'orphan';
    expect(validateFlow(doc).ok).toBe(true);
  });

  test('a loop back to an earlier block is allowed', () => {
    const doc = demo();
    doc.blocks.verify_failed.next = 'ask_phone';
    expect(validateFlow(doc).ok).toBe(true);
  });

  test('at most one fallback trigger', () => {
    const doc = demo();
    doc.triggers.push({ type: 'fallback', start: 'welcome' });
    expect(paths(doc)).toEqual(['triggers']);
  });

  test('a reference to a name Object.prototype has is a missing block, not a crash', () => {
    for (const name of ['toString', 'hasOwnProperty', 'valueOf']) {
      const doc = demo();
      doc.blocks.ask_phone.next = name;
      expect(problems(doc)).toContainEqual({ path: 'blocks.ask_phone.next', message: `no block named "${name}"` });
    }
    // A reserved name is never a block id (issue 24): said so at the reference.
    const doc = demo();
    doc.blocks.ask_phone.next = 'constructor';
    expect(problems(doc)).toContainEqual({
      path: 'blocks.ask_phone.next',
      message: '__proto__, constructor and prototype are reserved names',
    });
  });
});

describe('validateFlow: templates', () => {
  test('a template that does not parse, with the exact path', () => {
    const doc = demo();
    doc.blocks.welcome.messages[0].text = 'Hi {{ customer.name';
    const [problem, ...rest] = problems(doc);
    expect(rest).toEqual([]);
    expect(problem?.path).toBe('blocks.welcome.messages.0.text');
    expect(problem?.message).toMatch(/^template does not parse: .*not closed/);
  });

  test('an unknown filter is reported', () => {
    const doc = demo();
    doc.blocks.verified.messages[0].text = '{{ binding.memberId | shout }}';
    expect(problems(doc)).toEqual([{ path: 'blocks.verified.messages.0.text', message: expect.stringMatching(/undefined filter: shout/) }]);
  });

  test('templates everywhere are checked, each with its path', () => {
    const doc = demo();
    const bad = '{% if x %}';
    doc.blocks.ask_phone.prompt = bad;
    doc.blocks.ask_phone.reask = bad;
    doc.blocks.check_code.request.url = `https://brand.example/{{ x ${bad}`;
    doc.blocks.check_code.request.headers = { Authorization: `Bearer ${bad}` };
    doc.blocks.check_code.request.body.value = { phone: '{{ attributes.phone }}', nested: { list: ['ok', bad] } };
    doc.blocks.check_code.successWhen = 'response.body.verified | nosuch';
    doc.blocks.show_tickets.messages[0].card.title = bad;
    doc.blocks.show_tickets.messages[0].card.buttons[0].data = bad;
    doc.blocks.show_tickets.messages[0].altText = bad;
    doc.blocks.welcome.messages[0].quickReplies[1].text = bad;
    doc.blocks.show_best_sellers.messages[1].card.buttons[0].url = bad;
    doc.blocks.registered.next = 'set';
    doc.blocks.set = { type: 'setAttributes', set: { a: bad }, next: 'send_confirmation' };
    expect(paths(doc).sort()).toEqual(
      [
        'blocks.ask_phone.prompt',
        'blocks.ask_phone.reask',
        'blocks.check_code.request.url',
        'blocks.check_code.request.headers.Authorization',
        'blocks.check_code.request.body.value.nested.list.1',
        'blocks.check_code.successWhen',
        'blocks.show_tickets.messages.0.card.title',
        'blocks.show_tickets.messages.0.card.buttons.0.data',
        'blocks.show_tickets.messages.0.altText',
        'blocks.welcome.messages.0.quickReplies.1.text',
        'blocks.show_best_sellers.messages.1.card.buttons.0.url',
        'blocks.set.set.a',
      ].sort(),
    );
  });

  test('form fields are checked', () => {
    const doc = demo();
    doc.blocks.submit_registration.request.body = { type: 'form', fields: { name: '{{ attributes.name', plan: 'ok' } };
    expect(paths(doc)).toEqual(['blocks.submit_registration.request.body.fields.name']);
  });
});

describe('validateFlow: channel limits', () => {
  test('more than 13 quick replies', () => {
    const doc = withMessageBlock({ type: 'text', text: 'pick', quickReplies: Array.from({ length: 14 }, (_, i) => button(i)) });
    expect(problems(doc)).toEqual([{ path: 'blocks.welcome.messages.0.quickReplies', message: 'at most 13 quick replies' }]);
  });

  test('a quick reply cannot open a URL, and its label is at most 20 characters', () => {
    const doc = withMessageBlock({
      type: 'text',
      text: 'pick',
      quickReplies: [
        { type: 'url', label: 'Site', url: 'https://brand.example' },
        { type: 'message', label: 'x'.repeat(21), text: 'x' },
        { type: 'message', label: '{{ attributes.longName }}', text: 'x' },
      ],
    });
    expect(paths(doc)).toEqual(['blocks.welcome.messages.0.quickReplies.0', 'blocks.welcome.messages.0.quickReplies.1.label']);
  });

  test('more than 3 buttons in a buttons message', () => {
    const doc = withMessageBlock({ type: 'buttons', text: 'pick', buttons: [button(1), button(2), button(3), button(4)] });
    expect(problems(doc)).toEqual([{ path: 'blocks.welcome.messages.0.buttons', message: 'at most 3 buttons' }]);
  });

  test('more than 3 buttons on a card', () => {
    const doc = demo();
    doc.blocks.show_tickets.messages[0].card.buttons = [button(1), button(2), button(3), button(4)];
    expect(paths(doc)).toEqual(['blocks.show_tickets.messages.0.card.buttons']);
    const fixed = withMessageBlock({ type: 'carousel', cards: [{ title: 'x', buttons: [button(1), button(2), button(3), button(4)] }] });
    expect(paths(fixed)).toEqual(['blocks.welcome.messages.0.cards.0.buttons']);
  });

  test('a choice label longer than 20 characters', () => {
    const doc = demo();
    doc.blocks.ask_plan.input.choices[1].label = 'x'.repeat(21);
    expect(problems(doc)).toEqual([
      { path: 'blocks.ask_plan.input.choices.1.label', message: 'at most 20 characters (a quick reply label)' },
    ]);
  });

  test('a fixed carousel of 11 cards', () => {
    const doc = withMessageBlock({ type: 'carousel', cards: Array.from({ length: 11 }, (_, i) => card(i)) });
    expect(problems(doc)).toEqual([{ path: 'blocks.welcome.messages.0.cards', message: 'at most 10 cards' }]);
  });

  test('repeat.limit 20', () => {
    const doc = demo();
    doc.blocks.show_tickets.messages[0].repeat.limit = 20;
    expect(problems(doc)).toEqual([{ path: 'blocks.show_tickets.messages.0.repeat.limit', message: expect.stringMatching(/^at most 10/) }]);
  });

  test('postback data longer than 300 characters', () => {
    const doc = withMessageBlock({
      type: 'buttons',
      text: 'x',
      buttons: [{ type: 'postback', label: 'x', data: `action=${'x'.repeat(294)}` }],
    });
    expect(paths(doc)).toEqual(['blocks.welcome.messages.0.buttons.0.data']);
    const fits = withMessageBlock({
      type: 'buttons',
      text: 'x',
      buttons: [{ type: 'postback', label: 'x', data: `action=${'x'.repeat(293)}` }],
    });
    expect(validateFlow(fits).ok).toBe(true);
  });

  test('static text longer than 2000 characters (templated text is fitted at send time)', () => {
    expect(paths(withMessageBlock({ type: 'text', text: 'x'.repeat(2001) }))).toEqual(['blocks.welcome.messages.0.text']);
    expect(validateFlow(withMessageBlock({ type: 'text', text: 'x'.repeat(2000) })).ok).toBe(true);
    expect(validateFlow(withMessageBlock({ type: 'text', text: `{{ attributes.name }}${'x'.repeat(2001)}` })).ok).toBe(true);
  });

  test('the limits are the documented ones', () => {
    expect(FLOW_LIMITS).toMatchObject({
      quickReplies: 13,
      quickReplyLabel: 20,
      buttonsPerMessage: 3,
      buttonsPerCard: 3,
      fixedCards: 10,
      repeatLimit: 10,
    });
  });
});

describe('validateFlow: cards', () => {
  test('a GET with a body', () => {
    const doc = demo();
    doc.blocks.load_tickets.request.body = { type: 'json', value: { a: 1 } };
    expect(problems(doc)).toEqual([{ path: 'blocks.load_tickets.request.body', message: 'a GET request has no body' }]);
  });

  test('a GET with a form body, and a POST by default method', () => {
    const doc = demo();
    doc.blocks.best_sellers.request.body = { type: 'form', fields: { a: 'b' } };
    expect(paths(doc)).toEqual(['blocks.best_sellers.request.body']);
    doc.blocks.best_sellers.request.method = 'POST';
    expect(validateFlow(doc).ok).toBe(true);
  });

  test('saveToAttributes not pointing into response.', () => {
    const doc = demo();
    doc.blocks.check_code.saveToAttributes = { memberId: 'attributes.phone', other: 'response.body.ok', weird: 'response.body.x | upcase' };
    expect(paths(doc)).toEqual(['blocks.check_code.saveToAttributes.memberId', 'blocks.check_code.saveToAttributes.weird']);
    expect(problems(doc)[0]?.message).toMatch(/path into the response/);
  });

  test('saveToAttributes with array indexes is fine', () => {
    const doc = demo();
    doc.blocks.check_code.saveToAttributes = { first: 'response.body.items[0].id' };
    expect(validateFlow(doc).ok).toBe(true);
  });

  test('an http:// URL to a non-local host', () => {
    const doc = demo('http://brand.example');
    expect(paths(doc)).toEqual(
      expect.arrayContaining(['blocks.check_code.request.url', 'blocks.load_tickets.request.url', 'blocks.best_sellers.request.url']),
    );
    expect(problems(doc).every((p) => /https/.test(p.message))).toBe(true);
  });

  test.each(['http://localhost.evil.example/x', 'http://127.0.0.1.evil.example/x', 'http://10.0.0.5/x', 'http://{{ attributes.host }}/x'])(
    'plain http is refused for %s',
    (url) => {
      const doc = demo();
      doc.blocks.best_sellers.request.url = url;
      expect(paths(doc)).toEqual(['blocks.best_sellers.request.url']);
    },
  );

  test('plain http hidden behind userinfo that looks local is refused', () => {
    for (const url of ['http://127.0.0.1:80@brand.example/x', 'http://localhost:1@brand.example/x', 'http://localhost@brand.example/x']) {
      const doc = demo();
      doc.blocks.best_sellers.request.url = url;
      const result = validateFlow(doc);
      expect(result.ok ? [] : result.problems.map((p) => p.path)).toEqual(['blocks.best_sellers.request.url']);
    }
  });

  test('a URL that is neither http(s) nor a template', () => {
    for (const url of ['ftp://brand.example/x', 'brand.example/x', '/relative']) {
      const doc = demo();
      doc.blocks.best_sellers.request.url = url;
      expect(problems(doc)).toEqual([{ path: 'blocks.best_sellers.request.url', message: expect.stringMatching(/https/) }]);
    }
  });

  test('an invalid header name', () => {
    const doc = demo();
    doc.blocks.best_sellers.request.headers = { 'X Bad': 'x', 'X-Good': 'y' };
    expect(paths(doc)).toEqual(['blocks.best_sellers.request.headers.X Bad']);
  });

  test('a fire-and-forget card cannot answer with messages', () => {
    const doc = demo();
    doc.blocks.send_confirmation.expect = 'messages';
    expect(paths(doc)).toEqual(['blocks.send_confirmation.expect']);
  });

  test('a callback card is neither fire-and-forget nor cached', () => {
    const doc = demo();
    doc.blocks.send_confirmation.callback = { timeoutSeconds: 60 };
    expect(paths(doc)).toEqual(['blocks.send_confirmation.callback']);
  });

  test('an invalid regular expression in a condition', () => {
    const doc = demo();
    doc.blocks.registration_outcome.branches[0].when = { op: 'matches', attribute: 'registrationStatus', pattern: '([a-z' };
    expect(paths(doc)).toEqual(['blocks.registration_outcome.branches.0.when.pattern']);
  });
});

describe('validateFlow: shape errors and reporting', () => {
  test('shape errors from zod come with their paths', () => {
    const doc = demo();
    doc.name = '';
    doc.triggers[0].start = 7;
    doc.blocks.welcome.type = 'video';
    doc.blocks.ask_phone.maxAttempts = 0;
    const found = paths(doc);
    expect(found).toEqual(expect.arrayContaining(['name', 'triggers.0.start', 'blocks.welcome.type', 'blocks.ask_phone.maxAttempts']));
    expect(found.every((p) => p !== '' && p !== '(root)')).toBe(true);
  });

  test('deep shape errors point at the field', () => {
    const doc = demo();
    doc.blocks.show_tickets.messages[0].card.buttons[0].label = '';
    doc.blocks.check_code.request.method = 'FETCH';
    expect(paths(doc)).toEqual(expect.arrayContaining(['blocks.check_code.request.method']));
    expect(paths(doc).some((p) => p.startsWith('blocks.show_tickets.messages.0'))).toBe(true);
  });

  test('a bad block id is reported under blocks', () => {
    const doc = demo();
    doc.blocks['1 bad id'] = { type: 'end' };
    expect(paths(doc).some((p) => p.startsWith('blocks'))).toBe(true);
  });

  test('not an object at all', () => {
    expect(paths(null)).toEqual(['(root)']);
    expect(paths('flow')).toEqual(['(root)']);
  });

  test('a wrong schema version or no triggers', () => {
    const doc = demo();
    doc.schemaVersion = 2;
    doc.triggers = [];
    expect(paths(doc)).toEqual(expect.arrayContaining(['schemaVersion', 'triggers']));
  });

  test('every problem is reported, not only the first', () => {
    const doc = demo();
    doc.blocks.ask_phone.next = 'nowhere';
    doc.triggers[2].start = 'missing';
    doc.blocks.welcome.messages[0].text = '{{ oops';
    doc.blocks.load_tickets.request.body = { type: 'json', value: {} };
    doc.blocks.ask_plan.input.choices[0].label = 'A label far too long for LINE';
    doc.blocks.orphan = { type: 'end' };
    expect(paths(doc)).toEqual(
      expect.arrayContaining([
        'blocks.ask_phone.next',
        'triggers.2.start',
        'blocks.welcome.messages.0.text',
        'blocks.load_tickets.request.body',
        'blocks.ask_plan.input.choices.0.label',
        'blocks.orphan',
        'blocks.best_sellers',
      ]),
    );
  });

  test('validation does not change the document it was given', () => {
    const doc = demo();
    const before = JSON.stringify(doc);
    validateFlow(doc);
    expect(JSON.stringify(doc)).toBe(before);
  });
});

describe('flowJsonSchema', () => {
  test('describes blocks and triggers for editors', () => {
    const schema = flowJsonSchema() as { type?: string; properties?: Record<string, Record<string, unknown>>; required?: string[] };
    expect(schema.type).toBe('object');
    expect(schema.properties).toHaveProperty('blocks');
    expect(schema.properties).toHaveProperty('triggers');
    expect(schema.properties?.triggers?.type).toBe('array');
    expect(schema.properties?.blocks?.type).toBe('object');
    expect(schema.required).toEqual(expect.arrayContaining(['schemaVersion', 'name', 'triggers', 'blocks']));
  });

  test('is input-shaped: fields with defaults are optional', () => {
    const schema = flowJsonSchema();
    const text = JSON.stringify(schema);
    expect(text).toContain('"callApi"');
    expect(text).toContain('"fireAndForget"');
    expect(() => JSON.parse(text)).not.toThrow();
  });
});

describe("validateFlow: texts (callcard's own texts, reworded per flow)", () => {
  test('a flow may reword the apology, the re-ask and the carousel text', () => {
    const doc = demo();
    doc.texts = { failure: '抱歉，系統忙碌中，請稍後再試。', reask: '格式不對喔！{{ prompt }}', carouselAltText: '本週推薦' };
    const result = validateFlow(doc);
    expect(result.ok && result.flow.texts).toEqual(doc.texts);
  });

  test("the re-ask is a template checked like a question's; unknown and empty texts are refused at their path", () => {
    const doc = demo();
    doc.texts = { reask: 'Again: {{ prompt ', failure: '  ', apology: 'x' };
    expect(paths(doc)).toEqual(expect.arrayContaining(['texts.failure', 'texts.apology']));
    const bad = demo();
    bad.texts = { reask: 'Again: {{ prompt ' };
    expect(paths(bad)).toEqual(['texts.reask']);
    const secret = demo();
    secret.texts = { reask: '{{ secrets.API_KEY }} {{ prompt }}' };
    expect(paths(secret)).toEqual(['texts.reask']);
  });
});

describe('validateFlow: chats (where triggers answer)', () => {
  test('a flow and its keyword, postback and fallback triggers may name chats; one-to-one only when they do not', () => {
    const doc = demo();
    doc.chats = ['user', 'group'];
    // "My tickets" is personal: it keeps to one-to-one chats.
    doc.triggers[0].chats = ['user'];
    doc.triggers[1].chats = ['user', 'group', 'room'];
    const result = validateFlow(doc);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.flow.chats).toEqual(['user', 'group']);
    expect(result.flow.triggers[1]).toMatchObject({ chats: ['user', 'group', 'room'] });
    expect(result.flow.triggers[2]).not.toHaveProperty('chats');
    // Left out, nothing is added: a stored flow reads as before.
    const plain = validateFlow(demo());
    expect(plain.ok && plain.flow).not.toHaveProperty('chats');
  });

  test('an unknown chat, an empty list, a chat twice, or chats on a follow are problems at their path', () => {
    const doc = demo();
    doc.triggers[0].chats = ['user', 'group', 'channel'];
    doc.triggers[1].chats = [];
    doc.chats = ['group', 'group'];
    doc.triggers.push({ type: 'follow', start: 'welcome', chats: ['user'] });
    expect(paths(doc)).toEqual(
      expect.arrayContaining(['triggers.0.chats.2', 'triggers.1.chats', 'chats', `triggers.${doc.triggers.length - 1}.chats`]),
    );
  });

  test("a cached card may not use who spoke in a group (trigger.speakerId): it is a person's id", () => {
    const doc = demo();
    doc.blocks.best_sellers.cache = { ttlSeconds: 60 };
    doc.blocks.best_sellers.request.url = 'https://brand.example/best-sellers?for={{ trigger.speakerId }}';
    expect(problems(doc)).toEqual(
      expect.arrayContaining([
        { path: 'blocks.best_sellers.cache', message: "only for non-personal data: this card's request uses speakerId" },
      ]),
    );
  });

  test("a cached card may not judge its answer by the customer's values: a cache hit is not judged again", () => {
    const doc = demo();
    doc.blocks.best_sellers.cache = { ttlSeconds: 60 };
    doc.blocks.best_sellers.successWhen = 'response.body.items.size > 0';
    expect(validateFlow(doc).ok).toBe(true);
    doc.blocks.best_sellers.successWhen = 'response.body.tier == attributes.tier';
    expect(problems(doc)).toEqual([
      { path: 'blocks.best_sellers.cache', message: "only for non-personal data: this card's successWhen uses attributes" },
    ]);
  });

  test('the JSON Schema for editors knows chats', () => {
    expect(JSON.stringify(flowJsonSchema())).toContain('"group"');
  });
});
