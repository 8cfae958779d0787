import dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import * as fc from 'fast-check';
import ipaddr from 'ipaddr.js';
import {
  OutboundError,
  createGuardedFetch,
  createGuardedLookup,
  isPublicAddress,
  parseAllowHttpHosts,
} from '../../../../shared/http/guardedFetch';
import type { OutboundErrorKind, OutboundRequest } from '../../../../shared/http/guardedFetch';

// ---------------------------------------------------------------------------------------------
// Safety net. This machine must never send a packet outside 127.0.0.0/8 and ::1, even if the
// guard under test were broken, so every socket the guarded fetch opens goes through this check first.
// Hostnames are let through: the tests only use `localhost` and names whose injected lookup
// answers loopback.
// ---------------------------------------------------------------------------------------------

/** Hosts every net/tls connect was asked to dial, in order. */
const dialled: string[] = [];

function isLoopbackLiteral(host: string): boolean {
  try {
    return ipaddr.process(host).range() === 'loopback';
  } catch {
    return false;
  }
}

function checkDial(target: unknown): void {
  if (typeof target !== 'object' || target === null) throw new Error('test safety net: unexpected connect() form');
  const host = 'host' in target && typeof target.host === 'string' ? target.host : 'localhost';
  if (net.isIP(host) !== 0 && !isLoopbackLiteral(host)) {
    throw new Error(`test safety net: refusing to dial ${host}`);
  }
  dialled.push(host);
}

const realNetConnect = net.connect;
const realTlsConnect = tls.connect;

beforeAll(() => {
  jest.spyOn(net, 'connect').mockImplementation((...args) => {
    checkDial(args[0]);
    return realNetConnect(...args);
  });
  jest.spyOn(tls, 'connect').mockImplementation((...args) => {
    checkDial(args[0]);
    return realTlsConnect(...args);
  });
});

afterAll(() => {
  jest.restoreAllMocks();
});

// ---------------------------------------------------------------------------------------------
// Loopback servers
// ---------------------------------------------------------------------------------------------

interface Recorded {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

interface TestServer {
  port: number;
  /** `127.0.0.1:<port>`, the allowlist entry for it. */
  hostPort: string;
  origin: string;
  requests: Recorded[];
  connections: () => number;
}

const openServers: net.Server[] = [];

function listen(server: net.Server, host = '127.0.0.1'): Promise<number> {
  openServers.push(server);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      if (address === null || typeof address === 'string') reject(new Error('no port'));
      else resolve(address.port);
    });
  });
}

type Handler = (req: http.IncomingMessage, res: http.ServerResponse, body: string, self: TestServer) => void;

async function startServer(handler: Handler, host = '127.0.0.1'): Promise<TestServer> {
  let connections = 0;
  const requests: Recorded[] = [];
  const server = http.createServer();
  const port = await listen(server, host);
  const hostPort = net.isIPv6(host) ? `[${host}]:${port}` : `${host}:${port}`;
  const self: TestServer = { port, hostPort, origin: `http://${hostPort}`, requests, connections: () => connections };
  server.on('connection', () => {
    connections += 1;
  });
  server.on('request', (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      handler(req, res, body, self);
    });
  });
  return self;
}

/** A bare TCP listener that only counts who reaches it: the target that must never be reached. */
async function startTrap(): Promise<{ port: number; connections: () => number }> {
  let connections = 0;
  const server = net.createServer((socket) => {
    connections += 1;
    socket.destroy();
  });
  const port = await listen(server);
  return { port, connections: () => connections };
}

afterEach(async () => {
  await Promise.all(
    openServers.splice(0).map(
      (server) =>
        new Promise<void>((resolve) => {
          if (server instanceof http.Server) server.closeAllConnections();
          server.close(() => resolve());
        }),
    ),
  );
});

const ok: Handler = (_req, res, body) => {
  res.writeHead(200, { 'content-type': 'text/plain' });
  res.end(body === '' ? 'ok' : body);
};

function redirectTo(status: number, location: string): Handler {
  return (_req, res) => {
    res.writeHead(status, { location });
    res.end();
  };
}

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

type Reply = (result: dns.LookupAddress[] | Error) => void;

/** A stand-in for dns.lookup with its full overloaded type; `respond` answers each call through `reply`. */
function fakeLookup(respond: (hostname: string, reply: Reply) => void, calls: string[] = []): typeof dns.lookup {
  function lookup(
    hostname: string,
    family: number,
    callback: (err: NodeJS.ErrnoException | null, address: string, family: number) => void,
  ): void;
  function lookup(
    hostname: string,
    options: dns.LookupOneOptions,
    callback: (err: NodeJS.ErrnoException | null, address: string, family: number) => void,
  ): void;
  function lookup(
    hostname: string,
    options: dns.LookupAllOptions,
    callback: (err: NodeJS.ErrnoException | null, addresses: dns.LookupAddress[]) => void,
  ): void;
  function lookup(
    hostname: string,
    options: dns.LookupOptions,
    callback: (err: NodeJS.ErrnoException | null, address: string | dns.LookupAddress[], family: number) => void,
  ): void;
  function lookup(hostname: string, callback: (err: NodeJS.ErrnoException | null, address: string, family: number) => void): void;
  function lookup(hostname: string, optionsOrCallback: unknown, maybeCallback?: unknown): void {
    calls.push(hostname);
    const callback = typeof optionsOrCallback === 'function' ? optionsOrCallback : maybeCallback;
    if (typeof callback !== 'function') throw new TypeError('lookup needs a callback');
    const all =
      typeof optionsOrCallback === 'object' && optionsOrCallback !== null && 'all' in optionsOrCallback && optionsOrCallback.all === true;
    respond(hostname, (result) => {
      process.nextTick(() => {
        const first = Array.isArray(result) ? result[0] : undefined;
        if (result instanceof Error) callback(result, all ? [] : '', 0);
        else if (all) callback(null, result);
        else if (first === undefined) callback(Object.assign(new Error('not found'), { code: 'ENOTFOUND' }), '', 0);
        else callback(null, first.address, first.family);
      });
    });
  }
  return Object.assign(lookup, { __promisify__: dns.lookup.__promisify__ });
}

