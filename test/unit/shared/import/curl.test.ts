import * as fs from 'node:fs';
import * as path from 'node:path';
import { importCurl } from '../../../../shared/import/curl';
import { ImportError } from '../../../../shared/import/importedCard';
import { renderHeaderValue } from '../../../../shared/templating/secrets';

const FIXTURES = path.join(__dirname, '../../../fixtures/import/curl');

/** A fixture's curl line: the file without its leading `# source` comment. */
function fixture(name: string): string {
  return fs
    .readFileSync(path.join(FIXTURES, name), 'utf8')
    .split('\n')
    .filter((line) => !line.startsWith('#'))
    .join('\n');
}

/** What each real line must give: method, URL, the headers' secret references, the body's type. */
const EXPECTED: Record<string, { method: string; url: string; secrets: Record<string, string>; body?: 'json' | 'form'; stored?: boolean }> =
  {
    'line-push.sh': {
      method: 'POST',
      url: 'https://api.line.me/v2/bot/message/push',
      secrets: { Authorization: 'Bearer {{ secrets.LINE_TOKEN }}' },
      body: 'json',
      stored: false,
    },
    'line-profile.sh': {
      method: 'GET',
      url: 'https://api.line.me/v2/bot/profile/{{ attributes.userId }}',
      secrets: { Authorization: 'Bearer {{ secrets.LINE_TOKEN }}' },
      stored: false,
    },
    'line-link-token.sh': {
      method: 'POST',
      url: 'https://api.line.me/v2/bot/user/{{ attributes.userId }}/linkToken',
      secrets: { Authorization: 'Bearer {{ secrets.LINE_TOKEN }}' },
      stored: false,
    },
    'line-delivery-count.sh': {
      method: 'GET',
      url: 'https://api.line.me/v2/bot/message/delivery/reply?date=20191231',
      secrets: { Authorization: 'Bearer {{ secrets.LINE_TOKEN }}' },
      stored: false,
    },
    'line-stateless-token.sh': { method: 'POST', url: 'https://api.line.me/oauth2/v3/token', secrets: {}, body: 'form', stored: true },
    'meta-send-api.sh': {
      method: 'POST',
      url: 'https://graph.facebook.com/v21.0/me/messages',
      secrets: { Authorization: 'Bearer {{ secrets.FACEBOOK_TOKEN }}' },
      body: 'json',
      stored: true,
    },
    'meta-user-profile.sh': {
      method: 'GET',
      url: 'https://graph.facebook.com/{{ attributes.PSID }}?fields=first_name,last_name,profile_pic',
      secrets: { Authorization: 'Bearer {{ secrets.FACEBOOK_TOKEN }}' },
      stored: false,
    },
    'meta-whatsapp-template.sh': {
      method: 'POST',
      url: 'https://graph.facebook.com/v21.0/{{ attributes.PHONE_NUMBER_ID }}/messages',
      secrets: { Authorization: 'Bearer {{ secrets.FACEBOOK_TOKEN }}' },
      body: 'json',
      stored: false,
    },
    'stripe-create-customer.sh': {
      method: 'POST',
      url: 'https://api.stripe.com/v1/customers',
      secrets: { Authorization: 'Basic {{ secrets.STRIPE_BASIC_AUTH }}' },
      body: 'form',
      stored: true,
    },
    'stripe-retrieve-payment-intent.sh': {
      method: 'GET',
      url: 'https://api.stripe.com/v1/payment_intents/pi_3MtwBwLkdIwHu7ix28a3tqPa',
      secrets: { Authorization: 'Basic {{ secrets.STRIPE_BASIC_AUTH }}' },
      stored: true,
    },
    'stripe-list-charges.sh': {
      method: 'GET',
      url: 'https://api.stripe.com/v1/charges?limit=3',
      secrets: { Authorization: 'Basic {{ secrets.STRIPE_BASIC_AUTH }}' },
      stored: true,
    },
    'stripe-create-payment-intent.sh': {
      method: 'POST',
      url: 'https://api.stripe.com/v1/payment_intents',
      secrets: { Authorization: 'Basic {{ secrets.STRIPE_BASIC_AUTH }}' },
      body: 'form',
      stored: true,
    },
    'esun-exchange-rates.sh': {
      method: 'POST',
      url: 'https://openapi.esunbank.com.tw/fx/v1/exchange-rates/query',
      secrets: { 'X-IBM-Client-Secret': '{{ secrets.ESUNBANK_IBM_CLIENT_SECRET }}' },
      body: 'json',
      stored: true,
    },
    'cathay-branches.sh': {
      method: 'GET',
      url: 'https://openapi.cathaybk.com.tw/public/v1/branches?city=%E5%8F%B0%E5%8C%97%E5%B8%82&lang=zh-TW',
      secrets: { apikey: '{{ secrets.CATHAYBK_APIKEY }}' },
      stored: true,
    },
    'github-issues.sh': {
      method: 'POST',
      url: 'https://api.github.com/repos/OWNER/REPO/issues',
      secrets: { Authorization: 'Bearer {{ secrets.GITHUB_TOKEN }}' },
      body: 'json',
      stored: false,
    },
    'curl-json-option.sh': {
      method: 'POST',
      url: 'https://api.brand.example/orders/status',
      secrets: { 'X-Api-Key': '{{ secrets.BRAND_API_KEY }}' },
      body: 'json',
      stored: true,
    },
  };

