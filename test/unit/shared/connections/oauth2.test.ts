import { connectionSchema } from '../../../../shared/connections/connection';
import { OAuth2Tokens, type StoredToken, type TokenRequest, type TokenStore } from '../../../../shared/connections/oauth2';
import type { GuardedFetch, OutboundRequest } from '../../../../shared/http/guardedFetch';
import { OutboundError } from '../../../../shared/http/guardedFetch';
import { withAllowedHosts } from '../../../../shared/templating/secretHosts';

const connection = connectionSchema.parse({
  baseUrl: { production: 'https://api.bank.example/v1', staging: 'https://sandbox.bank.example/v1' },
  auth: {
    type: 'oauth2ClientCredentials',
    tokenUrl: { production: 'https://auth.bank.example/oauth/token', staging: 'https://sandbox-auth.bank.example/oauth/token' },
    clientId: { production: 'callcard client', staging: 'callcard-sandbox' },
    clientSecret: { production: 'BANK_SECRET', staging: 'BANK_SANDBOX_SECRET' },
    scope: 'members.read tickets.read',
  },
});
const auth = connection.auth.type === 'oauth2ClientCredentials' ? connection.auth : (undefined as never);
const secrets = withAllowedHosts(
  { BANK_SECRET: 's3cr:et/+', BANK_SANDBOX_SECRET: 'sandbox' },
  { BANK_SECRET: ['auth.bank.example'], BANK_SANDBOX_SECRET: ['sandbox-auth.bank.example'] },
);

function tokenServer(
  answer: (request: OutboundRequest, n: number) => { status: number; body: string } = (_r, n) => ({
    status: 200,
    body: JSON.stringify({ access_token: `token-${n}`, token_type: 'Bearer', expires_in: 3600 }),
  }),
) {
  const requests: OutboundRequest[] = [];
  const fetch: GuardedFetch = async (request) => {
    requests.push(request);
    await new Promise((resolve) => setTimeout(resolve, 5));
    const { status, body } = answer(request, requests.length);
    return { status, headers: { 'content-type': 'application/json' }, body, url: request.url, latencyMs: 5 };
  };
  return { fetch, requests };
}

class MemoryStore implements TokenStore {
  readonly items = new Map<string, StoredToken>();
  async get(workspaceId: string, key: string) {
    return this.items.get(`${workspaceId}/${key}`);
  }
  async put(workspaceId: string, key: string, token: StoredToken) {
    this.items.set(`${workspaceId}/${key}`, token);
  }
  async delete(workspaceId: string, key: string) {
    this.items.delete(`${workspaceId}/${key}`);
  }
}

const request = (overrides: Partial<TokenRequest> = {}): TokenRequest => ({
  workspaceId: 'ws',
  connection: 'bank',
  environment: 'production',
  auth,
  secrets,
  allowedPorts: [],
  timeoutMs: 5_000,
  ...overrides,
});