function answering(...addresses: string[]): (hostname: string, reply: Reply) => void {
  return (_hostname, reply) => reply(addresses.map((address) => ({ address, family: net.isIP(address) })));
}

/** A lookup that fails the test if the guard ever gets as far as resolving a name. */
function forbiddenLookup(calls: string[]): typeof dns.lookup {
  return fakeLookup((hostname) => {
    throw new Error(`lookup must not be called (asked for ${hostname})`);
  }, calls);
}

/** A port nothing listens on. */
async function freePort(): Promise<number> {
  const server = net.createServer();
  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      if (address === null || typeof address === 'string') reject(new Error('no port'));
      else resolve(address.port);
    });
  });
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function failure(promise: Promise<unknown>): Promise<OutboundError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof OutboundError) return err;
    throw err;
  }
  throw new Error('expected the request to fail');
}

async function expectKind(promise: Promise<unknown>, kind: OutboundErrorKind): Promise<OutboundError> {
  const err = await failure(promise);
  expect({ kind: err.kind, message: err.message }).toEqual({ kind, message: expect.any(String) });
  expect(err.name).toBe('OutboundError');
  return err;
}

function get(url: string, extra: Partial<OutboundRequest> = {}): OutboundRequest {
  return { method: 'GET', url, timeoutMs: 5_000, ...extra };
}

const SECRET = 'sk_live_do_not_log_me';

// ---------------------------------------------------------------------------------------------
// Pure functions
// ---------------------------------------------------------------------------------------------

describe('isPublicAddress', () => {
  it.each([
    '10.0.0.1',
    '172.16.0.1',
    '192.168.1.1',
    '100.64.0.1',
    '169.254.169.254',
    '127.0.0.1',
    '127.0.0.2',
    '0.0.0.0',
    '0.1.2.3',
    '224.0.0.1',
    '255.255.255.255',
    '192.0.2.1',
    '198.18.0.1',
    '240.0.0.1',
    'fd00:ec2::254',
    'fc00::1',
    'fe80::1',
    'fe80::1%eth0',
    'fec0::1',
    '::1',
    '::',
    'ff02::1',
    '::ffff:10.0.0.1',
    '::ffff:127.0.0.1',
    '::ffff:7f00:1',
    '::ffff:169.254.169.254',
    '::a00:1',
    '64:ff9b::a00:1',
    '64:ff9b:1::a00:1',
    '2002:a00:1::',
    '2001::1',
    '2001:db8::1',
    '100::1',
    // Not an address at all, or a form a socket would never dial as written.
    '',
    'localhost',
    '010.0.0.1',
    '0x7f.0.0.1',
    '2130706433',
    '[::1]',
  ])('%s is not public', (ip) => {
    expect(isPublicAddress(ip)).toBe(false);
  });

  it.each(['8.8.8.8', '1.1.1.1', '93.184.215.14', '2606:4700:4700::1111', '2001:4860:4860::8888', '::ffff:8.8.8.8'])(
    '%s is public',
    (ip) => {
      expect(isPublicAddress(ip)).toBe(true);
    },
  );
});

