import type { z } from 'zod';
import type { InboundEvent } from '../../../../shared/domain/inboundEvents';
import { validateAnswer } from '../../../../shared/engine/validateAnswer';
import type { questionBlockSchema } from '../../../../shared/flow/schema';

type Input = z.infer<typeof questionBlockSchema>['input'];

const text = (t: string): InboundEvent => ({ type: 'text', text: t });
const answer = (input: Input, t: string) => validateAnswer(input, text(t));

describe('validateAnswer: common rules', () => {
  const inputs: Input[] = [
    { type: 'text' },
    { type: 'number' },
    { type: 'email' },
    { type: 'phone' },
    { type: 'date' },
    { type: 'choice', choices: [{ label: 'Yes', value: 'yes' }] },
  ];

  test.each(inputs.map((i) => [i.type, i] as const))('%s: an empty or blank answer is invalid', (_type, input) => {
    expect(answer(input, '')).toBeUndefined();
    expect(answer(input, '   ')).toBeUndefined();
    expect(answer(input, '\u3000\n\t')).toBeUndefined();
  });

  test.each(inputs.map((i) => [i.type, i] as const))('%s: a follow is never an answer', (_type, input) => {
    expect(validateAnswer(input, { type: 'follow' })).toBeUndefined();
  });
});

describe('text', () => {
  const input: Input = { type: 'text' };

  test('any non-blank text, trimmed', () => {
    expect(answer(input, '  Mei Lin  ')).toBe('Mei Lin');
    expect(answer(input, '林美')).toBe('林美');
  });

  // Issue 18: a zh-TW customer's full-width answer reached the brand as typed. Free text is NFKC
  // normalised like every other answer (and like keywords): the full-width forms of ASCII fold, so an
  // order number typed Ａ１２３ is A123; Chinese text itself is unchanged.
  test('full-width letters, digits and signs fold to ASCII (NFKC): an id typed full-width is the id', () => {
    expect(answer(input, 'Ａ１２３')).toBe('A123');
    expect(answer(input, '\u3000ＨＩ\u3000')).toBe('HI');
    expect(answer(input, 'ＴＷ－２０２６＿００７')).toBe('TW-2026_007');
    expect(answer(input, '台北市信義路五段７號')).toBe('台北市信義路五段7號');
    // Half-width katakana widen; an ideographic space inside becomes a plain one.
    expect(answer(input, 'ｶﾀｶﾅ')).toBe('カタカナ');
    expect(answer(input, '林\u3000美')).toBe('林 美');
  });

  test('a postback payload is normalised the same way', () => {
    expect(validateAnswer(input, { type: 'postback', data: 'ｏｒｄｅｒ１' })).toBe('order1');
  });

  test('Liquid or JSON in an answer is just text', () => {
    expect(answer(input, '{{ 7*7 }}')).toBe('{{ 7*7 }}');
    expect(answer(input, '"}, "admin": true, "x": {"')).toBe('"}, "admin": true, "x": {"');
  });

  test('up to 1000 characters, counted as saved (after normalising)', () => {
    expect(answer(input, 'x'.repeat(1000))).toBe('x'.repeat(1000));
    expect(answer(input, 'x'.repeat(1001))).toBeUndefined();
    expect(answer(input, 'ｘ'.repeat(1000))).toBe('x'.repeat(1000));
    // ㍿ is 株式会社 once normalised: 4 characters each.
    expect(answer(input, '㍿'.repeat(250))).toBe('株式会社'.repeat(250));
    expect(answer(input, '㍿'.repeat(251))).toBeUndefined();
  });

  test('a postback payload counts as the answer', () => {
    expect(validateAnswer(input, { type: 'postback', data: 'picked' })).toBe('picked');
  });
});

