import { demoFlow } from '../../../../local/demoFlow';
import { soakFlow } from '../../../../soak/soakFlow';
import { closest, editDistance } from '../../../../shared/flow/parseProblems';
import { flowSchema } from '../../../../shared/flow/schema';
import {
  flowJsonSchema,
  headerSecretUses,
  missingSecretProblems,
  staticUrlProblem,
  validateFlow,
  type FlowProblem,
} from '../../../../shared/flow/validateFlow';
import { resolvedMessageSchema } from '../../../../shared/messages/message';
import { SECRET_OUTSIDE_HEADER } from '../../../../shared/templating/secrets';

/**
 * Flow documents are strict: an unknown key is a problem at its path (with "did you mean"), secrets
 * go in header values only, and a literal card address the outbound guard would refuse is refused
 * when the flow is saved, not when the card runs.
 */

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Doc = any;
const demo = (): Doc => structuredClone(demoFlow('https://brand.example'));

function problems(input: unknown): FlowProblem[] {
  const result = validateFlow(input);
  if (result.ok) throw new Error('expected the flow to be rejected');
  return result.problems;
}

/** A one-card flow whose card (`c`) is `block`, its outcomes going to `done`. */
function withCard(block: Record<string, unknown>): Doc {
  return {
    schemaVersion: 1,
    name: 'card',
    triggers: [{ type: 'keyword', keywords: ['go'], start: 'c' }],
    blocks: { c: { type: 'callApi', onSuccess: 'done', ...block }, done: { type: 'end' } },
  };
}

