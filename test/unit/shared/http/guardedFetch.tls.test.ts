import crypto from 'node:crypto';
import type dns from 'node:dns';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import ipaddr from 'ipaddr.js';
import { OutboundError, createGuardedFetch } from '../../../../shared/http/guardedFetch';
import type { OutboundErrorKind, OutboundRequest } from '../../../../shared/http/guardedFetch';

// The https path of the guarded fetch against a loopback TLS server with a throwaway self-signed
// certificate for `api.brand.test`, which the fake lookup resolves to 127.0.0.1.

// ---------------------------------------------------------------------------------------------
// A self-signed certificate, made at run time so that no key is checked in and no openssl binary
// is needed: a minimal X.509 v3 certificate, DER-encoded by hand and signed with a fresh P-256 key.
// ---------------------------------------------------------------------------------------------

function der(tag: number, ...parts: Buffer[]): Buffer {
  const body = Buffer.concat(parts);
  const length =
    body.length < 0x80
      ? Buffer.from([body.length])
      : body.length < 0x100
        ? Buffer.from([0x81, body.length])
        : Buffer.from([0x82, body.length >> 8, body.length & 0xff]);
  return Buffer.concat([Buffer.from([tag]), length, body]);
}

const sequence = (...parts: Buffer[]): Buffer => der(0x30, ...parts);

function oid(dotted: string): Buffer {
  const [first = 0, second = 0, ...rest] = dotted.split('.').map(Number);
  const bytes = [first * 40 + second];
  for (const arc of rest) {
    const base128 = [arc & 0x7f];
    for (let value = arc >> 7; value > 0; value >>= 7) base128.unshift((value & 0x7f) | 0x80);
    bytes.push(...base128);
  }
  return der(0x06, Buffer.from(bytes));
}

function utcTime(date: Date): Buffer {
  const digits = date.toISOString().replace(/[-:T]/g, '').slice(2, 14);
  return der(0x17, Buffer.from(`${digits}Z`));
}