describe('isPublicAddress against ipaddr.js (what it used before node:net BlockList)', () => {
  /**
   * The former check: strict spelling, then ipaddr.js's special ranges, and 2000::/3 for IPv6. One
   * deliberate difference: ipaddr.js reads `::a.b.c.d` (IPv4-compatible, dotted) as `::ffff:a.b.c.d`, so
   * the former check passed `::8.8.8.8` as 8.8.8.8, though a socket dials `::808:808`; now it is refused
   * like its hex spelling `::808:808` always was. The reference gets IPv6 in hex (WHATWG's form) to match.
   */
  const reference = (ip: string): boolean => {
    if (net.isIP(ip) === 0) return false;
    // A zone id is for this machine's interfaces (link-local): never a public address.
    if (ip.includes('%')) return false;
    let address: ipaddr.IPv4 | ipaddr.IPv6;
    try {
      const [bare = '', zone] = ip.split('%');
      const hex = net.isIP(ip) === 6 ? `${new URL(`http://[${bare}]/`).hostname.slice(1, -1)}${zone === undefined ? '' : `%${zone}`}` : ip;
      address = ipaddr.process(hex);
    } catch {
      return false;
    }
    if (address.range() !== 'unicast') return false;
    return address.kind() === 'ipv6' ? address.match(ipaddr.IPv6.parseCIDR('2000::/3')) : true;
  };
  /** Every special range of the library, each range's first and last address and their neighbours, in IPv4-mapped form too. */
  const edges = (): string[] => {
    const out: string[] = [];
    for (const kind of [ipaddr.IPv4, ipaddr.IPv6] as const) {
      type Cidr = [ipaddr.IPv4 | ipaddr.IPv6, number];
      // Not in the library's types: its table of ranges, each one CIDR or a list of them.
      const ranges = Object.values((kind.prototype as unknown as { SpecialRanges: Record<string, Cidr | Cidr[]> }).SpecialRanges);
      const cidrs = ranges.flatMap((range): Cidr[] => (Array.isArray(range[0]) ? (range as Cidr[]) : [range as Cidr]));
      cidrs.push(ipaddr.IPv6.parseCIDR('2000::/3'));
      for (const [base, prefix] of cidrs) {
        const bytes = base.toByteArray();
        const first = BigInt(`0x${Buffer.from(bytes).toString('hex')}`);
        const span = 1n << BigInt(bytes.length * 8 - prefix);
        const max = (1n << BigInt(bytes.length * 8)) - 1n;
        for (const value of [first - 1n, first, first + 1n, first + span - 2n, first + span - 1n, first + span]) {
          if (value < 0n || value > max) continue;
          const hex = value.toString(16).padStart(bytes.length * 2, '0');
          const address = ipaddr.fromByteArray([...Buffer.from(hex, 'hex')]);
          out.push(address.toString());
          if (address.kind() === 'ipv4')
            out.push(`::ffff:${address.toString()}`, (address as ipaddr.IPv4).toIPv4MappedAddress().toNormalizedString());
        }
      }
    }
    return out;
  };

  it('refuses any address with a zone id, however the rest is written (fast-check found 2000::…:100.100.100.0%eth0 read both ways)', () => {
    for (const ip of ['2000:000:0000:0000:0000:00:100.100.100.0%eth0', '2001:4860:4860::8888%eth0', 'fe80::1%eth0', '::ffff:8.8.8.8%1'])
      expect([ip, isPublicAddress(ip)]).toEqual([ip, false]);
    expect(isPublicAddress('2001:4860:4860::8888')).toBe(true);
  });

  it('refuses an IPv4-compatible address however it is written (ipaddr.js passed the dotted spelling)', () => {
    for (const ip of ['::8.8.8.8', '::808:808', '0:0:0:0:0:0:8.8.8.8']) expect([ip, isPublicAddress(ip)]).toEqual([ip, false]);
    expect(isPublicAddress('::ffff:8.8.8.8')).toBe(true);
  });

  it('agrees on every edge of every special range', () => {
    const all = edges();
    expect(all.length).toBeGreaterThan(400);
    const disagree = all.filter((ip) => isPublicAddress(ip) !== reference(ip));
    expect(disagree).toEqual([]);
  });

  it('agrees on random IPv4, IPv6 (any spelling fast-check makes, IPv4-mapped and zone ids included) and near-addresses', () => {
    const anyIp = fc.oneof(
      fc.ipV4(),
      fc.ipV4Extended(),
      fc.ipV6(),
      fc.ipV4().map((v4) => `::ffff:${v4}`),
      fc.ipV6().map((v6) => `${v6}%eth0`),
      fc
        .tuple(fc.constantFrom('2001:', '2002:', 'fe80:', 'fc00:', '64:ff9b:', '2620:4f:', '3fff:', '5f00:', '100:'), fc.ipV6())
        .map(([head, v6]) => `${head}${v6.split(':').slice(-7).join(':')}`),
    );
    fc.assert(
      fc.property(anyIp, (ip) => {
        expect([ip, isPublicAddress(ip)]).toEqual([ip, reference(ip)]);
      }),
      // FC_SEED=<seed from a failure's report> replays that run.
      { numRuns: 20_000, ...(process.env.FC_SEED ? { seed: Number(process.env.FC_SEED) } : {}) },
    );
  });
});

describe('parseAllowHttpHosts', () => {
  it('is empty when the variable is unset or blank', () => {
    expect(parseAllowHttpHosts(undefined)).toEqual([]);
    expect(parseAllowHttpHosts('')).toEqual([]);
    expect(parseAllowHttpHosts(' , ')).toEqual([]);
  });

  it('splits, trims and normalises entries', () => {
    expect(parseAllowHttpHosts(' 127.0.0.1:4010, LOCALHOST:4011 ,,[0:0:0:0:0:0:0:1]:4012,127.0.0.1:4010')).toEqual([
      '127.0.0.1:4010',
      'localhost:4011',
      '[::1]:4012',
    ]);
  });

  it.each(['localhost', 'http://localhost:4010', 'localhost:0', 'localhost:65536', 'user@localhost:4010', '::1:4010', 'a b:1'])(
    'rejects the malformed entry %p',
    (entry) => {
      expect(() => parseAllowHttpHosts(entry)).toThrow('invalid allowed http host');
    },
  );
});

