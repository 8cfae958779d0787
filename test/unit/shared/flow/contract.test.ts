import {
  checkContract,
  contractProblem,
  contractStats,
  contractValidator,
  learnContract,
  missingInContract,
} from '../../../../shared/flow/contract';
import { validateFlow } from '../../../../shared/flow/validateFlow';

/** The answer of a member's tickets, as the brand stand-ins give it. */
const tickets = {
  member: { id: 'm-1', name: 'Ada', tier: null },
  tickets: [
    { id: 1, title: 'Lost card', price: 10, tags: ['a'] },
    { id: 2, title: 'New address', price: 12.5, note: null, tags: [] },
  ],
};

describe('learnContract', () => {
  test('types, present keys required, arrays of items merged, nulls as type arrays, no minItems', () => {
    const learnt = learnContract(tickets);
    expect(learnt).toEqual({
      type: 'object',
      required: ['member', 'tickets'],
      properties: {
        member: {
          type: 'object',
          required: ['id', 'name', 'tier'],
          properties: { id: { type: 'string' }, name: { type: 'string' }, tier: { type: 'null' } },
        },
        tickets: {
          type: 'array',
          items: {
            type: 'object',
            // `note` is only in the second ticket: not required.
            required: ['id', 'title', 'price', 'tags'],
            properties: {
              id: { type: 'integer' },
              title: { type: 'string' },
              // 10 and 12.5: a number.
              price: { type: 'number' },
              tags: { type: 'array', items: { type: 'string' } },
              note: { type: 'null' },
            },
          },
        },
      },
    });
    expect(JSON.stringify(learnt)).not.toMatch(/minItems|Ada|Lost card/);
    // The answer it was learnt from meets it, and so does a member with no tickets.
    expect(checkContract({ body: learnt }, tickets)).toEqual({ ok: true });
    expect(checkContract({ body: learnt }, { ...tickets, tickets: [] })).toEqual({ ok: true });
  });

  test('a value null in one item and a string in another takes both types', () => {
    expect(learnContract([{ a: null }, { a: 'x' }])).toEqual({
      type: 'array',
      items: { type: 'object', required: ['a'], properties: { a: { type: ['null', 'string'] } } },
    });
    expect(learnContract([])).toEqual({ type: 'array' });
    // Reserved keys are not learnt (a flow could not hold them).
    expect(learnContract(JSON.parse('{"__proto__": 1, "ok": true}'))).toEqual({
      type: 'object',
      required: ['ok'],
      properties: { ok: { type: 'boolean' } },
    });
  });
});

describe('checkContract: the first mismatch at its path, types only', () => {
  const contract = { body: learnContract(tickets) };

  test('a dropped field', () => {
    expect(checkContract(contract, { member: tickets.member })).toEqual({
      ok: false,
      mismatch: 'response.body.tickets: expected array, got undefined',
    });
    expect(checkContract(contract, { ...tickets, tickets: [{ id: 1, price: 1, tags: [] }] })).toEqual({
      ok: false,
      mismatch: 'response.body.tickets[0].title: expected string, got undefined',
    });
  });

  test('a changed type: the type that came, never the value', () => {
    const result = checkContract(contract, { ...tickets, tickets: [tickets.tickets[0], { ...tickets.tickets[1], title: 4.5 }] });
    expect(result).toEqual({ ok: false, mismatch: 'response.body.tickets[1].title: expected string, got number' });
    const secret = checkContract(contract, { ...tickets, member: { ...tickets.member, name: ['0912-345-678'] } });
    expect(secret).toEqual({ ok: false, mismatch: 'response.body.member.name: expected string, got array' });
    expect(JSON.stringify(secret)).not.toContain('0912');
  });

  test('an empty array where the contract says it must not be empty', () => {
    const strict = structuredClone(contract);
    (strict.body.properties as { tickets: Record<string, unknown> }).tickets.minItems = 1;
    expect(checkContract(strict, { ...tickets, tickets: [] })).toEqual({
      ok: false,
      mismatch: 'response.body.tickets: expected a non-empty array, got an empty array',
    });
  });

  test("a key the contract does not name (a map's, maybe personal) is shown as *", () => {
    const map = { body: { type: 'object', additionalProperties: { type: 'integer' } } };
    expect(checkContract(map, { 'ada@example.com': 'x' })).toEqual({
      ok: false,
      mismatch: 'response.body.*: expected integer, got string',
    });
  });

  test('compiled once per contract: by the object, and by its text', () => {
    const body = { type: 'object', properties: { n: { type: 'integer' } }, required: ['n'] };
    const before = contractStats.compiled;
    const first = contractValidator(body);
    expect(contractValidator(body)).toBe(first);
    // The same contract read again (another copy of the flow version): not compiled again.
    expect(contractValidator(structuredClone(body))).toBe(first);
    expect(contractStats.compiled).toBe(before + 1);
    expect(checkContract({ body: structuredClone(body) }, { n: 1 })).toEqual({ ok: true });
    expect(contractStats.compiled).toBe(before + 1);
  });
});