function selfSignedCertificate(dnsName: string): { key: string; cert: string } {
  const { privateKey, publicKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const ecdsaWithSha256 = sequence(oid('1.2.840.10045.4.3.2'));
  const name = sequence(der(0x31, sequence(oid('2.5.4.3'), der(0x0c, Buffer.from(dnsName)))));
  const serial = crypto.randomBytes(8);
  serial[0] = (serial[0] ?? 0) & 0x7f;
  const now = Date.now();
  const extensions = sequence(
    // basicConstraints CA:TRUE, as `openssl req -x509` would write, so it can be its own trust anchor.
    sequence(oid('2.5.29.19'), der(0x04, sequence(der(0x01, Buffer.from([0xff]))))),
    // subjectAltName: dNSName.
    sequence(oid('2.5.29.17'), der(0x04, sequence(der(0x82, Buffer.from(dnsName))))),
  );
  const tbs = sequence(
    der(0xa0, der(0x02, Buffer.from([2]))),
    der(0x02, serial),
    ecdsaWithSha256,
    name,
    sequence(utcTime(new Date(now - 3_600_000)), utcTime(new Date(now + 86_400_000))),
    name,
    publicKey.export({ type: 'spki', format: 'der' }),
    der(0xa3, extensions),
  );
  const signature = crypto.sign('sha256', tbs, privateKey);
  const certificate = sequence(tbs, ecdsaWithSha256, der(0x03, Buffer.from([0]), signature));
  const base64 = certificate.toString('base64').replace(/.{64}/g, '$&\n');
  return {
    key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    cert: `-----BEGIN CERTIFICATE-----\n${base64.trimEnd()}\n-----END CERTIFICATE-----\n`,
  };
}

const BRAND_HOST = 'api.brand.test';
const credentials = selfSignedCertificate(BRAND_HOST);

// ---------------------------------------------------------------------------------------------
// Safety net (as in guardedFetch.test.ts): only loopback literals and test names may be dialled.
// The tls.connect spy is also where the test certificate gets trusted, as an extra `ca`, while
// `trustTestCertificate` is on: the guarded fetch itself has no way to add a CA.
// ---------------------------------------------------------------------------------------------

const dialled: string[] = [];
let trustTestCertificate = true;

function checkDial(target: unknown): void {
  if (typeof target !== 'object' || target === null) throw new Error('test safety net: unexpected connect() form');
  const host = 'host' in target && typeof target.host === 'string' ? target.host : 'localhost';
  const loopback = net.isIP(host) !== 0 && ipaddr.process(host).range() === 'loopback';
  if (!loopback && host !== 'localhost' && !host.endsWith('.brand.test')) {
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
  jest.spyOn(tls, 'connect').mockImplementation((...args: unknown[]) => {
    const [options] = args;
    checkDial(options);
    if (args.length !== 1 || typeof options !== 'object' || options === null) {
      throw new Error('test safety net: unexpected tls.connect() form');
    }
    const trusted = trustTestCertificate ? { ...options, ca: [...tls.rootCertificates, credentials.cert] } : options;
    return realTlsConnect(trusted as tls.ConnectionOptions);
  });
});

afterAll(() => {
  jest.restoreAllMocks();
});

beforeEach(() => {
  trustTestCertificate = true;
  dialled.length = 0;
});

// ---------------------------------------------------------------------------------------------
// Server and helpers
// ---------------------------------------------------------------------------------------------

interface TlsServer {
  port: number;
  /** TCP connections accepted. */
  connections: () => number;
  /** Server names the clients sent (SNI), one per completed handshake. */
  serverNames: string[];
  paths: string[];
}

const openServers: https.Server[] = [];

afterEach(async () => {
  await Promise.all(
    openServers.splice(0).map(
      (server) =>
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    ),
  );
});

/** `oneShot`: each connection answers one request, then closes (close_notify and FIN) on the next, unanswered. */
async function startTlsServer({ oneShot = false } = {}): Promise<TlsServer> {
  let connections = 0;
  const served = new WeakSet<net.Socket>();
  const self: TlsServer = { port: 0, connections: () => connections, serverNames: [], paths: [] };
  const server = https.createServer({ key: credentials.key, cert: credentials.cert }, (req, res) => {
    self.paths.push(req.url ?? '');
    if (oneShot && served.has(req.socket)) {
      req.socket.end();
      return;
    }
    served.add(req.socket);
    // A little latency so concurrent callers really overlap.
    setTimeout(() => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('secure ok');
    }, 2);
  });
  server.on('connection', () => {
    connections += 1;
  });
  server.on('secureConnection', (socket: tls.TLSSocket) => {
    self.serverNames.push(typeof socket.servername === 'string' ? socket.servername : '');
  });
  openServers.push(server);
  self.port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      if (address === null || typeof address === 'string') reject(new Error('no port'));
      else resolve(address.port);
    });
  });
  return self;
}

/** A dns.lookup stand-in answering 127.0.0.1 for every name, in whichever shape was asked for. */
const loopbackLookup = ((_hostname: string, options: unknown, callback: unknown) => {
  const all = typeof options === 'object' && options !== null && 'all' in options && options.all === true;
  if (typeof callback !== 'function') throw new TypeError('lookup needs a callback');
  process.nextTick(() => {
    if (all) callback(null, [{ address: '127.0.0.1', family: 4 }]);
    else callback(null, '127.0.0.1', 4);
  });
}) as unknown as typeof dns.lookup;

function get(url: string, extra: Partial<OutboundRequest> = {}): OutboundRequest {
  return { method: 'GET', url, timeoutMs: 5_000, ...extra };
}

async function expectKind(promise: Promise<unknown>, kind: OutboundErrorKind): Promise<OutboundError> {
  try {
    await promise;
  } catch (err) {
    if (!(err instanceof OutboundError)) throw err;
    expect({ kind: err.kind, message: err.message }).toEqual({ kind, message: expect.any(String) });
    return err;
  }
  throw new Error('expected the request to fail');
}

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

const SECRET = 'sk_live_do_not_log_me';

// ---------------------------------------------------------------------------------------------

