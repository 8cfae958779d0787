import fc from 'fast-check';
import { runTurn } from '../../../../shared/engine/runTurn';
import { conditionPatternProblem, MATCHES_MAX_LENGTH, testPattern, toRe2Syntax } from '../../../../shared/flow/conditionPattern';
import { flowSchema } from '../../../../shared/flow/schema';
import { validateFlow } from '../../../../shared/flow/validateFlow';

/**
 * `matches` runs on RE2 (re2js): linear time whatever the pattern. No assertion here is about time:
 * jest's own timeout is the guard. For the record, on the development machine each case below answers
 * 10,000 characters in well under 10 ms; JavaScript's RegExp took 22 s on 200 digits for the customer
 * report, and would not finish on these inputs in a lifetime.
 */
describe('patterns that backtrack for ever on JavaScript RegExp answer at once, correctly', () => {
  const digits = (n: number) => '1'.repeat(n);
  const as = (n: number) => 'a'.repeat(n);
  const cases: Array<[pattern: string, value: string, expected: boolean]> = [
    // The customer's report: 200 digits.
    ['^\\d+\\d+\\d+\\d+\\d+x$', digits(200), false],
    ['(\\w|\\d)+$', `${digits(200)}!`, false],
    // Nested and ambiguous repetition the old heuristic let through, on 10,000 characters.
    ['((a+))+$', `${as(10_000)}!`, false],
    ['((a+))+$', as(10_000), true],
    ['(a|a)+$', `${as(10_000)}!`, false],
    ['(a|a)+$', as(10_000), true],
    ['(a|aa)+$', `${as(10_000)}!`, false],
    ['(a|aa)+$', `!${as(10_000)}`, true],
    ['(\\w|\\d)+$', `${digits(10_000)}!`, false],
    ['(\\w|\\d)+$', digits(10_000), true],
    ['^\\d+\\d+\\d+\\d+\\d+x$', digits(10_000), false],
    ['^\\d+\\d+\\d+\\d+\\d+x$', `${digits(10_000)}x`, true],
    ['^\\d+\\d+\\d+\\d+\\d+x$', `${digits(4)}x`, false],
    // The classic ones the old heuristic refused: accepted now, and as quick.
    ['(a+)+$', `${as(10_000)}!`, false],
    ['^(\\d+)+$', `${digits(10_000)}a`, false],
    ['^(\\w+\\s?)*$', `${'word '.repeat(2_000)}!`, false],
    ['^(\\w+\\s?)*$', 'word '.repeat(2_000), true],
  ];

  test.each(cases)('%s on %#', (pattern, value, expected) => {
    expect(conditionPatternProblem(pattern)).toBeUndefined();
    expect(testPattern(pattern, value)).toBe(expected);
  });

  test('through a whole turn: a condition block on 200 digits takes its branch at once', async () => {
    const flow = flowSchema.parse({
      schemaVersion: 1,
      name: 'evil',
      triggers: [{ type: 'fallback', start: 'save' }],
      blocks: {
        save: { type: 'setAttributes', set: { answer: '{{ trigger.text }}' }, next: 'check' },
        check: {
          type: 'condition',
          branches: [{ when: { op: 'matches', attribute: 'answer', pattern: '^\\d+\\d+\\d+\\d+\\d+x$' }, next: 'yes' }],
          otherwise: 'no',
        },
        yes: { type: 'message', messages: [{ type: 'text', text: 'yes' }] },
        no: { type: 'message', messages: [{ type: 'text', text: 'no' }] },
      },
    });
    expect(validateFlow(flow).ok).toBe(true);
    const run = async (text: string) =>
      (
        await runTurn(
          {
            flow,
            flowRef: { flowId: 'f', version: 1 },
            event: { type: 'text', text },
            session: undefined,
            customer: { id: 'U1', channel: 'line', attributes: {} },
          },
          { callApi: async () => ({ ok: false, reason: 'unused', kind: 'network', attempts: 0 }) },
        )
      ).messages;
    await expect(run(digits(200))).resolves.toEqual([{ type: 'text', text: 'no' }]);
    await expect(run(`${digits(200)}x`)).resolves.toEqual([{ type: 'text', text: 'yes' }]);
  });
});