describe('phone', () => {
  const input: Input = { type: 'phone' };

  test('digits are kept, separators dropped', () => {
    expect(answer(input, '0912345678')).toBe('0912345678');
    expect(answer(input, '0912-345-678')).toBe('0912345678');
    expect(answer(input, '0912 345 678')).toBe('0912345678');
    expect(answer(input, '(02) 2345-6789')).toBe('0223456789');
  });

  test('+886 and other international prefixes keep the +', () => {
    expect(answer(input, '+886 912-345-678')).toBe('+886912345678');
    expect(answer(input, '+886912345678')).toBe('+886912345678');
    expect(answer(input, '+1 (415) 555-0100')).toBe('+14155550100');
  });

  test('full-width digits are accepted', () => {
    expect(answer(input, '０９１２３４５６７８')).toBe('0912345678');
    expect(answer(input, '＋８８６９１２３４５６７８')).toBe('+886912345678');
  });

  test('8 to 15 digits', () => {
    expect(answer(input, '1234567')).toBeUndefined();
    expect(answer(input, '123-4567')).toBeUndefined();
    expect(answer(input, '+1234567')).toBeUndefined();
    expect(answer(input, '12345678')).toBe('12345678');
    expect(answer(input, '123456789012345')).toBe('123456789012345');
    expect(answer(input, '+123456789012345')).toBe('+123456789012345');
    expect(answer(input, '1234567890123456')).toBeUndefined();
  });

  test('letters, a + in the middle or only separators are rejected', () => {
    expect(answer(input, 'call me')).toBeUndefined();
    expect(answer(input, '0912345678 ext 5')).toBeUndefined();
    expect(answer(input, '0912abc678')).toBeUndefined();
    expect(answer(input, '886+912345678')).toBeUndefined();
    expect(answer(input, '++886912345678')).toBeUndefined();
    expect(answer(input, '--- ---')).toBeUndefined();
    expect(answer(input, '0912.345.678')).toBeUndefined();
  });
});

describe('email', () => {
  const input: Input = { type: 'email' };

  test('valid addresses, trimmed', () => {
    expect(answer(input, 'mei@example.com')).toBe('mei@example.com');
    expect(answer(input, '  Mei.Lin+tea@mail.example.com.tw ')).toBe('Mei.Lin+tea@mail.example.com.tw');
  });

  test('full-width characters are folded', () => {
    expect(answer(input, 'ｍｅｉ＠ｅｘａｍｐｌｅ．ｃｏｍ')).toBe('mei@example.com');
  });

  test('invalid addresses', () => {
    for (const t of [
      'mei',
      'mei@',
      '@example.com',
      'mei@example',
      'mei lin@example.com',
      'mei@exa mple.com',
      'mei@@example.com',
      'a@b@c.com',
    ]) {
      expect(answer(input, t)).toBeUndefined();
    }
  });

  test('at most 254 characters', () => {
    const local = 'a'.repeat(64);
    const ok = `${local}@${'b'.repeat(254 - 64 - 1 - 4)}.com`;
    expect(ok).toHaveLength(254);
    expect(answer(input, ok)).toBe(ok);
    expect(answer(input, `a${ok}`)).toBeUndefined();
  });
});

describe('number', () => {
  test('integers, decimals, negatives and thousands separators', () => {
    const input: Input = { type: 'number' };
    expect(answer(input, '42')).toBe(42);
    expect(answer(input, ' 3.5 ')).toBe(3.5);
    expect(answer(input, '-2')).toBe(-2);
    expect(answer(input, '1,000')).toBe(1000);
    expect(answer(input, '1,234,567.5')).toBe(1234567.5);
    expect(answer(input, '０')).toBe(0);
    expect(answer(input, '１２３')).toBe(123);
  });

  test('not a number', () => {
    const input: Input = { type: 'number' };
    for (const t of ['abc', 'twelve', '12 345', '1.2.3', 'Infinity', '-Infinity', 'NaN', '3 apples', '$5']) {
      expect(answer(input, t)).toBeUndefined();
    }
  });

  test('radix literals are not read as numbers (0x10 is not 16)', () => {
    const input: Input = { type: 'number' };
    expect(answer(input, '0x10')).toBeUndefined();
    expect(answer(input, '0b11')).toBeUndefined();
    expect(answer(input, '0o17')).toBeUndefined();
  });

  test('min and max are inclusive', () => {
    const input: Input = { type: 'number', min: 1, max: 10 };
    expect(answer(input, '1')).toBe(1);
    expect(answer(input, '10')).toBe(10);
    expect(answer(input, '0')).toBeUndefined();
    expect(answer(input, '0.99')).toBeUndefined();
    expect(answer(input, '10.01')).toBeUndefined();
    expect(answer(input, '1,000')).toBeUndefined();
    expect(answer(input, '-5')).toBeUndefined();
  });

  test('only min, only max', () => {
    expect(answer({ type: 'number', min: 18 }, '17')).toBeUndefined();
    expect(answer({ type: 'number', min: 18 }, '1,000,000')).toBe(1_000_000);
    expect(answer({ type: 'number', max: 0 }, '-3')).toBe(-3);
    expect(answer({ type: 'number', max: 0 }, '1')).toBeUndefined();
  });

  test('returns a number, not a string', () => {
    expect(typeof answer({ type: 'number' }, '7')).toBe('number');
  });
});