describe('unknown keys', () => {
  test('a typo in a block is a problem at its path, with "did you mean"; not only "unreachable" elsewhere', () => {
    const doc = demo();
    doc.blocks.check_code.onSucess = doc.blocks.check_code.onSuccess;
    delete doc.blocks.check_code.onSuccess;
    expect(problems(doc)).toEqual([{ path: 'blocks.check_code.onSucess', message: 'unknown key "onSucess": did you mean "onSuccess"?' }]);
  });

  test.each([
    ['the document', (d: Doc) => (d.strat = 'welcome'), 'strat', 'did you mean "start"?'],
    ['a trigger', (d: Doc) => (d.triggers[2].keyword = ['hi']), 'triggers.2.keyword', 'did you mean "keywords"?'],
    ['a request', (d: Doc) => (d.blocks.check_code.request.header = {}), 'blocks.check_code.request.header', 'did you mean "headers"?'],
    [
      'a body',
      (d: Doc) => (d.blocks.check_code.request.body.values = {}),
      'blocks.check_code.request.body.values',
      'did you mean "value"?',
    ],
    ['a question', (d: Doc) => (d.blocks.ask_name.MaxAttempts = 2), 'blocks.ask_name.MaxAttempts', 'did you mean "maxAttempts"?'],
    ['a question input', (d: Doc) => (d.blocks.ask_plan.input.choice = []), 'blocks.ask_plan.input.choice', 'did you mean "choices"?'],
    [
      'a text message',
      (d: Doc) => (d.blocks.welcome.messages[0].quickReplys = []),
      'blocks.welcome.messages.0.quickReplys',
      'did you mean "quickReplies"?',
    ],
    [
      'a carousel card',
      (d: Doc) => (d.blocks.show_tickets.messages[0].card.subtitel = 'x'),
      'blocks.show_tickets.messages.0.card.subtitel',
      'did you mean "subtitle"?',
    ],
    [
      'a button',
      (d: Doc) => (d.blocks.show_tickets.messages[0].card.buttons[0].lable = 'x'),
      'blocks.show_tickets.messages.0.card.buttons.0.lable',
      'did you mean "label"?',
    ],
    [
      'a repeat',
      (d: Doc) => (d.blocks.show_tickets.messages[0].repeat.limt = 3),
      'blocks.show_tickets.messages.0.repeat.limt',
      'did you mean "limit"?',
    ],
    [
      'a condition branch',
      (d: Doc) => (d.blocks.registration_outcome.branches[0].nxt = 'x'),
      'blocks.registration_outcome.branches.0.nxt',
      'did you mean "next"?',
    ],
    [
      'a condition test',
      (d: Doc) => (d.blocks.registration_outcome.branches[0].when.attributes = 'x'),
      'blocks.registration_outcome.branches.0.when.attributes',
      'did you mean "attribute"?',
    ],
    [
      'a cache',
      (d: Doc) => (d.blocks.best_sellers.cache = { ttlSecond: 60 }),
      'blocks.best_sellers.cache.ttlSecond',
      'did you mean "ttlSeconds"?',
    ],
  ])('in %s', (_where, change, path, hint) => {
    const doc = demo();
    change(doc);
    expect(problems(doc)).toContainEqual({ path, message: `unknown key "${path.split('.').at(-1)}": ${hint}` });
  });

  test('a key far from every known one lists what the object takes', () => {
    const doc = demo();
    doc.blocks.welcome.colour = 'red';
    expect(problems(doc)).toEqual([
      { path: 'blocks.welcome.colour', message: 'unknown key "colour": expected one of type, messages, empty, next' },
    ]);
  });

  test('several unknown keys: one problem each, next to the other problems', () => {
    const doc = demo();
    doc.blocks.welcome.foo = 1;
    doc.blocks.welcome.bar = 2;
    doc.blocks.welcome.next = 'bad id!';
    expect(
      problems(doc)
        .map((p) => p.path)
        .sort(),
    ).toEqual(['blocks.welcome.bar', 'blocks.welcome.foo', 'blocks.welcome.next']);
  });

  test('a request field written on the card is pointed into request (the JSON body that was sent as {})', () => {
    const doc = withCard({
      request: { method: 'POST', url: 'https://api.example/x', includeProfile: true },
      body: { type: 'json', value: { key: '{{ secrets.X }}' } },
    });
    expect(problems(doc)).toEqual([{ path: 'blocks.c.body', message: 'unknown key "body": did you mean "request.body"?' }]);
  });

  test('a misspelt block, message or input type gets "did you mean" too', () => {
    const doc = demo();
    doc.blocks.best_sellers.type = 'callAPI';
    doc.blocks.welcome.messages[0].type = 'txt';
    doc.blocks.ask_name.input.type = 'emial';
    expect(problems(doc)).toEqual(
      expect.arrayContaining([
        { path: 'blocks.best_sellers.type', message: 'unknown "callAPI": did you mean "callApi"?' },
        { path: 'blocks.welcome.messages.0.type', message: 'unknown "txt": did you mean "text"?' },
        { path: 'blocks.ask_name.input.type', message: 'unknown "emial": did you mean "email"?' },
      ]),
    );
  });

  test('a message with a typo gets both the typo and the missing field, not "invalid input"', () => {
    const doc = demo();
    doc.blocks.welcome.messages[0] = { type: 'text', txt: 'hi' };
    expect(problems(doc)).toEqual(
      expect.arrayContaining([
        { path: 'blocks.welcome.messages.0.txt', message: 'unknown key "txt": did you mean "text"?' },
        expect.objectContaining({ path: 'blocks.welcome.messages.0.text' }),
      ]),
    );
  });

  test('maps stay open: headers, JSON body, form fields, saveToAttributes and set take any key', () => {
    const doc = withCard({
      request: {
        method: 'POST',
        url: 'https://api.example/x',
        headers: { 'x-anything-at-all': 'v' },
        body: { type: 'json', value: { any: { nested: ['key'] }, onSucess: 'is data here' } },
      },
      saveToAttributes: { whatever: 'response.body.x' },
    });
    doc.blocks.form = {
      type: 'callApi',
      request: { method: 'POST', url: 'https://api.example/f', body: { type: 'form', fields: { anyField: 'v' } } },
    };
    doc.blocks.c.onFailure = 'form';
    doc.blocks.set = { type: 'setAttributes', set: { anyName: 'v' } };
    doc.blocks.form.onSuccess = 'set';
    expect(validateFlow(doc)).toMatchObject({ ok: true });
  });

  test('$schema (for editors) is allowed at the top', () => {
    expect(validateFlow({ $schema: 'https://callcard.example/admin/flow.schema.json', ...demo() }).ok).toBe(true);
  });

  test('the demo and soak flows have no unknown key', () => {
    expect(validateFlow(demoFlow('https://brand.example')).ok).toBe(true);
    expect(validateFlow(soakFlow('https://brand.example', 5_000)).ok).toBe(true);
  });

  test('brands answering messages may still send keys callcard does not know (they are dropped)', () => {
    const answer = { type: 'buttons', text: 'x', extra: 1, buttons: [{ type: 'postback', label: 'a', data: 'action=a', brandId: 7 }] };
    expect(resolvedMessageSchema.parse(answer)).toEqual({
      type: 'buttons',
      text: 'x',
      buttons: [{ type: 'postback', label: 'a', data: 'action=a' }],
    });
    const carousel = {
      type: 'carousel',
      altText: 'x',
      cards: [{ title: 't', sku: 'S1', buttons: [{ type: 'url', label: 'l', url: 'https://x.example', tracking: 'y' }] }],
    };
    expect(resolvedMessageSchema.parse(carousel)).toEqual({
      type: 'carousel',
      altText: 'x',
      cards: [{ title: 't', buttons: [{ type: 'url', label: 'l', url: 'https://x.example' }] }],
    });
  });

  test('the JSON Schema says additionalProperties: false where strict, and stays open for maps', () => {
    const schema = flowJsonSchema() as Doc;
    expect(schema.additionalProperties).toBe(false);
    const text = JSON.stringify(schema);
    expect(text).toContain('"additionalProperties":false');
    // The block union: every block object is closed.
    const blocks = schema.properties.blocks.additionalProperties.oneOf ?? schema.properties.blocks.additionalProperties.anyOf;
    for (const block of blocks) expect(block.additionalProperties).toBe(false);
    const callApi = blocks.find((b: Doc) => b.properties.type.const === 'callApi');
    expect(callApi.properties.request.additionalProperties).toBe(false);
    expect(callApi.properties.request.properties.headers.additionalProperties).toEqual({ type: 'string' });
    expect(callApi.properties.saveToAttributes.additionalProperties).toEqual({ type: 'string' });
  });

  test('stored flows (parse outputs) still parse', () => {
    const result = validateFlow(demo());
    if (!result.ok) throw new Error('demo flow invalid');
    expect(flowSchema.parse(JSON.parse(JSON.stringify(result.flow)))).toEqual(result.flow);
  });
});

