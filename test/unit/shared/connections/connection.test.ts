import { connectCard, connectionSchema, type Connections } from '../../../../shared/connections/connection';
import { callApiBlockSchema, type CallApiBlock } from '../../../../shared/flow/schema';
import { connectionPathProblem } from '../../../../shared/flow/validateFlow';

const card = (request: Record<string, unknown>): CallApiBlock => callApiBlockSchema.parse({ type: 'callApi', request });

const connections: Connections = {
  acme: connectionSchema.parse({
    baseUrl: { production: 'https://api.acme.example/v1/', staging: 'https://staging.acme.example/v1' },
    auth: { type: 'header', header: 'x-api-key', secret: { production: 'ACME_KEY', staging: 'ACME_STAGING_KEY' } },
  }),
  bare: connectionSchema.parse({ baseUrl: { production: 'https://bare.example' } }),
  bearer: connectionSchema.parse({
    baseUrl: { production: 'https://bank.example/open' },
    auth: { type: 'header', prefix: 'Bearer ', secret: { production: 'BANK_TOKEN' } },
  }),
};

test('a card without a connection runs as written', () => {
  const block = card({ url: 'https://x.example/a' });
  expect(connectCard(block, connections, 'staging')).toEqual({ ok: true, block });
});

test('production: the base URL in front of the path (one slash between), the credential as a header secret', () => {
  const result = connectCard(card({ connection: 'acme', url: '/members/{{ attributes.memberId }}?full=1' }), connections, 'production');
  expect(result).toMatchObject({ ok: true, environment: 'production' });
  if (!result.ok) throw new Error('connected');
  expect(result.block.request.url).toBe('https://api.acme.example/v1/members/{{ attributes.memberId }}?full=1');
  expect(result.block.request.headers).toEqual({ 'x-api-key': '{{ secrets.ACME_KEY }}' });
});

test('staging: its own base URL and secret', () => {
  const result = connectCard(card({ connection: 'acme', url: '/tickets' }), connections, 'staging');
  expect(result).toMatchObject({
    ok: true,
    environment: 'staging',
    block: { request: { url: 'https://staging.acme.example/v1/tickets', headers: { 'x-api-key': '{{ secrets.ACME_STAGING_KEY }}' } } },
  });
});

test('staging asked of a connection without one: production, and it says so', () => {
  const result = connectCard(card({ connection: 'bearer', url: '/accounts' }), connections, 'staging');
  expect(result).toMatchObject({
    ok: true,
    environment: 'production',
    block: { request: { url: 'https://bank.example/open/accounts', headers: { authorization: 'Bearer {{ secrets.BANK_TOKEN }}' } } },
  });
});

test("the connection's credential replaces a card header of the same name in any letter case; other headers stay", () => {
  const result = connectCard(
    card({ connection: 'acme', url: '/t', headers: { 'X-Api-Key': 'typed-by-hand', 'x-trace': '1' } }),
    connections,
    'production',
  );
  expect(result.ok && result.block.request.headers).toEqual({ 'x-trace': '1', 'x-api-key': '{{ secrets.ACME_KEY }}' });
});

test('auth none: only the base URL', () => {
  const result = connectCard(card({ connection: 'bare', url: '/x' }), connections, 'production');
  expect(result.ok && result.block.request).toMatchObject({ url: 'https://bare.example/x', headers: {} });
});

test('an unknown connection (or one named like a prototype key) is a config failure naming it', () => {
  expect(connectCard(card({ connection: 'nope', url: '/x' }), connections, 'production')).toEqual({
    ok: false,
    reason: 'connection nope does not exist (PUT /admin/connections/nope)',
  });
  expect(() => card({ connection: 'constructor', url: '/x' })).toThrow();
  expect(
    connectCard({ ...card({ url: '/x' }), request: { ...card({ url: '/x' }).request, connection: 'tostring' } }, connections, 'production'),
  ).toMatchObject({ ok: false });
});

test('a connection is refused with a path for each problem', () => {
  const result = connectionSchema.safeParse({
    baseUrl: { production: 'https://api.example/v1?key=1', staging: 'https://{{ host }}/v1' },
    auth: { type: 'header', prefix: 'Bearer {{ x }}', secret: { production: 'not a name' } },
    extra: true,
  });
  expect(result.success).toBe(false);
  expect([...new Set(result.error?.issues.map((issue) => issue.path.join('.')))].sort()).toEqual(
    ['', 'auth.prefix', 'auth.secret.production', 'baseUrl.production', 'baseUrl.staging'].sort(),
  );
});

test("under a connection, a card's url is a path", () => {
  expect(connectionPathProblem('/members/1')).toBeUndefined();
  expect(connectionPathProblem('https://api.acme.example/members')).toMatch(/starting with \//);
  expect(connectionPathProblem('//evil.example/x')).toMatch(/starting with \//);
  expect(connectionPathProblem('members')).toMatch(/starting with \//);
});