describe('missingInContract', () => {
  const schema = learnContract(tickets);
  test('paths the contract has, and the first segment it lacks', () => {
    expect(missingInContract(schema, ['tickets', 0, 'title'])).toBeUndefined();
    expect(missingInContract(schema, ['tickets', 'size'])).toBeUndefined();
    expect(missingInContract(schema, ['tickets', 'first', 'id'])).toBeUndefined();
    expect(missingInContract(schema, ['tickets', 0, 'titel'])).toBe('titel');
    expect(missingInContract(schema, ['missing'])).toBe('missing');
    // A level the contract leaves open has anything below it.
    expect(missingInContract({ type: 'object', properties: { x: {} } }, ['x', 'y', 'z'])).toBeUndefined();
  });
});

describe("validateFlow: a follow-up reads only what its card's contract has", () => {
  const flow = (readPath: string, extra: Record<string, unknown> = {}) => ({
    schemaVersion: 1,
    name: 'Tickets',
    triggers: [{ type: 'keyword', keywords: ['tickets'], start: 'load' }],
    blocks: {
      load: {
        type: 'callApi',
        request: { method: 'GET', url: 'https://brand.example/tickets' },
        contract: { body: learnContract(tickets) },
        onSuccess: 'show',
        ...extra,
      },
      show: {
        type: 'message',
        messages: [
          { type: 'text', text: `Hello {{ ${readPath} }}` },
          { type: 'carousel', repeat: { over: 'response.body.tickets', as: 'ticket' }, card: { title: '{{ ticket.title }}' } },
        ],
      },
    },
  });

  test('paths the contract has pass', () => {
    expect(validateFlow(flow('response.body.member.name'))).toMatchObject({ ok: true });
    expect(validateFlow(flow('response.body.tickets[0].title | upcase'))).toMatchObject({ ok: true });
  });

  test('a path it does not have is a problem at the template, naming the card', () => {
    const result = validateFlow(flow('response.body.missing'));
    expect(result).toEqual({
      ok: false,
      problems: [
        {
          path: 'blocks.show.messages.0.text',
          message:
            'reads response.body.missing, which the contract of card "load" does not have (no missing): add it to the contract, or read another field',
        },
      ],
    });
  });

  test("a repeat's element reads the array's items; saveToAttributes and successWhen are read too", () => {
    const doc = flow('response.body.member.name', {
      saveToAttributes: { tier: 'response.body.member.level' },
      successWhen: 'response.body.ok == true',
    });
    (doc.blocks.show.messages[1] as { card: { title: string } }).card.title = '{{ ticket.titel }}';
    const result = validateFlow(doc);
    expect(result.ok ? [] : result.problems.map((p) => `${p.path}: ${p.message.split(',')[0]}`)).toEqual([
      'blocks.load.saveToAttributes.tier: reads response.body.member.level',
      'blocks.load.successWhen: reads response.body.ok',
      'blocks.show.messages.1.card.title: reads response.body.tickets[].titel',
    ]);
  });

  test('without a contract nothing is checked; a contract that is not a JSON Schema is a problem', () => {
    const doc = flow('response.body.missing');
    delete (doc.blocks.load as { contract?: unknown }).contract;
    expect(validateFlow(doc)).toMatchObject({ ok: true });
    const bad = flow('response.body.member.name');
    (bad.blocks.load as { contract: { body: unknown } }).contract.body = { type: 'nope' };
    expect(validateFlow(bad)).toMatchObject({ ok: false, problems: [{ path: 'blocks.load.contract.body' }] });
  });
});

describe('patterns in a contract run on RE2', () => {
  test("a pattern that backtracks for ever on JavaScript's RegExp answers at once; one RE2 cannot run is refused at save", () => {
    const contract = { body: { type: 'object', properties: { code: { type: 'string', pattern: '^(a|a)*$' } } } };
    const started = Date.now();
    expect(checkContract(contract, { code: `${'a'.repeat(40)}b` })).toEqual({
      ok: false,
      mismatch: expect.stringMatching(/^response\.body\.code: expected pattern/),
    });
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(checkContract(contract, { code: 'aaaa' })).toEqual({ ok: true });
    expect(contractProblem({ type: 'string', pattern: '^(?=a)a$' })).toMatch(/lookahead/);
  });
});

test('each pattern of a contract is its own (ajv keeps patterns by their text)', () => {
  const contract = {
    body: { type: 'object', properties: { a: { type: 'string', pattern: '^a+$' }, b: { type: 'string', pattern: '^b+$' } } },
  };
  expect(checkContract(contract, { a: 'aa', b: 'bb' })).toEqual({ ok: true });
  expect(checkContract(contract, { a: 'aa', b: 'aa' })).toEqual({
    ok: false,
    mismatch: expect.stringMatching(/^response\.body\.b: expected pattern/),
  });
});