describe('did you mean', () => {
  test('edit distance counts inserts, deletes, replacements and swaps', () => {
    expect(editDistance('onSucess', 'onSuccess')).toBe(1);
    expect(editDistance('nxet', 'next')).toBe(1);
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('same', 'same')).toBe(0);
  });

  test('only close keys are suggested, case aside', () => {
    expect(closest('onsuccess', ['onSuccess', 'onFailure'])).toBe('onSuccess');
    expect(closest('onFailur', ['onSuccess', 'onFailure'])).toBe('onFailure');
    expect(closest('colour', ['type', 'messages', 'next'])).toBeUndefined();
    expect(closest('ab', ['type'])).toBeUndefined();
    expect(closest('nxt', ['next', 'type'])).toBe('next');
  });
});

describe('secrets only in header values', () => {
  test('{{ secrets.X }} in a JSON body value is a problem at its path (it was sent as {})', () => {
    const doc = withCard({
      request: {
        method: 'POST',
        url: 'https://api.example/x',
        body: { type: 'json', value: { key: '{{ secrets.X }}', list: ['{{ secrets.Y }}'] } },
      },
    });
    expect(problems(doc)).toEqual([
      { path: 'blocks.c.request.body.value.key', message: SECRET_OUTSIDE_HEADER },
      { path: 'blocks.c.request.body.value.list.0', message: SECRET_OUTSIDE_HEADER },
    ]);
  });

  test('in a JSON body key or a form field name (never rendered: it would go out as written)', () => {
    const doc = withCard({
      request: { method: 'POST', url: 'https://api.example/x', body: { type: 'json', value: { '{{ secrets.X }}': 'v' } } },
    });
    expect(problems(doc)).toEqual([{ path: 'blocks.c.request.body.value.{{ secrets.X }}', message: SECRET_OUTSIDE_HEADER }]);
    const form = withCard({
      request: { method: 'POST', url: 'https://api.example/x', body: { type: 'form', fields: { '{{ secrets.X }}': 'v' } } },
    });
    expect(problems(form)).toEqual([{ path: 'blocks.c.request.body.fields.{{ secrets.X }}', message: SECRET_OUTSIDE_HEADER }]);
  });

  test("in a buttons message's image URL (rendered, and checked now like every template)", () => {
    const doc = demo();
    doc.blocks.welcome.messages = [
      {
        type: 'buttons',
        text: 'x',
        imageUrl: 'https://img.example/{{ secrets.X }}',
        buttons: [{ type: 'message', label: 'a', text: 'b' }],
      },
    ];
    expect(problems(doc)).toEqual([{ path: 'blocks.welcome.messages.0.imageUrl', message: SECRET_OUTSIDE_HEADER }]);
    doc.blocks.welcome.messages[0].imageUrl = '{% include "x" %}';
    expect(problems(doc)[0]).toMatchObject({
      path: 'blocks.welcome.messages.0.imageUrl',
      message: expect.stringMatching(/include tag is not allowed/),
    });
  });

  test('as what a repeat goes over', () => {
    const doc = demo();
    doc.blocks.show_tickets.messages[0].repeat.over = 'secrets';
    doc.blocks.welcome.messages = [{ type: 'textList', text: '{{ s }}', repeat: { over: 'secrets.X', as: 's' } }];
    expect(problems(doc)).toEqual(
      expect.arrayContaining([
        { path: 'blocks.show_tickets.messages.0.repeat.over', message: SECRET_OUTSIDE_HEADER },
        { path: 'blocks.welcome.messages.0.repeat.over', message: SECRET_OUTSIDE_HEADER },
      ]),
    );
  });

  test('a header secret is fine, and is listed with its path', () => {
    const doc = withCard({
      request: {
        url: 'https://api.example/x',
        headers: { authorization: 'Bearer {{ secrets.API_KEY }}', 'x-both': '{{ secrets.A }}:{{ secrets.B }}' },
      },
    });
    const result = validateFlow(doc);
    if (!result.ok) throw new Error(JSON.stringify(result.problems));
    expect(headerSecretUses(result.flow)).toEqual([
      { path: 'blocks.c.request.headers.authorization', secret: 'API_KEY' },
      { path: 'blocks.c.request.headers.x-both', secret: 'A' },
      { path: 'blocks.c.request.headers.x-both', secret: 'B' },
    ]);
    expect(missingSecretProblems(result.flow, ['API_KEY', 'B'])).toEqual([
      { path: 'blocks.c.request.headers.x-both', message: 'secret A is not set in this workspace (set it with PUT /admin/secrets/A)' },
    ]);
    expect(missingSecretProblems(result.flow, ['API_KEY', 'A', 'B'])).toEqual([]);
  });
});