test('asks the token endpoint as RFC 6749 §4.4 says: client_credentials, scope, HTTP Basic of the form-encoded id and secret', async () => {
  const server = tokenServer();
  const tokens = new OAuth2Tokens({ fetch: server.fetch });
  expect(await tokens.token(request())).toEqual({ ok: true, accessToken: 'token-1' });
  const [sent] = server.requests;
  expect(sent).toMatchObject({
    method: 'POST',
    url: 'https://auth.bank.example/oauth/token',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
  expect(Object.fromEntries(new URLSearchParams(sent?.body))).toEqual({
    grant_type: 'client_credentials',
    scope: 'members.read tickets.read',
  });
  expect(Buffer.from(sent?.headers?.authorization?.replace(/^Basic /, '') ?? '', 'base64').toString()).toBe(
    'callcard+client:s3cr%3Aet%2F%2B',
  );
});

test('client_secret_post: id and secret in the form instead', async () => {
  const server = tokenServer();
  const tokens = new OAuth2Tokens({ fetch: server.fetch });
  await tokens.token(request({ auth: { ...auth, clientAuthentication: 'client_secret_post' } }));
  expect(server.requests[0]?.headers?.authorization).toBeUndefined();
  expect(Object.fromEntries(new URLSearchParams(server.requests[0]?.body))).toMatchObject({
    client_id: 'callcard client',
    client_secret: 's3cr:et/+',
  });
});

test('one token for every card: 20 at once make one request; later ones none until shortly before it expires', async () => {
  let now = 1_000_000;
  const server = tokenServer((_r, n) => ({ status: 200, body: JSON.stringify({ access_token: `token-${n}`, expires_in: 600 }) }));
  const tokens = new OAuth2Tokens({ fetch: server.fetch, now: () => now });
  const got = await Promise.all(Array.from({ length: 20 }, () => tokens.token(request())));
  expect(new Set(got.map((g) => (g.ok ? g.accessToken : g.reason)))).toEqual(new Set(['token-1']));
  expect(server.requests).toHaveLength(1);
  now += 600_000 - 61_000;
  expect(await tokens.token(request())).toEqual({ ok: true, accessToken: 'token-1' });
  now += 2_000; // within a minute of expiry: renewed
  expect(await tokens.token(request())).toEqual({ ok: true, accessToken: 'token-2' });
  expect(server.requests).toHaveLength(2);
});

test('shared across instances through the store: a second instance asks nothing; each environment has its own token', async () => {
  const store = new MemoryStore();
  const server = tokenServer();
  const first = new OAuth2Tokens({ fetch: server.fetch, store });
  const second = new OAuth2Tokens({ fetch: server.fetch, store });
  expect(await first.token(request())).toEqual({ ok: true, accessToken: 'token-1' });
  expect(await second.token(request())).toEqual({ ok: true, accessToken: 'token-1' });
  expect(server.requests).toHaveLength(1);
  expect(await second.token(request({ environment: 'staging' }))).toEqual({ ok: true, accessToken: 'token-2' });
  expect(server.requests[1]?.url).toBe('https://sandbox-auth.bank.example/oauth/token');
  // Changed settings (another client id) do not reuse the token issued for the old ones.
  expect(await second.token(request({ auth: { ...auth, clientId: { production: 'another-client' } } }))).toEqual({
    ok: true,
    accessToken: 'token-3',
  });
});

test('after a 401: a fresh token, unless another instance renewed it already', async () => {
  const store = new MemoryStore();
  const server = tokenServer();
  const first = new OAuth2Tokens({ fetch: server.fetch, store });
  const second = new OAuth2Tokens({ fetch: server.fetch, store });
  await first.token(request());
  await second.token(request());
  expect(await first.token(request(), { fresh: true })).toEqual({ ok: true, accessToken: 'token-2' });
  // The second instance's 401 came with token-1 too: it finds token-2 in the table and asks nothing.
  expect(await second.token(request(), { fresh: true })).toEqual({ ok: true, accessToken: 'token-2' });
  expect(server.requests).toHaveLength(2);
});

test('failures say why without a token or a secret, each under the reason the flow routes by', async () => {
  const refuse = tokenServer(() => ({ status: 401, body: '{"error":"invalid_client","error_description":"bad secret s3cr:et/+"}' }));
  expect(await new OAuth2Tokens({ fetch: refuse.fetch }).token(request())).toEqual({
    ok: false,
    reason: 'token endpoint: http_401 (invalid_client)',
    kind: 'config',
  });
  const down = tokenServer(() => ({ status: 503, body: 'down' }));
  expect(await new OAuth2Tokens({ fetch: down.fetch }).token(request())).toEqual({
    ok: false,
    reason: 'token endpoint: http_503',
    kind: 'http_5xx',
  });
  const odd = tokenServer(() => ({ status: 200, body: '{"access_token":"x","token_type":"mac"}' }));
  expect(await new OAuth2Tokens({ fetch: odd.fetch }).token(request())).toMatchObject({
    ok: false,
    kind: 'config',
    reason: expect.stringContaining('no bearer access_token'),
  });
  const timeout: GuardedFetch = async () => {
    throw new OutboundError('timeout', 'timed out');
  };
  expect(await new OAuth2Tokens({ fetch: timeout }).token(request())).toEqual({
    ok: false,
    reason: 'token endpoint: timeout',
    kind: 'timeout',
  });
  // A client secret bound to other hosts never reaches a token URL elsewhere.
  const server = tokenServer();
  const elsewhere = { ...auth, tokenUrl: { production: 'https://collector.example/token' } };
  expect(await new OAuth2Tokens({ fetch: server.fetch }).token(request({ auth: elsewhere }))).toEqual({
    ok: false,
    reason: 'secret BANK_SECRET not allowed for host collector.example',
    kind: 'guard',
  });
  expect(server.requests).toHaveLength(0);
  expect(await new OAuth2Tokens({ fetch: server.fetch }).token(request({ secrets: {} }))).toMatchObject({
    ok: false,
    kind: 'config',
    reason: expect.stringContaining('BANK_SECRET is not set'),
  });
});
