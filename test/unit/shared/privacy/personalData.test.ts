import {
  bindAttributeNames,
  DEFAULT_PERSONAL_ATTRIBUTES,
  maskAttributes,
  maskBinding,
  maskPersonalValue,
  personalMasker,
  personalNames,
  personalValues,
} from '../../../../shared/privacy/personalData';

describe('personal values masked (issue 19: privacy by default)', () => {
  test('a value: the mask alone when short, the last 2 characters from 8 on', () => {
    expect(maskPersonalValue('M001')).toBe('••••');
    expect(maskPersonalValue('1234567')).toBe('••••');
    expect(maskPersonalValue('0912345678')).toBe('••••78');
    expect(maskPersonalValue('mei@example.com')).toBe('••••om');
    expect(maskPersonalValue(912345678)).toBe('••••78');
    expect(maskPersonalValue({ any: 'object' })).toBe('••••');
  });

  test("the names: phone, email and memberId by default, the workspace list instead when it has one, and a flow's bound attributes always", () => {
    expect([...personalNames(undefined)]).toEqual(['phone', 'email', 'memberId']);
    expect(DEFAULT_PERSONAL_ATTRIBUTES).toEqual(['phone', 'email', 'memberId']);
    expect([...personalNames(['phone', 'nationalId'], ['name'])]).toEqual(['phone', 'nationalId', 'name']);
    const blocks = {
      check: {
        type: 'callApi',
        bind: { memberId: 'response.body.id', attributes: { name: 'response.body.name', tier: 'response.body.tier' } },
      },
      hello: { type: 'message' },
    };
    expect(bindAttributeNames(blocks)).toEqual(['name', 'tier']);
  });

  test("a customer's values: personal attributes and the whole binding, strings and numbers, each once", () => {
    const names = personalNames(undefined);
    const values = personalValues(
      {
        attributes: { phone: '0912345678', email: 'mei@example.com', plan: 'gold', memberId: 'M001', count: 3 },
        binding: { memberId: 'M001', attributes: { name: 'Chen Mei-Ling' } },
      },
      names,
    );
    expect(values.sort()).toEqual(['0912345678', 'Chen Mei-Ling', 'M001', 'mei@example.com']);
    expect(personalValues({ attributes: { phone: { nested: true } } }, names)).toEqual([]);
  });

  test('in a URL: as written and URL-encoded, wherever they are; other text left alone', () => {
    const mask = personalMasker(['0912345678', 'M001', 'mei@example.com', 'Chen Mei-Ling', 'ab']);
    expect(mask.url('https://brand.example/members/M001/tickets')).toBe('https://brand.example/members/••••/tickets');
    expect(mask.url('https://brand.example/find?phone=0912345678&email=mei%40example.com')).toBe(
      'https://brand.example/find?phone=••••78&email=••••om',
    );
    expect(mask.url('https://brand.example/find?name=Chen+Mei-Ling&n=Chen%20Mei-Ling')).toBe(
      'https://brand.example/find?name=••••ng&n=••••ng',
    );
    // Values under 3 characters are not looked for in text: `ab` would blank ordinary words.
    expect(mask.text('about tabs')).toBe('about tabs');
    expect(mask.text('nothing personal here')).toBe('nothing personal here');
    // Regular expression characters in a value are plain text.
    expect(personalMasker(['a.b*c']).text('xa.b*cx aXbbc')).toBe('x••••x aXbbc');
  });

  test("a personal card's URL: every query value masked too, names kept (whatever the brand asked is about the customer)", () => {
    const mask = personalMasker(['M001']);
    expect(mask.url('https://brand.example/members/M001/orders?since=2026-01-01&page=2&flag#top', { everyQueryValue: true })).toBe(
      'https://brand.example/members/••••/orders?since=••••&page=••••&flag#top',
    );
    expect(mask.url('https://brand.example/members/M001', { everyQueryValue: true })).toBe('https://brand.example/members/••••');
    expect(personalMasker([]).url('https://brand.example/a?b=c')).toBe('https://brand.example/a?b=c');
  });

  test("a contact as an admin sees it: personal attributes masked whole, the binding's member id and attributes masked, how and when in clear", () => {
    expect(maskAttributes({ phone: '0912345678', plan: 'gold', email: null, memberId: 'M001' }, personalNames(undefined))).toEqual({
      phone: '••••78',
      plan: 'gold',
      email: null,
      memberId: '••••',
    });
    expect(
      maskBinding({
        memberId: 'M001',
        attributes: { name: 'Chen Mei-Ling' },
        method: 'oneTimeCode',
        verifiedAt: '2026-01-01T00:00:00.000Z',
      }),
    ).toEqual({
      memberId: '••••',
      attributes: { name: '••••ng' },
      method: 'oneTimeCode',
      verifiedAt: '2026-01-01T00:00:00.000Z',
    });
  });
});