describe('createGuardedFetch over https', () => {
  it('connects by name, sends the name as SNI and checks the certificate against it', async () => {
    const server = await startTlsServer();
    const fetch = createGuardedFetch({ allowHttpHosts: [`${BRAND_HOST}:${server.port}`], lookup: loopbackLookup });

    const res = await fetch(get(`https://${BRAND_HOST}:${server.port}/v1/members?id=1`));

    expect(res).toMatchObject({ status: 200, body: 'secure ok', url: `https://${BRAND_HOST}:${server.port}/v1/members?id=1` });
    expect(server.serverNames).toEqual([BRAND_HOST]);
    expect(server.paths).toEqual(['/v1/members?id=1']);
    expect(dialled).toEqual([BRAND_HOST]);
  });

  it('reuses TLS connections: 100 sequential calls, then 100 calls from 20 callers', async () => {
    const server = await startTlsServer();
    const fetch = createGuardedFetch({ allowHttpHosts: [`${BRAND_HOST}:${server.port}`], lookup: loopbackLookup });
    const call = async (): Promise<void> => {
      expect((await fetch(get(`https://${BRAND_HOST}:${server.port}/`))).status).toBe(200);
    };

    for (let i = 0; i < 100; i += 1) await call();
    expect(server.connections()).toBeLessThanOrEqual(2);

    await callConcurrently(call, 100, 20);
    expect(server.connections()).toBeLessThanOrEqual(25);
    expect(server.paths).toHaveLength(200);
    expect(server.serverNames).toHaveLength(server.connections());
  });

  it('resends a GET that died unanswered on a reused TLS connection, on a new connection', async () => {
    const server = await startTlsServer({ oneShot: true });
    const fetch = createGuardedFetch({ allowHttpHosts: [`${BRAND_HOST}:${server.port}`], lookup: loopbackLookup });

    await fetch(get(`https://${BRAND_HOST}:${server.port}/first`));
    const res = await fetch(get(`https://${BRAND_HOST}:${server.port}/second`));

    expect(res.status).toBe(200);
    expect(server.paths).toEqual(['/first', '/second', '/second']);
    expect(server.connections()).toBe(2);
  });

  it('refuses a certificate it does not trust, as a network error without header values', async () => {
    trustTestCertificate = false;
    const server = await startTlsServer();
    const fetch = createGuardedFetch({ allowHttpHosts: [`${BRAND_HOST}:${server.port}`], lookup: loopbackLookup });

    const err = await expectKind(fetch(get(`https://${BRAND_HOST}:${server.port}/`, { headers: { 'x-api-key': SECRET } })), 'network');

    expect(err.message).toMatch(/SELF_SIGNED/);
    expect(err.message).not.toContain(SECRET);
    expect(server.paths).toEqual([]);
  });

  it('refuses a certificate issued for another name', async () => {
    const server = await startTlsServer();
    const other = `other.brand.test:${server.port}`;
    const fetch = createGuardedFetch({ allowHttpHosts: [other], lookup: loopbackLookup });

    const err = await expectKind(fetch(get(`https://${other}/`)), 'network');

    expect(err.message).toContain('ERR_TLS_CERT_ALTNAME_INVALID');
    expect(server.paths).toEqual([]);
  });

  it('never lends a pooled connection of an allowlisted entry to a request that is not allowlisted', async () => {
    const server = await startTlsServer();
    const fetch = createGuardedFetch({ allowHttpHosts: [`${BRAND_HOST}:${server.port}`], lookup: loopbackLookup });
    await fetch(get(`https://${BRAND_HOST}:${server.port}/`));
    expect(server.connections()).toBe(1);

    // Same address and port as the pooled connection, other names: each is checked as a new connection.
    const rebind = await expectKind(fetch(get(`https://rebind.brand.test:${server.port}/`)), 'blocked');
    expect(rebind.message).toContain('rebind.brand.test resolves to a non-public address (127.0.0.1)');
    await expectKind(fetch(get(`https://127.0.0.1:${server.port}/`)), 'blocked');
    await expectKind(fetch(get(`https://localhost:${server.port}/`)), 'blocked');

    expect(server.connections()).toBe(1);
    expect(server.paths).toEqual(['/']);
  });
});
