import type dns from 'node:dns';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { executeCallApi, type CardAttempt } from '../../../../shared/engine/callApi';
import { callApiBlockSchema } from '../../../../shared/flow/schema';
import { createGuardedFetch, type GuardedFetch, type OutboundRequest } from '../../../../shared/http/guardedFetch';

/**
 * A card calls port 443 unless its URL names a port the workspace allows (`allowedPorts`), on its URL
 * and on every redirect. The refusal comes before connecting (no lookup, no socket), on the failure
 * path, recorded like a blocked call. The local stack's allow-listed http hosts are exempt.
 */

const context = { attributes: {}, customer: { id: 'U1', channel: 'line', attributes: {} }, trigger: { params: {} } };
const refusal = (port: number) => `port ${port} not allowed (workspace settings: allowedPorts)`;

/** The real guard, with a DNS lookup that records each name and finds none: a lookup is the first step of connecting. */
function guard(allowHttpHosts: string[] = []) {
  const lookups: string[] = [];
  const lookup = ((
    hostname: string,
    _options: unknown,
    callback: (err: NodeJS.ErrnoException | null, addresses: dns.LookupAddress[]) => void,
  ) => {
    lookups.push(hostname);
    process.nextTick(() => callback(Object.assign(new Error(`${hostname} not found`), { code: 'ENOTFOUND' }), []));
  }) as unknown as typeof dns.lookup;
  const guarded = createGuardedFetch({ allowHttpHosts, lookup });
  const requests: OutboundRequest[] = [];
  const attempts: CardAttempt[] = [];
  const fetch: GuardedFetch = (request) => {
    requests.push(request);
    return guarded(request);
  };
  return { lookups, requests, attempts, deps: { fetch, onAttempt: (a: CardAttempt) => void attempts.push(a) } };
}

async function call(url: string, deps: ReturnType<typeof guard>['deps'], allowedPorts?: number[]) {
  const block = callApiBlockSchema.parse({ type: 'callApi', retry: false, timeoutMs: 2_000, request: { url } });
  return executeCallApi({ block, context, secrets: {}, idempotencyKey: 'job#card', ...(allowedPorts ? { allowedPorts } : {}) }, deps);
}

describe('the ports a card may call', () => {
  test.each([
    ['implicit', 'https://api.brand.example/v1/things'],
    ['explicit', 'https://api.brand.example:443/v1/things'],
  ])('443 (%s) is always allowed: the guard goes on to resolve the name', async (_how, url) => {
    const g = guard();
    const outcome = await call(url, g.deps);
    expect(g.lookups).toEqual(['api.brand.example']);
    expect(outcome).toEqual({ ok: false, reason: 'network', kind: 'network', attempts: 1 });
  });

  test('8443 without the setting: refused before any lookup or connection, recorded like a blocked call', async () => {
    const g = guard();
    const outcome = await call('https://api.brand.example:8443/v1/things', g.deps);
    expect(outcome).toEqual({ ok: false, reason: refusal(8443), kind: 'guard', attempts: 1 });
    expect(g.lookups).toEqual([]);
    expect(g.requests.map((r) => r.allowedPorts)).toEqual([[]]);
    expect(g.attempts).toEqual([
      {
        method: 'GET',
        url: 'https://api.brand.example:8443/v1/things',
        latencyMs: expect.any(Number),
        outcome: 'failure',
        reason: refusal(8443),
        attempt: 1,
      },
    ]);
  });

  test.each([22, 25, 80])('port %i is refused the same way, another allowed port notwithstanding', async (port) => {
    const g = guard();
    await expect(call(`https://203.0.113.9:${port}/`, g.deps, [8443])).resolves.toEqual({
      ok: false,
      reason: refusal(port),
      kind: 'guard',
      attempts: 1,
    });
    expect(g.lookups).toEqual([]);
  });

  test('8443 with the setting: allowed (the guard goes on to resolve the name)', async () => {
    const g = guard();
    const outcome = await call('https://api.brand.example:8443/v1/things', g.deps, [8443]);
    expect(outcome).toEqual({ ok: false, reason: 'network', kind: 'network', attempts: 1 });
    expect(g.lookups).toEqual(['api.brand.example']);
  });

  describe('an allow-listed http host of the local stack (a random port)', () => {
    let server: http.Server;
    let hostPort: string;
    beforeAll(async () => {
      server = http.createServer((req, res) => {
        if (req.url === '/redirect') {
          res.writeHead(302, { location: 'https://api.brand.example:8443/landing' });
          res.end();
        } else {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end('{"ok":true}');
        }
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      hostPort = `127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    test('keeps working without any setting', async () => {
      const g = guard([hostPort]);
      await expect(call(`http://${hostPort}/things`, g.deps)).resolves.toMatchObject({
        ok: true,
        response: { status: 200, body: { ok: true } },
      });
    });

    test('but a redirect from it to a port not allowed is refused before connecting', async () => {
      const g = guard([hostPort]);
      await expect(call(`http://${hostPort}/redirect`, g.deps)).resolves.toEqual({
        ok: false,
        reason: refusal(8443),
        kind: 'guard',
        attempts: 1,
      });
      expect(g.lookups).toEqual([]);
    });
  });
});