describe('createGuardedLookup', () => {
  type Result = { err: NodeJS.ErrnoException | null; address: string | dns.LookupAddress[]; family?: number };

  function resolveWith(addresses: dns.LookupAddress[], options: dns.LookupOptions): Promise<Result> {
    const guarded = createGuardedLookup((_hostname, _options, callback) => callback(null, addresses));
    return new Promise((resolve) => {
      guarded('api.brand.test', options, (err, address, family) => resolve({ err, address, family }));
    });
  }

  // No socket is involved here, so public addresses are safe to use.
  it('refuses a name when any of its addresses is not public, wherever it is in the answer', async () => {
    for (const addresses of [
      [
        { address: '8.8.8.8', family: 4 },
        { address: '10.0.0.1', family: 4 },
      ],
      [
        { address: '2606:4700:4700::1111', family: 6 },
        { address: '::ffff:169.254.169.254', family: 6 },
      ],
    ]) {
      const { err } = await resolveWith(addresses, { all: true });
      expect(err?.message).toMatch(/api\.brand\.test resolves to a non-public address/);
    }
  });

  it('answers in the shape net asked for', async () => {
    const addresses = [
      { address: '8.8.8.8', family: 4 },
      { address: '2606:4700:4700::1111', family: 6 },
    ];
    expect(await resolveWith(addresses, { all: true })).toEqual({ err: null, address: addresses, family: undefined });
    expect(await resolveWith(addresses, {})).toEqual({ err: null, address: '8.8.8.8', family: 4 });
  });

  it('reports an empty answer as ENOTFOUND and passes lookup errors through', async () => {
    expect((await resolveWith([], {})).err?.code).toBe('ENOTFOUND');
    const failing = createGuardedLookup((_hostname, _options, callback) =>
      callback(Object.assign(new Error('getaddrinfo EAI_AGAIN'), { code: 'EAI_AGAIN' }), []),
    );
    const err = await new Promise<NodeJS.ErrnoException | null>((resolve) => failing('x.test', {}, (e) => resolve(e)));
    expect(err?.code).toBe('EAI_AGAIN');
  });
});

// ---------------------------------------------------------------------------------------------
// The guarded fetch, over real loopback sockets
// ---------------------------------------------------------------------------------------------

