import { failureReasonSchema } from '../../../../shared/flow/schema';
import { flowJsonSchema, validateFlow, type FlowProblem } from '../../../../shared/flow/validateFlow';
import { SIGNING_SECRET_NAME } from '../../../../shared/http/signRequest';
import { SECRET_OUTSIDE_HEADER, SIGNING_SECRET_NEVER_SENT } from '../../../../shared/templating/secrets';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Doc = any;

function problems(input: unknown): FlowProblem[] {
  const result = validateFlow(input);
  if (result.ok) throw new Error('expected the flow to be rejected');
  return result.problems;
}

/** An order lookup: a card routing a 404 and a timeout to blocks of their own. */
function orders(): Doc {
  return {
    schemaVersion: 1,
    name: 'orders',
    triggers: [{ type: 'keyword', keywords: ['order'], start: 'lookup' }],
    blocks: {
      lookup: {
        type: 'callApi',
        request: { url: 'https://api.example/orders/{{ attributes.orderId }}' },
        onSuccess: 'found',
        onFailure: 'sorry',
        onStatus: { '404': 'not_found' },
        onReason: { timeout: 'try_later' },
      },
      found: { type: 'message', messages: [{ type: 'text', text: 'Order {{ response.body.id }}' }] },
      not_found: { type: 'message', messages: [{ type: 'text', text: 'No order {{ attributes.orderId }}' }] },
      try_later: { type: 'message', messages: [{ type: 'text', text: 'Please try again later ({{ failure.reason }})' }] },
      sorry: { type: 'message', messages: [{ type: 'text', text: 'Sorry ({{ failure.reason }} {{ failure.status }})' }] },
    },
  };
}

describe('every problem in one pass: a shape problem hides no other', () => {
  test('the flow is valid as it is', () => {
    expect(validateFlow(orders()).ok).toBe(true);
  });

  test('a typo and a broken URL template in the same card: both, each at its path', () => {
    const doc = orders();
    doc.blocks.lookup.onSucess = doc.blocks.lookup.onSuccess;
    delete doc.blocks.lookup.onSuccess;
    doc.blocks.lookup.request.url = 'https://api.example/orders/{{ attributes.orderId';
    expect(problems(doc)).toEqual([
      { path: 'blocks.lookup.onSucess', message: 'unknown key "onSucess": did you mean "onSuccess"?' },
      { path: 'blocks.lookup.request.url', message: expect.stringMatching(/^template does not parse: /) },
    ]);
  });

  test('a typo in one block and a broken template in another', () => {
    const doc = orders();
    doc.blocks.found.nxt = 'sorry';
    doc.blocks.sorry.messages[0].text = 'Sorry {% if %}';
    expect(problems(doc).map((p) => p.path)).toEqual(['blocks.found.nxt', 'blocks.sorry.messages.0.text']);
  });

  test('a block of an unknown type: its problem, references to it still resolve, and the rest is still checked', () => {
    const doc = orders();
    doc.blocks.not_found = { type: 'mesage', messages: [{ type: 'text', text: 'x' }] };
    doc.blocks.lookup.headers = { 'x-key': '{{ secrets.API_KEY }}' };
    doc.blocks.try_later.messages[0].text = '{{ secrets.API_KEY }}';
    doc.blocks.orphan = { type: 'end' };
    const found = problems(doc);
    expect(found).toEqual([
      { path: 'blocks.lookup.headers', message: 'unknown key "headers": did you mean "request.headers"?' },
      { path: 'blocks.not_found.type', message: 'unknown "mesage": did you mean "message"?' },
      { path: 'blocks.try_later.messages.0.text', message: SECRET_OUTSIDE_HEADER },
      { path: 'blocks.orphan', message: 'unreachable: no trigger or block leads here' },
    ]);
  });

  test('a broken trigger: its problem, and the blocks it starts are not called unreachable', () => {
    const doc = orders();
    doc.triggers[0].keywords = [];
    doc.blocks.found.next = 'nowhere';
    expect(problems(doc)).toEqual([
      { path: 'triggers.0.keywords', message: expect.any(String) },
      { path: 'blocks.found.next', message: 'no block named "nowhere"' },
    ]);
  });

  test('a problem in the document itself (no name) beside a reference, a template and reachability', () => {
    const doc = orders();
    delete doc.name;
    doc.blocks.lookup.onReason.timeout = 'try_latr';
    doc.blocks.found.messages[0].text = '{% include "x" %}';
    const found = problems(doc);
    expect(found.map((p) => p.path)).toEqual([
      'name',
      'blocks.lookup.onReason.timeout',
      'blocks.found.messages.0.text',
      'blocks.try_later',
    ]);
    expect(found[1]).toEqual({ path: 'blocks.lookup.onReason.timeout', message: 'no block named "try_latr"' });
  });

  test('the input is not changed', () => {
    const doc = orders();
    doc.blocks.lookup.onSucess = 'found';
    const before = structuredClone(doc);
    problems(doc);
    expect(doc).toEqual(before);
  });

  test('not a document at all: the shape problem only', () => {
    expect(problems('nope')).toEqual([{ path: '(root)', message: expect.any(String) }]);
    expect(problems({ schemaVersion: 1, name: 'x', blocks: { a: { type: 'end' } } })).toEqual([
      { path: 'triggers', message: expect.any(String) },
    ]);
  });
});