describe('literal card addresses the outbound guard would refuse', () => {
  test.each([
    'https://169.254.169.254/latest/meta-data/',
    'http://10.0.0.1/',
    'https://10.0.0.1/x',
    'https://192.168.1.20/x',
    'https://172.16.0.1/x',
    'https://127.0.0.1/x',
    'https://[::1]/',
    'https://[fd00::1]/x',
    'https://[fe80::1]/x',
    'https://[::ffff:169.254.169.254]/x',
    'https://0x7f.1/x',
    'https://2130706433/x',
    'https://0.0.0.0/x',
    'https://100.64.0.1/x',
    'https://localhost/x',
    'https://api.localhost/x',
    'https://169.254.169.254/{{ attributes.path }}',
  ])('%s is a problem at the URL', (url) => {
    expect(problems(withCard({ request: { url } }))).toEqual([
      { path: 'blocks.c.request.url', message: expect.stringMatching(/ is not a public address/) },
    ]);
  });

  test.each([
    'https://api.example/x',
    'https://8.8.8.8/x',
    'https://[2001:4860:4860::8888]/x',
    'https://{{ attributes.host }}/x',
    'https://api.{{ attributes.region }}.example/x',
    'https://{% if attributes.eu %}eu{% else %}us{% endif %}.api.example/x',
    '{{ attributes.base }}/x',
    // The local stack's stand-ins, over plain http (allow-listed there; refused by the guard anywhere else).
    'http://127.0.0.1:4010/x',
    'http://localhost:4010/x',
    'http://[::1]:4010/x',
  ])('%s is not', (url) => {
    expect(staticUrlProblem(url)).toBeUndefined();
  });

  test('plain http elsewhere and credentials are still refused, with their own message', () => {
    expect(staticUrlProblem('http://api.example/x')).toBe('must use https:// (plain http is only for the local stack)');
    expect(staticUrlProblem('https://user:pw@api.example/x')).toBe('must not carry credentials: use a header with a secret');
  });
});