describe('createGuardedFetch', () => {
  describe('allowed requests', () => {
    it('sends a GET and returns status, headers, body, final URL and latency', async () => {
      const server = await startServer((_req, res) => {
        res.setHeader('content-type', 'application/json');
        res.setHeader('x-multi', ['a', 'b']);
        res.writeHead(200);
        res.end('{"ok":true,"name":"日本"}');
      });
      const fetch = createGuardedFetch({ allowHttpHosts: [server.hostPort] });
      dialled.length = 0;

      const res = await fetch(get(`${server.origin}/v1/members?id=42#frag`));

      expect(res.status).toBe(200);
      expect(res.body).toBe('{"ok":true,"name":"日本"}');
      expect(res.headers['content-type']).toBe('application/json');
      expect(res.headers['x-multi']).toBe('a, b');
      expect(res.url).toBe(`${server.origin}/v1/members?id=42#frag`);
      expect(res.latencyMs).toBeGreaterThanOrEqual(0);
      expect(server.requests).toEqual([expect.objectContaining({ method: 'GET', url: '/v1/members?id=42', body: '' })]);
      // Proves the safety net sees the fetch's sockets, so the "never dialled" assertions below mean something.
      expect(dialled).toEqual(['127.0.0.1']);
    });

    it('sends a POST with its body and headers', async () => {
      const server = await startServer((_req, res) => {
        res.writeHead(201);
        res.end('created');
      });
      const fetch = createGuardedFetch({ allowHttpHosts: [server.hostPort] });

      const res = await fetch({
        method: 'POST',
        url: `${server.origin}/orders`,
        headers: { 'Content-Type': 'application/json', 'X-Api-Key': SECRET, Authorization: `Bearer ${SECRET}` },
        body: '{"sku":"A-1"}',
        timeoutMs: 5_000,
      });

      expect(res.status).toBe(201);
      const [request] = server.requests;
      expect(request?.method).toBe('POST');
      expect(request?.body).toBe('{"sku":"A-1"}');
      expect(request?.headers).toMatchObject({
        'content-type': 'application/json',
        'x-api-key': SECRET,
        authorization: `Bearer ${SECRET}`,
        'content-length': '13',
      });
    });

    it('drops headers the transport owns', async () => {
      const server = await startServer(ok);
      const fetch = createGuardedFetch({ allowHttpHosts: [server.hostPort] });

      await fetch(get(server.origin, { headers: { Host: 'internal.example', 'Accept-Encoding': 'gzip', 'Transfer-Encoding': 'chunked' } }));

      const headers = server.requests[0]?.headers;
      expect(headers?.host).toBe(server.hostPort);
      expect(headers?.['accept-encoding']).toBeUndefined();
      expect(headers?.['transfer-encoding']).toBeUndefined();
    });

    it('reuses one keep-alive connection across calls of the same fetch', async () => {
      const server = await startServer(ok);
      const fetch = createGuardedFetch({ allowHttpHosts: [server.hostPort] });

      await fetch(get(server.origin));
      await fetch(get(server.origin));

      expect(server.requests).toHaveLength(2);
      expect(server.connections()).toBe(1);
    });

    it('accepts an allowlisted IPv6 loopback host:port', async () => {
      let server: TestServer;
      try {
        server = await startServer(ok, '::1');
      } catch {
        return; // No IPv6 loopback on this machine: nothing to check.
      }
      const fetch = createGuardedFetch({ allowHttpHosts: [server.hostPort] });

      const res = await fetch(get(`${server.origin}/v6`));

      expect(res.status).toBe(200);
      expect(res.url).toBe(`http://${server.hostPort}/v6`);
    });
  });

  describe('connection reuse', () => {
    /** Runs `total` calls through `callers` concurrent loops. */
    async function callConcurrently(call: () => Promise<unknown>, total: number, callers: number): Promise<void> {
      let started = 0;
      await Promise.all(
        Array.from({ length: callers }, async () => {
          while (started < total) {
            started += 1;
            await call();
          }
        }),
      );
    }

    it('keeps one connection for 100 sequential calls', async () => {
      const server = await startServer(ok);
      const fetch = createGuardedFetch({ allowHttpHosts: [server.hostPort] });

      for (let i = 0; i < 100; i += 1) {
        expect((await fetch(get(`${server.origin}/seq/${i}`))).status).toBe(200);
      }

      expect(server.requests).toHaveLength(100);
      expect(server.connections()).toBeLessThanOrEqual(2);
    });

    it('opens about one connection per concurrent caller for 100 calls from 20 callers', async () => {
      const server = await startServer((req, res, body, self) => {
        // A little latency so the 20 callers really overlap.
        setTimeout(() => ok(req, res, body, self), 2);
      });
      const fetch = createGuardedFetch({ allowHttpHosts: [server.hostPort] });

      await callConcurrently(async () => expect((await fetch(get(server.origin))).status).toBe(200), 100, 20);

      expect(server.requests).toHaveLength(100);
      expect(server.connections()).toBeLessThanOrEqual(25);

      // Steady state: the pool is warm, so another 100 calls open (almost) nothing new.
      const before = server.connections();
      await callConcurrently(async () => expect((await fetch(get(server.origin))).status).toBe(200), 100, 20);
      expect(server.connections() - before).toBeLessThanOrEqual(2);
    });

    it('does not surface a keep-alive connection the server closed between calls', async () => {
      // A server that closes connections idle for 100 ms, sooner than it announces, so the client still
      // holds the socket in its pool when the server closes it. (Done by hand: node's own keepAliveTimeout
      // waits an extra second and announces the real value.)
      const idleTimers = new Map<net.Socket, NodeJS.Timeout>();
      const server = await startServer((req, res) => {
        const socket = req.socket;
        clearTimeout(idleTimers.get(socket));
        res.writeHead(200, { 'keep-alive': 'timeout=60' });
        res.end('ok', () =>
          idleTimers.set(
            socket,
            setTimeout(() => socket.end(), 100),
          ),
        );
      });
      const fetch = createGuardedFetch({ allowHttpHosts: [server.hostPort] });

      await fetch(get(server.origin));
      await fetch(get(server.origin));
      expect(server.connections()).toBe(1);
      await new Promise((resolve) => setTimeout(resolve, 300));

      const res = await fetch(get(server.origin));

      expect(res.status).toBe(200);
      expect(server.connections()).toBe(2);
    });

    /** Answers the first request on each connection and drops the connection on the next one, unanswered. */
    async function startOneShotServer(): Promise<TestServer> {
      const served = new WeakSet<net.Socket>();
      return startServer((req, res, body, self) => {
        if (served.has(req.socket)) {
          req.socket.destroy();
          return;
        }
        served.add(req.socket);
        ok(req, res, body, self);
      });
    }

    it.each(['GET', 'PUT', 'DELETE'] as const)(
      'resends a %s that died unanswered on a reused connection, once, on a new connection',
      async (method) => {
        const server = await startOneShotServer();
        const fetch = createGuardedFetch({ allowHttpHosts: [server.hostPort] });

        await fetch(get(server.origin));
        const res = await fetch({
          method,
          url: `${server.origin}/again`,
          body: method === 'PUT' ? '{"a":1}' : undefined,
          timeoutMs: 5_000,
        });

        expect(res.status).toBe(200);
        expect(server.requests.map((r) => `${r.method} ${r.url} ${r.body}`)).toEqual([
          'GET / ',
          `${method} /again ${method === 'PUT' ? '{"a":1}' : ''}`,
          `${method} /again ${method === 'PUT' ? '{"a":1}' : ''}`,
        ]);
        expect(server.connections()).toBe(2);
      },
    );

    it('resends on a new connection even when every pooled connection has gone stale', async () => {
      const server = await startOneShotServer();
      const fetch = createGuardedFetch({ allowHttpHosts: [server.hostPort] });

      // Three pooled connections, each already used once, so each drops its next request.
      await Promise.all([fetch(get(server.origin)), fetch(get(server.origin)), fetch(get(server.origin))]);
      expect(server.connections()).toBe(3);

      const res = await fetch(get(`${server.origin}/again`));

      expect(res.status).toBe(200);
      expect(server.connections()).toBe(4);
    });

    it.each(['POST', 'PATCH'] as const)('does not resend a %s, which may not be safe to repeat', async (method) => {
      const server = await startOneShotServer();
      const fetch = createGuardedFetch({ allowHttpHosts: [server.hostPort] });

      await fetch(get(server.origin));
      const err = await expectKind(
        fetch({ method, url: `${server.origin}/once`, headers: { 'x-api-key': SECRET }, body: '{}', timeoutMs: 5_000 }),
        'network',
      );

      expect(err.message).toContain('ECONNRESET');
      expect(err.message).not.toContain(SECRET);
      expect(server.requests).toHaveLength(2);
      expect(server.connections()).toBe(1);
    });

    it.each([
      ['http', http.request],
      ['https', https.request],
    ] as const)('the %s agent checks IP literals again at connect time, past the URL check', async (scheme, request) => {
      const server = await startServer(ok);
      const trap = await startTrap();
      const fetch = createGuardedFetch({ allowHttpHosts: [server.hostPort] });
      const spy = jest.spyOn(scheme === 'http' ? http : https, 'request');
      let agent: unknown;
      try {
        // Any call that gets as far as a request will do to get hold of the fetch's agent for this scheme
        // (over https this one fails the handshake: the server speaks plain http).
        await fetch(get(`${scheme}://${server.hostPort}/`)).catch(() => undefined);
        agent = (spy.mock.calls[0]?.[0] as { agent?: unknown } | undefined)?.agent;
      } finally {
        spy.mockRestore();
      }
      expect(agent).toBeInstanceOf(http.Agent);
      dialled.length = 0;

      const err = await new Promise<Error>((resolve) => {
        const req = request({ agent: agent as http.Agent, host: '127.0.0.1', port: trap.port, path: '/' });
        req.on('error', resolve);
        req.end();
      });

      expect(err.message).toBe('127.0.0.1 is not a public address');
      expect(dialled).toEqual([]);
      expect(trap.connections()).toBe(0);
    });

    it('keeps the connections of separate fetches apart', async () => {
      const server = await startServer(ok);
      const first = createGuardedFetch({ allowHttpHosts: [server.hostPort] });
      const second = createGuardedFetch({ allowHttpHosts: [server.hostPort] });

      await first(get(server.origin));
      await second(get(server.origin));

      expect(server.connections()).toBe(2);
    });
  });

  describe('blocked before connecting', () => {
    it('refuses http to a host:port that is not allowlisted', async () => {
      const allowed = await startServer(ok);
      const other = await startServer(ok);
      const fetch = createGuardedFetch({ allowHttpHosts: [allowed.hostPort] });

      await expectKind(fetch(get(`${other.origin}/`)), 'blocked');
      // Same host, other port: the allowlist is exact host:port.
      await expectKind(fetch(get(`http://localhost:${allowed.port}/`)), 'blocked');

      expect(other.connections()).toBe(0);
      expect(allowed.connections()).toBe(0);
    });

    it.each(['127.0.0.1', '[::1]', 'localhost', '127.0.0.2', '[::ffff:127.0.0.1]', '2130706433', '0x7f.1'])(
      'refuses https://%s on a port that is not allowlisted',
      async (host) => {
        const trap = await startTrap();
        const fetch = createGuardedFetch();
        dialled.length = 0;

        const err = await expectKind(fetch(get(`https://${host}:${trap.port}/admin`)), 'blocked');

        expect(err.message).toMatch(/not a public address|non-public address/);
        expect(trap.connections()).toBe(0);
        // IP literals must not even get a socket; `localhost` gets one whose lookup then refuses.
        expect(dialled.filter((h) => h !== 'localhost')).toEqual([]);
      },
    );

    it('refuses a hostname whose DNS answer is loopback (DNS rebinding)', async () => {
      const trap = await startTrap();
      const calls: string[] = [];
      const fetch = createGuardedFetch({ lookup: fakeLookup(answering('127.0.0.1'), calls) });

      const err = await expectKind(fetch(get(`https://api.brand.test:${trap.port}/v1`)), 'blocked');

      expect(err.message).toContain('api.brand.test resolves to a non-public address (127.0.0.1)');
      expect(calls).toEqual(['api.brand.test']);
      expect(trap.connections()).toBe(0);
    });

    it('refuses URLs with credentials without echoing them', async () => {
      const server = await startServer(ok);
      const fetch = createGuardedFetch({ allowHttpHosts: [server.hostPort] });

      const err = await expectKind(fetch(get(`http://admin:${SECRET}@${server.hostPort}/`)), 'blocked');

      expect(err.message).not.toContain(SECRET);
      expect(server.connections()).toBe(0);
    });

    it.each([
      'ftp://127.0.0.1:21/',
      'file:///etc/passwd',
      'data:text/plain,hi',
      'ws://127.0.0.1:80/',
      'gopher://127.0.0.1:70/',
      'not a url',
    ])('refuses %p', async (url) => {
      const calls: string[] = [];
      const fetch = createGuardedFetch({ lookup: forbiddenLookup(calls) });
      dialled.length = 0;

      await expectKind(fetch(get(url)), 'blocked');

      expect(calls).toEqual([]);
      expect(dialled).toEqual([]);
    });

    it('refuses header values that would inject lines, without echoing them', async () => {
      const server = await startServer(ok);
      const fetch = createGuardedFetch({ allowHttpHosts: [server.hostPort] });

      const err = await expectKind(fetch(get(server.origin, { headers: { 'X-Api-Key': `${SECRET}\r\nX-Admin: 1` } })), 'blocked');

      expect(err.message).toContain('x-api-key');
      expect(err.message).not.toContain(SECRET);
      expect(server.connections()).toBe(0);
    });
  });

  describe('redirects', () => {
    it.each([
      'https://169.254.169.254/latest/meta-data',
      'http://169.254.169.254/latest/meta-data',
      'https://[fd00:ec2::254]/latest/meta-data',
    ])('refuses a redirect to the metadata service (%s) before any lookup or connection', async (location) => {
      const server = await startServer(redirectTo(302, location));
      const calls: string[] = [];
      const fetch = createGuardedFetch({ allowHttpHosts: [server.hostPort], lookup: forbiddenLookup(calls) });
      dialled.length = 0;

      await expectKind(fetch(get(`${server.origin}/start`)), 'blocked');

      expect(calls).toEqual([]);
      expect(dialled).toEqual(['127.0.0.1']);
      expect(server.requests).toHaveLength(1);
    });

    it('refuses a redirect to a loopback port that is not allowlisted', async () => {
      const trap = await startTrap();
      for (const location of [
        `http://127.0.0.1:${trap.port}/`,
        `https://127.0.0.1:${trap.port}/`,
        `https://localhost:${trap.port}/`,
        `https://[::1]:${trap.port}/`,
      ]) {
        const server = await startServer(redirectTo(302, location));
        const fetch = createGuardedFetch({ allowHttpHosts: [server.hostPort] });

        await expectKind(fetch(get(server.origin)), 'blocked');
      }
      expect(trap.connections()).toBe(0);
    });

    it('refuses a redirect to a name that resolves to loopback', async () => {
      const trap = await startTrap();
      const server = await startServer(redirectTo(307, `https://rebind.brand.test:${trap.port}/`));
      const calls: string[] = [];
      const fetch = createGuardedFetch({
        allowHttpHosts: [server.hostPort],
        lookup: fakeLookup(answering('127.0.0.1'), calls),
      });

      await expectKind(fetch(get(server.origin)), 'blocked');

      expect(calls).toEqual(['rebind.brand.test']);
      expect(trap.connections()).toBe(0);
    });

    it('follows up to maxRedirects, relative locations included, and fails past that', async () => {
      const server = await startServer((req, res) => {
        const hop = Number(/^\/hop\/(\d+)$/.exec(req.url ?? '')?.[1] ?? Number.NaN);
        if (hop < 2) {
          res.writeHead(302, { location: `/hop/${hop + 1}` });
          res.end('moved');
        } else {
          res.writeHead(200);
          res.end(`arrived at ${hop}`);
        }
      });
      const within = createGuardedFetch({ allowHttpHosts: [server.hostPort], maxRedirects: 2 });
      const res = await within(get(`${server.origin}/hop/0`));
      expect(res.body).toBe('arrived at 2');
      expect(res.url).toBe(`${server.origin}/hop/2`);

      server.requests.length = 0;
      const tooFew = createGuardedFetch({ allowHttpHosts: [server.hostPort], maxRedirects: 1 });
      await expectKind(tooFew(get(`${server.origin}/hop/0`)), 'redirect');
      expect(server.requests.map((r) => r.url)).toEqual(['/hop/0', '/hop/1']);
    });

    it('stops an endless redirect loop at the default of 3', async () => {
      const server = await startServer(redirectTo(301, '/again'));
      const fetch = createGuardedFetch({ allowHttpHosts: [server.hostPort] });

      await expectKind(fetch(get(`${server.origin}/again`)), 'redirect');

      expect(server.requests).toHaveLength(4);
    });

    it.each([301, 302, 303])('turns a POST into a GET without body on %i', async (status) => {
      const server = await startServer((req, res, body, self) => {
        if (req.url === '/submit') redirectTo(status, `${self.origin}/result`)(req, res, body, self);
        else ok(req, res, body, self);
      });
      const fetch = createGuardedFetch({ allowHttpHosts: [server.hostPort] });

      const res = await fetch({
        method: 'POST',
        url: `${server.origin}/submit`,
        headers: { 'content-type': 'application/json', 'x-api-key': SECRET },
        body: '{"a":1}',
        timeoutMs: 5_000,
      });

      expect(res.url).toBe(`${server.origin}/result`);
      const final = server.requests[1];
      expect(final).toMatchObject({ method: 'GET', url: '/result', body: '' });
      expect(final?.headers['content-type']).toBeUndefined();
      expect(final?.headers['content-length']).toBeUndefined();
      // Same origin: credentials still go along.
      expect(final?.headers['x-api-key']).toBe(SECRET);
    });

    it.each([307, 308])('keeps the method and body on %i', async (status) => {
      const server = await startServer((req, res, body, self) => {
        if (req.url === '/submit') redirectTo(status, '/result')(req, res, body, self);
        else ok(req, res, body, self);
      });
      const fetch = createGuardedFetch({ allowHttpHosts: [server.hostPort] });

      const res = await fetch({
        method: 'PUT',
        url: `${server.origin}/submit`,
        headers: { 'content-type': 'application/json' },
        body: '{"a":1}',
        timeoutMs: 5_000,
      });

      expect(res.body).toBe('{"a":1}');
      expect(server.requests[1]).toMatchObject({ method: 'PUT', url: '/result', body: '{"a":1}' });
      expect(server.requests[1]?.headers['content-type']).toBe('application/json');
    });

    it('drops all but accept, user-agent and content-type on a cross-origin redirect', async () => {
      const target = await startServer(ok);
      const origin = await startServer(redirectTo(307, `${target.origin}/landing`));
      const fetch = createGuardedFetch({ allowHttpHosts: [origin.hostPort, target.hostPort] });

      await fetch({
        method: 'POST',
        url: `${origin.origin}/start`,
        headers: {
          Authorization: `Bearer ${SECRET}`,
          'X-Api-Key': SECRET,
          Cookie: `session=${SECRET}`,
          Accept: 'application/json',
          'User-Agent': 'callcard-test',
          'Content-Type': 'application/json',
        },
        body: '{}',
        timeoutMs: 5_000,
      });

      expect(origin.requests[0]?.headers).toMatchObject({ authorization: `Bearer ${SECRET}`, 'x-api-key': SECRET });
      const landed = target.requests[0]?.headers ?? {};
      expect(landed).toMatchObject({ accept: 'application/json', 'user-agent': 'callcard-test', 'content-type': 'application/json' });
      expect(landed.authorization).toBeUndefined();
      expect(landed['x-api-key']).toBeUndefined();
      expect(landed.cookie).toBeUndefined();
    });
  });

  describe('limits and failures', () => {
    it('rejects a body over the cap announced by content-length', async () => {
      const server = await startServer((_req, res) => {
        res.writeHead(200, { 'content-length': '2048' });
        res.end('x'.repeat(2048));
      });
      const fetch = createGuardedFetch({ allowHttpHosts: [server.hostPort] });

      await expectKind(fetch(get(server.origin, { maxResponseBytes: 1024 })), 'too_large');
      const exact = await fetch(get(server.origin, { maxResponseBytes: 2048 }));
      expect(exact.body).toHaveLength(2048);
    });

    it('aborts a streamed body as soon as it passes the cap', async () => {
      let closed!: () => void;
      const responseClosed = new Promise<void>((resolve) => {
        closed = resolve;
      });
      const server = await startServer((_req, res) => {
        res.writeHead(200, { 'content-type': 'text/plain' });
        // Endless: only the client giving up ends it.
        const timer = setInterval(() => res.write('y'.repeat(16 * 1024)), 2);
        res.on('close', () => {
          clearInterval(timer);
          closed();
        });
      });
      const fetch = createGuardedFetch({ allowHttpHosts: [server.hostPort] });

      const err = await expectKind(fetch(get(server.origin, { headers: { 'x-api-key': SECRET } })), 'too_large');

      expect(err.message).toContain('1048576');
      expect(err.message).not.toContain(SECRET);
      await responseClosed;
    });

    it('times out on a server that never answers, within the budget', async () => {
      const server = await startServer(() => undefined);
      const fetch = createGuardedFetch({ allowHttpHosts: [server.hostPort] });
      const started = Date.now();

      const err = await expectKind(fetch(get(server.origin, { timeoutMs: 300, headers: { authorization: SECRET } })), 'timeout');

      expect(Date.now() - started).toBeLessThan(1_500);
      expect(err.message).not.toContain(SECRET);
      expect(server.requests).toHaveLength(1);
    });

    it('counts the body in the budget', async () => {
      const server = await startServer((_req, res) => {
        res.writeHead(200);
        const timer = setInterval(() => res.write('.'), 50);
        res.on('close', () => clearInterval(timer));
      });
      const fetch = createGuardedFetch({ allowHttpHosts: [server.hostPort] });
      const started = Date.now();

      await expectKind(fetch(get(server.origin, { timeoutMs: 400 })), 'timeout');

      expect(Date.now() - started).toBeLessThan(1_500);
    });

    it('counts redirects in the budget', async () => {
      const server = await startServer((req, res) => {
        setTimeout(() => redirectTo(302, '/slow')(req, res, '', server), 150);
      });
      const fetch = createGuardedFetch({ allowHttpHosts: [server.hostPort], maxRedirects: 10 });
      const started = Date.now();

      await expectKind(fetch(get(`${server.origin}/slow`, { timeoutMs: 400 })), 'timeout');

      expect(Date.now() - started).toBeLessThan(1_500);
      expect(server.requests.length).toBeLessThanOrEqual(3);
    });

    it('times out while DNS never answers', async () => {
      const pending: Reply[] = [];
      const fetch = createGuardedFetch({ lookup: fakeLookup((_hostname, reply) => pending.push(reply)) });
      const started = Date.now();
      try {
        await expectKind(fetch(get('https://slow-dns.brand.test/', { timeoutMs: 300 })), 'timeout');
        expect(Date.now() - started).toBeLessThan(1_500);
        expect(pending).toHaveLength(1);
      } finally {
        // Let the abandoned socket fail now rather than keep jest waiting.
        pending.forEach((reply) => reply(Object.assign(new Error('gave up'), { code: 'EAI_AGAIN' })));
      }
    });

    it('reports a refused connection as network, without header values', async () => {
      const port = await freePort();
      const fetch = createGuardedFetch({ allowHttpHosts: [`127.0.0.1:${port}`] });

      const err = await expectKind(fetch(get(`http://127.0.0.1:${port}/`, { headers: { 'x-api-key': SECRET } })), 'network');

      expect(err.message).toContain('ECONNREFUSED');
      expect(err.message).not.toContain(SECRET);
      expect(err.cause).toMatchObject({ code: 'ECONNREFUSED' });
    });

    it('ignores HTTP(S)_PROXY in the environment', async () => {
      const proxy = await startTrap();
      const server = await startServer(ok);
      const names = ['HTTP_PROXY', 'HTTPS_PROXY', 'http_proxy', 'https_proxy', 'ALL_PROXY', 'NO_PROXY', 'no_proxy'];
      const saved = new Map(names.map((name) => [name, process.env[name]]));
      try {
        for (const name of names) {
          if (name.toLowerCase() === 'no_proxy') delete process.env[name];
          else process.env[name] = `http://127.0.0.1:${proxy.port}`;
        }
        const fetch = createGuardedFetch({ allowHttpHosts: [server.hostPort] });

        const res = await fetch(get(`${server.origin}/direct`));

        expect(res.status).toBe(200);
        expect(server.requests.map((r) => r.url)).toEqual(['/direct']);
        expect(proxy.connections()).toBe(0);
      } finally {
        for (const [name, value] of saved) {
          if (value === undefined) delete process.env[name];
          else process.env[name] = value;
        }
      }
    });
  });
});