describe('the results patterns had on JavaScript RegExp are kept', () => {
  // Patterns of the kind flows use (tests, the demo flow, the docs): phone numbers, emails, codes.
  const patterns = [
    '^09\\d{8}$',
    '^(09|\\+8869)\\d{8}$',
    '^\\d{4}$',
    '^\\d+$',
    '^[A-Z]\\d+$',
    '^[A-Z]{2}\\d{4}$',
    '^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$',
    '^[\\w.+-]+@[\\w-]+(\\.[\\w-]+)+$',
    '^M\\d{3}$',
    '^(yes|no)$',
    '^\\s*$',
    '\\S',
    '^[\\u4e00-\\u9fff]+$',
    '^[\\p{L}\\s]{2,20}$',
    '^\\+?\\d[\\d -]{6,14}\\d$',
    'hot|熱銷',
    '\\bvip\\b',
    '^(?:T-\\d{4})(?:,T-\\d{4})*$',
  ];
  const samples = [
    '',
    ' ',
    '\u3000',
    '0912345678',
    '+886912345678',
    '091234567',
    '1234',
    'M001',
    'AB1234',
    'a@b.co',
    'first.last+tag@example.com.tw',
    'not an email',
    'yes',
    'no',
    '王小明',
    '王 小明',
    'Wang Xiao Ming',
    '+886 912-345-678',
    'hot',
    '今天熱銷',
    'a vip member',
    'T-1001,T-1002',
    'T-1001,',
    '\n',
    'x'.repeat(300),
  ];

  test.each(patterns)('%s: same answer as RegExp on the sample answers', (pattern) => {
    expect(conditionPatternProblem(pattern)).toBeUndefined();
    const js = new RegExp(pattern, 'u');
    for (const value of samples) expect([value, testPattern(pattern, value)]).toEqual([value, js.test(value)]);
  });

  test('same answer as RegExp on generated answers (digits, letters, CJK, spaces, punctuation)', () => {
    const alphabet = fc.constantFrom(...'0123456789abcXYZ王小明熱銷 \u3000\t@.+-_,'.split(''));
    fc.assert(
      fc.property(fc.constantFrom(...patterns), fc.array(alphabet, { maxLength: 40 }), (pattern, chars) => {
        const value = chars.join('');
        return testPattern(pattern, value) === new RegExp(pattern, 'u').test(value);
      }),
      { numRuns: 2_000 },
    );
  });

  test('the length of a value was capped at 256 characters; now only past MATCHES_MAX_LENGTH does nothing match', () => {
    expect(testPattern('^x+$', 'x'.repeat(5_000))).toBe(true);
    expect(testPattern('^x+$', 'x'.repeat(MATCHES_MAX_LENGTH))).toBe(true);
    expect(testPattern('x', 'x'.repeat(MATCHES_MAX_LENGTH + 1))).toBe(false);
  });

  test('only strings match', () => {
    for (const value of [123, true, null, undefined, ['123'], { a: '1' }]) expect(testPattern('^\\d+$|1|true|a', value)).toBe(false);
  });
});

describe('JavaScript spellings RE2 lacks keep their meaning', () => {
  test.each([
    ['^[\\u4e00-\\u9fff]+$', '中文', true],
    ['^[\\u4e00-\\u9fff]+$', 'abc', false],
    ['^\\u{1F600}$', '😀', true],
    ['^\\ud83d\\ude00$', '😀', true],
    ['^\\u0041$', 'A', true],
    ['^\\p{Script=Han}+$', '漢字', true],
    ['^\\p{sc=Han}+$', 'kanji', false],
    ['^\\s$', '\u3000', true],
    ['^\\s$', '\u00a0', true],
    ['^\\s$', '\v', true],
    ['^\\S$', '\u3000', false],
    ['^[\\s\\d]+$', '1\u30002', true],
    ['^[^\\s]+$', 'a\u3000b', false],
    ['^\\\\s$', '\\s', true],
    ['^[\\]s]$', 's', true],
    ['^\\Q\\s\\E$', '\\s', true],
  ])('%s on %j → %s', (pattern, value, expected) => {
    expect(conditionPatternProblem(pattern)).toBeUndefined();
    expect(testPattern(pattern, value)).toBe(expected);
  });

  test('RE2 syntax is passed on as it is', () => {
    for (const pattern of ['(?i)^hot$', '^[[:digit:]]+$', '(?P<code>\\d+)', '\\x{4e2d}', '^\\d{2,4}$'])
      expect(toRe2Syntax(pattern)).toBe(pattern);
    expect(testPattern('(?i)^hot$', 'HOT')).toBe(true);
    expect(testPattern('^[[:digit:]]+$', '123')).toBe(true);
  });
});

describe('what RE2 cannot run is refused at validation, with a clear reason', () => {
  test.each([
    ['(?=\\d)\\w+', /lookahead .* not supported/],
    ['(?!x)\\w+', /lookahead .* not supported/],
    ['(?<=\\$)\\d+', /lookbehind .* not supported/],
    ['(?<!\\$)\\d+', /lookbehind .* not supported/],
    ['(a)\\1', /backreferences .* not supported/],
    ['(?<q>a)\\k<q>', /backreferences .* not supported/],
    ['a{1001}', /repeat counts go up to 1000/],
    ['([a-z', /not a valid regular expression: missing closing \]/],
    ['(', /not a valid regular expression/],
    ['\\', /not a valid regular expression/],
  ])('%s', (pattern, message) => {
    expect(conditionPatternProblem(pattern)).toMatch(message);
    expect(testPattern(pattern, 'anything')).toBe(false);
  });

  test('validateFlow reports it at the pattern path', () => {
    const flow = flowSchema.parse({
      schemaVersion: 1,
      name: 'f',
      triggers: [{ type: 'keyword', keywords: ['go'], start: 'c' }],
      blocks: {
        c: {
          type: 'condition',
          branches: [
            { when: { op: 'matches', attribute: 'price', pattern: '(?<=\\$)\\d+' }, next: 'e' },
            { when: { op: 'matches', attribute: 'code', pattern: '^[A-Z]{2}\\d{4}$' }, next: 'e' },
          ],
        },
        e: { type: 'end' },
      },
    });
    expect(validateFlow(flow)).toEqual({
      ok: false,
      problems: [{ path: 'blocks.c.branches.0.when.pattern', message: expect.stringMatching(/^lookbehind/) }],
    });
  });
});