describe('date', () => {
  const input: Input = { type: 'date' };

  test('YYYY-MM-DD, and / or . separators, normalised to YYYY-MM-DD', () => {
    expect(answer(input, '2026-03-15')).toBe('2026-03-15');
    expect(answer(input, '2026/3/5')).toBe('2026-03-05');
    expect(answer(input, '2026.12.31')).toBe('2026-12-31');
    expect(answer(input, ' 2026-1-1 ')).toBe('2026-01-01');
    expect(answer(input, '２０２６／０１／０２')).toBe('2026-01-02');
  });

  test('leap days', () => {
    expect(answer(input, '2024-02-29')).toBe('2024-02-29');
    expect(answer(input, '2026-02-29')).toBeUndefined();
    expect(answer(input, '1900-02-29')).toBeUndefined();
    expect(answer(input, '2000-02-29')).toBe('2000-02-29');
  });

  test('impossible dates are rejected, not rolled over', () => {
    for (const t of ['2026/2/30', '2026-02-31', '2026-04-31', '2026-13-01', '2026-00-10', '2026-01-00', '2026-01-32']) {
      expect(answer(input, t)).toBeUndefined();
    }
  });

  test('other formats are rejected', () => {
    for (const t of [
      '15/03/2026',
      '03-15-2026',
      '26-3-15',
      '2026-3',
      '2026315',
      'tomorrow',
      '2026-03-15T10:00',
      '2026-03-15 10:00',
      '2026-003-15',
    ]) {
      expect(answer(input, t)).toBeUndefined();
    }
  });
});

describe('choice', () => {
  const input: Input = {
    type: 'choice',
    choices: [
      { label: 'Standard', value: 'standard' },
      { label: 'VIP', value: 'vip_Plan' },
      { label: '早場', value: 'morning' },
    ],
  };

  test('by value, case-insensitive, returning the value as written in the flow', () => {
    expect(answer(input, 'standard')).toBe('standard');
    expect(answer(input, 'VIP_PLAN')).toBe('vip_Plan');
    expect(answer(input, 'morning')).toBe('morning');
  });

  test('by label, case-insensitive (the quick reply sends the label)', () => {
    expect(answer(input, 'Standard')).toBe('standard');
    expect(answer(input, 'STANDARD')).toBe('standard');
    expect(answer(input, 'vip')).toBe('vip_Plan');
    expect(answer(input, '早場')).toBe('morning');
  });

  test('full-width and surrounding spaces are folded', () => {
    expect(answer(input, '  ＶＩＰ ')).toBe('vip_Plan');
  });

  test('a postback carrying the value', () => {
    expect(validateAnswer(input, { type: 'postback', data: 'morning' })).toBe('morning');
  });

  test('a value or label written full-width in the flow matches the answer typed half-width, and back', () => {
    const wide: Input = { type: 'choice', choices: [{ label: 'Ａ套餐', value: 'ＳＥＴ＿Ａ' }] };
    expect(answer(wide, 'set_a')).toBe('ＳＥＴ＿Ａ');
    expect(answer(wide, 'ｓｅｔ＿ａ')).toBe('ＳＥＴ＿Ａ');
    expect(answer(wide, 'A套餐')).toBe('ＳＥＴ＿Ａ');
  });

  test('anything else is invalid', () => {
    for (const t of ['premium', 'stand', 'standard plan', 'VIP!', '1']) {
      expect(answer(input, t)).toBeUndefined();
    }
  });
});