test('the fixtures are the lines the table expects: 16 real curl lines, each with its source', () => {
  const files = fs.readdirSync(FIXTURES).filter((f) => f.endsWith('.sh'));
  expect(files.sort()).toEqual(Object.keys(EXPECTED).sort());
  for (const file of files) expect(fs.readFileSync(path.join(FIXTURES, file), 'utf8')).toMatch(/^# .+\(.+\)/);
});

describe.each(Object.entries(EXPECTED))('%s', (file, expected) => {
  const imported = importCurl(fixture(file));

  test('method, URL, body type and the secret headers', () => {
    expect(imported.card.request.method).toBe(expected.method);
    expect(imported.card.request.url).toBe(expected.url);
    expect(imported.card.request.body?.type ?? 'none').toBe(expected.body ?? 'none');
    const headers = imported.card.request.headers ?? {};
    for (const [name, template] of Object.entries(expected.secrets)) expect(headers[name]).toBe(template);
  });

  test('no credential is left in the card: each offered secret value is absent from it', () => {
    const card = JSON.stringify(imported.card);
    expect(imported.secrets.length).toBeGreaterThan(0);
    for (const secret of imported.secrets) {
      if (secret.value !== undefined) expect(card).not.toContain(secret.value);
      expect(secret.allowedHosts).toEqual([new URL(expected.url.replace(/\{\{.*?\}\}/g, 'x')).hostname]);
    }
    expect(imported.secrets.some((s) => s.value !== undefined)).toBe(expected.stored);
  });

  test('a header secret, once stored, renders to what curl sent', async () => {
    for (const secret of imported.secrets.filter((s) => s.header && s.value !== undefined)) {
      const template = imported.card.request.headers?.[secret.header] ?? '';
      const sent = await renderHeaderValue(template, {}, { [secret.name]: secret.value ?? '' });
      const line = fixture(file);
      if (secret.from.startsWith('-H')) expect(line).toContain(`${secret.header}: ${sent}`);
      if (secret.from === '-u')
        expect(Buffer.from(sent.replace(/^Basic /, ''), 'base64').toString()).toBe('sk_test_4eC39HqLyjWDarjtT1zdp7dc:');
      if (secret.from === 'query access_token') expect(line).toContain(`access_token=${sent.replace(/^Bearer /, '')}`);
    }
  });
});

test("the body's values are offered as variables with their paths", () => {
  const { variables } = importCurl(fixture('line-push.sh'));
  expect(variables).toContainEqual({
    in: 'body',
    path: 'messages[1].text',
    value: 'Hello, world2',
    suggested: 'attributes.text',
    templated: false,
  });
  expect(importCurl(fixture('stripe-create-customer.sh')).variables.map((v) => `${v.in}:${v.path}=${String(v.value)}`)).toEqual([
    'form:name=Jenny Rosen',
    'form:email=jennyrosen@example.com',
  ]);
  expect(importCurl(fixture('cathay-branches.sh')).variables.map((v) => `${v.in}:${v.path}=${String(v.value)}`)).toEqual([
    'query:city=台北市',
    'query:lang=zh-TW',
  ]);
});

test('a credential in a form body is taken out and offered, with a warning (LINE stateless token)', () => {
  const imported = importCurl(fixture('line-stateless-token.sh'));
  expect(imported.card.request.body).toEqual({
    type: 'form',
    fields: { grant_type: 'client_credentials', client_id: '1234567890', client_secret: '' },
  });
  expect(imported.secrets).toEqual([
    {
      name: 'LINE_CLIENT_SECRET',
      header: '',
      value: '8c0e4ea1a7b6f2d3e5f6a7b8c9d0e1f2',
      allowedHosts: ['api.line.me'],
      from: 'body client_secret',
    },
  ]);
  expect(imported.warnings.join('\n')).toMatch(/client_secret is a credential/);
});

test('-L, -k and --compressed: noted, warned and ignored; a pipe after the command is cut off', () => {
  expect(importCurl(fixture('cathay-branches.sh')).warnings).toEqual([
    expect.stringMatching(/^-L: a card follows up to 3 redirects/),
    expect.stringMatching(/^-k ignored: cards always verify/),
  ]);
  expect(importCurl(fixture('curl-json-option.sh')).warnings).toEqual(['what follows | is another command, left out']);
});

test('--json sets JSON headers; -G moves -d into the query; --data-raw keeps @ and newlines; --data-urlencode encodes', () => {
  expect(importCurl(`curl --json '{"a":1}' https://api.brand.example/x`).card.request).toEqual({
    method: 'POST',
    url: 'https://api.brand.example/x',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    body: { type: 'json', value: { a: 1 } },
  });
  expect(importCurl('curl -G https://api.brand.example/search -d q=tea -d "page=2"').card.request).toEqual({
    method: 'GET',
    url: 'https://api.brand.example/search?q=tea&page=2',
  });
  expect(
    importCurl(`curl https://api.brand.example/n --data-raw 'note=@home
second line'`).card.request.body,
  ).toEqual({ type: 'form', fields: { note: '@home\nsecond line' } });
  expect(importCurl(`curl https://api.brand.example/n --data-urlencode 'q=a&b c' -d x=1`).card.request.body).toEqual({
    type: 'form',
    fields: { q: 'a&b c', x: '1' },
  });
});

test('double quotes, escapes, $VARIABLES kept as written, bundled short options', () => {
  const imported = importCurl(
    'curl -sSX PUT "https://api.brand.example/members/M001" -H "Authorization: Bearer $BRAND_TOKEN" -H "X-Note: say \\"hi\\"" -d \'{"tier":"gold"}\'',
  );
  expect(imported.card.request.method).toBe('PUT');
  expect(imported.card.request.headers).toEqual({ Authorization: 'Bearer {{ secrets.BRAND_TOKEN }}', 'X-Note': 'say "hi"' });
  expect(imported.secrets).toEqual([
    { name: 'BRAND_TOKEN', header: 'Authorization', allowedHosts: ['api.brand.example'], from: '-H Authorization' },
  ]);
});

test('Liquid markers in a value are kept literal, so the card sends what curl sent', () => {
  const imported = importCurl(`curl https://api.brand.example/t -d '{"text":"{{ not a template }}"}'`);
  expect(imported.card.request.body).toEqual({ type: 'json', value: { text: '{% raw %}{{ not a template }}{% endraw %}' } });
});

test('-u without a password, -m as the timeout, credentials in the URL become the basic secret', () => {
  const imported = importCurl('curl -m 5 -u admin https://api.brand.example/a');
  expect(imported.card.timeoutMs).toBe(5000);
  expect(imported.secrets[0]?.value).toBe(Buffer.from('admin:').toString('base64'));
  expect(imported.warnings).toContain('-u without a password: curl would ask for one; an empty password was assumed');
  const inUrl = importCurl('curl https://user:p%40ss@api.brand.example/a');
  expect(inUrl.card.request.url).toBe('https://api.brand.example/a');
  expect(Buffer.from(inUrl.secrets[0]?.value ?? '', 'base64').toString()).toBe('user:p@ss');
});

test('a key in the query other than access_token is removed and offered, never left in the URL', () => {
  const imported = importCurl('curl "https://maps.brand.example/geocode?address=Taipei&key=AIzaSyFAKE123"');
  expect(imported.card.request.url).toBe('https://maps.brand.example/geocode?address=Taipei');
  expect(imported.secrets).toEqual([
    { name: 'BRAND_KEY', header: '', value: 'AIzaSyFAKE123', allowedHosts: ['maps.brand.example'], from: 'query key' },
  ]);
});

test.each([
  ['curl -I https://api.brand.example', /-I: cards cannot do HEAD/],
  ['curl -X OPTIONS https://api.brand.example', /-X OPTIONS/],
  ['curl https://api.brand.example -d @body.json', /reads the body from a file/],
  ['curl https://api.brand.example -F file=@photo.jpg', /sends a file/],
  ['curl https://api.brand.example/<ID>/x', /unquoted < is a shell redirection/],
  ['wget https://api.brand.example', /not a curl command/],
  ['curl -H "X: y"', /no URL/],
  ['curl https://a.example https://b.example', /several URLs/],
  ["curl https://api.brand.example -H 'Content-Type: application/xml' -d '<a/>'", /application\/xml: cards send JSON or form/],
  ["curl https://api.brand.example -d '{broken'", /not valid JSON/],
  ['curl ftp://files.brand.example/a', /ftp:/],
  ['curl http://api.brand.example/a', /does not validate/],
])('%s is refused', (line, message) => {
  expect(() => importCurl(line)).toThrow(ImportError);
  expect(() => importCurl(line)).toThrow(message);
});

test('a refusal names the problem at its path in the card', () => {
  try {
    importCurl('curl http://api.brand.example/a');
    throw new Error('expected a refusal');
  } catch (error) {
    expect(error).toBeInstanceOf(ImportError);
    expect((error as ImportError).problems).toEqual([
      { path: 'request.url', message: 'must use https:// (plain http is only for the local stack)' },
    ]);
  }
});
