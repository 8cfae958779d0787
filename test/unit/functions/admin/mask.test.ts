import { MASK, maskSecret, secretMasker } from '../../../../functions/admin/mask';

describe('maskSecret', () => {
  test('long values show the last 4 characters only', () => {
    expect(maskSecret('demo-line-secret')).toBe(`${MASK}cret`);
  });

  test('short values show nothing of themselves', () => {
    expect(maskSecret('short-secret'.slice(0, 11))).toBe(MASK);
    expect(maskSecret('')).toBe(MASK);
  });
});

describe('secretMasker', () => {
  const mask = secretMasker(['s3cr3t-token', 'a b&c=d', 'abc']);

  test('masks every occurrence, and URL-encoded forms', () => {
    expect(mask.text('Bearer s3cr3t-token; again s3cr3t-token')).toBe(`Bearer ${MASK}; again ${MASK}`);
    expect(mask.text('q=a%20b%26c%3Dd')).toBe(`q=${MASK}`);
  });

  test('leaves values under 4 characters alone (they would blank out ordinary text)', () => {
    expect(mask.text('abcdef')).toBe('abcdef');
  });

  test('walks JSON values, keys included', () => {
    expect(mask.deep({ echo: ['s3cr3t-token', 1, null, { 's3cr3t-token': true }] })).toEqual({ echo: [MASK, 1, null, { [MASK]: true }] });
  });

  test('the spellings a brand may echo a secret in: any letter case, form-encoded, JSON-escaped, base64', () => {
    const secret = 'Ab"c d/e+f\\g';
    const masker = secretMasker([secret]);
    expect(masker.text(`x ${secret.toUpperCase()} y ${secret.toLowerCase()}`)).toBe(`x ${MASK} y ${MASK}`);
    expect(masker.text(new URLSearchParams({ k: secret }).toString())).toBe(`k=${MASK}`);
    expect(masker.text(JSON.stringify({ k: secret }))).toBe(`{"k":"${MASK}"}`);
    expect(masker.text(`Basic ${Buffer.from(secret).toString('base64')}`)).toMatch(new RegExp(`^Basic ${MASK}=*$`));
  });

  test('a secret with RegExp characters is matched literally', () => {
    expect(secretMasker(['a.b*c(d)']).text('a.b*c(d) axbbbcd')).toBe(`${MASK} axbbbcd`);
  });

  test('a secret containing another is masked whole', () => {
    expect(secretMasker(['token', 'token-and-more']).text('x token-and-more y')).toBe(`x ${MASK} y`);
  });
});