describe('onStatus and onReason', () => {
  test('unknown blocks at their path', () => {
    const doc = orders();
    doc.blocks.lookup.onStatus = { '404': 'not_fund', '410': 'not_found' };
    doc.blocks.lookup.onReason = { timeout: 'later' };
    expect(problems(doc)).toEqual([
      { path: 'blocks.lookup.onStatus.404', message: 'no block named "not_fund"' },
      { path: 'blocks.lookup.onReason.timeout', message: 'no block named "later"' },
      { path: 'blocks.try_later', message: 'unreachable: no trigger or block leads here' },
    ]);
  });

  test('they count as links: a block only they lead to is reachable', () => {
    const doc = orders();
    delete doc.blocks.lookup.onFailure;
    delete doc.blocks.sorry;
    expect(validateFlow(doc).ok).toBe(true);
  });

  test('an unknown reason is refused with the list', () => {
    const doc = orders();
    doc.blocks.lookup.onReason = { timout: 'try_later', down: 'sorry' };
    const list = failureReasonSchema.options.join(', ');
    expect(problems(doc)).toEqual([
      { path: 'blocks.lookup.onReason.timout', message: `unknown key "timout": did you mean "timeout"? expected one of ${list}` },
      { path: 'blocks.lookup.onReason.down', message: `unknown key "down": expected one of ${list}` },
    ]);
  });

  test('a status is three digits', () => {
    const doc = orders();
    doc.blocks.lookup.onStatus = { '4xx': 'not_found', '404': 'not_found' };
    expect(problems(doc)).toEqual([{ path: 'blocks.lookup.onStatus.4xx', message: 'key "4xx": an HTTP status code, like "404"' }]);
  });

  test('the JSON Schema says both', () => {
    const text = JSON.stringify(flowJsonSchema());
    expect(text).toContain('"onStatus"');
    expect(text).toContain('"onReason"');
    expect(text).toContain(JSON.stringify(failureReasonSchema.options));
  });
});

describe(`${SIGNING_SECRET_NAME} is never sent`, () => {
  const ref = `{{ secrets.${SIGNING_SECRET_NAME} }}`;
  test.each([
    [
      'a header',
      (d: Doc) => (d.blocks.lookup.request.headers = { authorization: `Bearer ${ref}` }),
      'blocks.lookup.request.headers.authorization',
    ],
    [
      'a header beside another secret',
      (d: Doc) => (d.blocks.lookup.request.headers = { 'x-sig': `{{ secrets.API_KEY }}:${ref}` }),
      'blocks.lookup.request.headers.x-sig',
    ],
    [
      'a header, with a filter',
      (d: Doc) => (d.blocks.lookup.request.headers = { 'x-sig': `{{ secrets.${SIGNING_SECRET_NAME} | upcase }}` }),
      'blocks.lookup.request.headers.x-sig',
    ],
    ['the URL', (d: Doc) => (d.blocks.lookup.request.url = `https://api.example/?s=${ref}`), 'blocks.lookup.request.url'],
    [
      'a JSON body',
      (d: Doc) => Object.assign(d.blocks.lookup.request, { method: 'POST', body: { type: 'json', value: { s: ref } } }),
      'blocks.lookup.request.body.value.s',
    ],
    [
      'a JSON body key',
      (d: Doc) => Object.assign(d.blocks.lookup.request, { method: 'POST', body: { type: 'json', value: { [ref]: 'x' } } }),
      `blocks.lookup.request.body.value.${ref}`,
    ],
    ['a message', (d: Doc) => (d.blocks.sorry.messages[0].text = ref), 'blocks.sorry.messages.0.text'],
  ])('in %s: refused at its path', (_where, change, path) => {
    const doc = orders();
    change(doc);
    expect(problems(doc)).toEqual([{ path, message: SIGNING_SECRET_NEVER_SENT }]);
  });

  test('the message says why', () => {
    expect(SIGNING_SECRET_NEVER_SENT).toBe(
      `${SIGNING_SECRET_NAME} is never sent: it signs callcard's calls (the webhook-signature header), and the brand checks them with its own copy`,
    );
  });

  test('other secrets in headers are still fine', () => {
    const doc = orders();
    doc.blocks.lookup.request.headers = { authorization: 'Bearer {{ secrets.BRAND_API_KEY }}' };
    expect(validateFlow(doc).ok).toBe(true);
  });
});

describe('a condition block that does not parse yet still has its patterns checked as RE2', () => {
  test('a branch not linked yet (no next) and a lookbehind pattern: both problems at once', () => {
    const doc = orders();
    doc.blocks.found.next = 'check';
    doc.blocks.check = { type: 'condition', branches: [{ when: { op: 'matches', attribute: 'orderId', pattern: '(?<=a)b' } }] };
    const found = problems(doc);
    expect(found.map((p) => p.path)).toEqual(
      expect.arrayContaining(['blocks.check.branches.0.next', 'blocks.check.branches.0.when.pattern']),
    );
    // A pattern RE2 compiles is no problem, linked or not.
    doc.blocks.check.branches[0].when.pattern = '^A\\d+$';
    expect(problems(doc).map((p) => p.path)).not.toContain('blocks.check.branches.0.when.pattern');
  });
});
