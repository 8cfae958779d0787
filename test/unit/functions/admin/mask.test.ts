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
    // (Not 'abcdef': its letters are those of 'a b&c=d', a secret spelled with separators.)
    expect(mask.text('abcxyz')).toBe('abcxyz');
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

  describe('the spellings a brand may echo a secret in (issue 24, finding 10)', () => {
    const secret = 'sk_live_Q7x9Kp2Lm4';
    const masker = secretMasker([secret]);
    const reversed = [...secret].reverse().join('');
    const b64 = (text: string) => Buffer.from(text).toString('base64');
    const b64url = (text: string) => Buffer.from(text).toString('base64url');
    /** Whether the letters and digits of the secret, or of any encoding of it, are still there. */
    const leaks = (text: string) => {
      const squashed = text.replace(/[^A-Za-z0-9]/g, '').toLowerCase();
      const spellings = [secret, reversed].flatMap((s) => [s, Buffer.from(s).toString('hex'), b64(s).replace(/=+$/, '')]);
      const decoded = Buffer.from(text.replace(/[^A-Za-z0-9+/_-]/g, ''), 'base64').toString('latin1');
      return decoded.includes(secret) || spellings.some((s) => squashed.includes(s.replace(/[^A-Za-z0-9]/g, '').toLowerCase()));
    };

    test.each([
      ['plain', `key: ${secret}.`],
      ['upper case', `key: ${secret.toUpperCase()}`],
      ['reversed', `key: ${reversed}`],
      ['reversed, upper case', reversed.toUpperCase()],
      ['URL-encoded, every character', [...secret].map((c) => `%${c.charCodeAt(0).toString(16)}`).join('')],
      ['URL-encoded', `?k=${encodeURIComponent(secret)}&x=1`],
      ['hex', `0x${Buffer.from(secret).toString('hex')}`],
      ['hex, upper case, spaced', Buffer.from(secret).toString('hex').toUpperCase().replace(/(..)/g, '$1 ')],
      ['hex of the reversed', Buffer.from(reversed).toString('hex')],
      ['base64', `Basic ${b64(secret)}`],
      ['base64 url-safe', b64url(secret)],
      ['base64 of the reversed', b64(reversed)],
      // The secret after 9, 10 and 8 bytes: at each of the three offsets base64 has.
      ['base64 inside a longer text, offset 0', b64(`a{"key":"${secret}"}`)],
      ['base64 inside a longer text, offset 1', b64(`ab{"key":"${secret}"}`)],
      ['base64 url-safe inside a longer text, offset 2', b64url(`{"key":"${secret}"}`)],
      ['spaced out', [...secret].join(' ')],
      ['dashes and dots between characters', [...secret].join('-.')],
      ['zero-width spaces between characters', [...secret].join('\u200b')],
      ['line breaks between characters', [...secret].join('\n')],
      ['JSON-escaped inside JSON text', JSON.stringify({ echo: [...secret].join('"') })],
    ])('%s', (_spelling, text) => {
      expect(leaks(text)).toBe(true);
      const masked = masker.text(text);
      expect(masked).toContain(MASK);
      expect(leaks(masked)).toBe(false);
    });

    test('cut across consecutive strings of a JSON value: each part is masked, the rest kept', () => {
      const answer = {
        first: secret.slice(0, 6),
        n: 1,
        second: secret.slice(6, 12),
        third: `${secret.slice(12)} and more`,
        other: 'hello',
      };
      expect(masker.deep(answer)).toEqual({ first: MASK, n: 1, second: MASK, third: `${MASK} and more`, other: 'hello' });
      // Reversed and cut, in an array.
      expect(masker.deep(['x', reversed.slice(0, 9), reversed.slice(9)])).toEqual(['x', MASK, MASK]);
    });

    test("cut across messages: a message's type between the parts does not hide them", () => {
      const messages = [
        { type: 'text', text: `Your key: ${secret.slice(0, 9)}` },
        { type: 'text', text: secret.slice(9) },
      ];
      expect(masker.deep(messages)).toEqual([
        { type: 'text', text: `Your key: ${MASK}` },
        { type: 'text', text: MASK },
      ]);
    });

    test('what it does not catch: parts that are not consecutive strings, or a spelling it does not know', () => {
      expect(masker.deep({ a: secret.slice(0, 9), between: 'hello', b: secret.slice(9) })).toEqual({
        a: secret.slice(0, 9),
        between: 'hello',
        b: secret.slice(9),
      });
      const rot13 = secret.replace(/[a-z]/gi, (c) =>
        String.fromCharCode(((c.toLowerCase().charCodeAt(0) - 97 + 13) % 26) + (c < 'a' ? 65 : 97)),
      );
      expect(masker.text(rot13)).toBe(rot13);
    });

    test('ordinary text and other values are left alone', () => {
      const answer = { status: 'ok', items: [{ id: 'T-1001', title: 'Taipei 101 Observatory', price: 600 }], live: true };
      expect(masker.deep(answer)).toEqual(answer);
      expect(masker.text('sk live')).toBe('sk live');
    });
  });
});
