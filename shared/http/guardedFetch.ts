import dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type { LookupFunction } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { Duplex } from 'node:stream';

/** The methods a "Call an API" card may use. */
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** One outbound call, as the caller wants it sent. */
export interface OutboundRequest {
  method: HttpMethod;
  url: string;
  /**
   * Header names are case-insensitive and sent lower-cased. Headers the transport owns (`host`,
   * `content-length`, `connection`, `transfer-encoding`, `accept-encoding`, ...) are dropped.
   */
  headers?: Record<string, string>;
  /** Already serialized. */
  body?: string;
  /** Total budget for the whole exchange, redirects and body included. */
  timeoutMs: number;
  /** Default 1 MiB (1_048_576). */
  maxResponseBytes?: number;
  /**
   * When set, the ports this request may reach besides 443, on its URL and on every redirect: any
   * other port is `blocked` (with `port` set) before connecting. Allow-listed http hosts are exempt.
   * Absent: any port (the channel APIs' fixed URLs). Cards pass their workspace's `allowedPorts`.
   */
  allowedPorts?: readonly number[];
  /**
   * Mutual TLS: the client certificate and key (PEM) presented to the URL's origin, and a CA bundle
   * (PEM) that pins the server's chain instead of the public roots. Never presented to another origin:
   * a cross-origin redirect drops it, as it drops credentials in headers. Connections with a client
   * certificate are pooled apart from all others.
   */
  tls?: { cert: string; key: string; ca?: string | undefined };
}

/** The final response, after redirects, with its body read in full. */
export interface OutboundResponse {
  status: number;
  /** Lower-case names; repeated headers joined with `', '`. */
  headers: Record<string, string>;
  /** The body decoded as UTF-8. No content coding is undone, which is why `accept-encoding` is never sent. */
  body: string;
  /** Final URL after redirects. */
  url: string;
  latencyMs: number;
}

/**
 * - `blocked`: the guard refused the request (scheme, credentials, non-public address, port not allowed, malformed header, ...).
 * - `timeout`: `timeoutMs` ran out.
 * - `network`: connection refused or reset, DNS or TLS failure.
 * - `too_large`: the response body exceeded `maxResponseBytes`.
 * - `redirect`: too many redirects, or an unusable `Location`.
 */
export type OutboundErrorKind = 'blocked' | 'timeout' | 'network' | 'too_large' | 'redirect';

/**
 * The only error a {@link GuardedFetch} rejects with for a request it could not complete.
 * Messages name the URL (without credentials or query string) but never a header value,
 * since headers routinely carry API keys; the original error is kept as `cause`.
 */
export class OutboundError extends Error {
  override readonly name = 'OutboundError';
  readonly kind: OutboundErrorKind;
  /** Set on a `blocked` refusal for the port: the one the request's `allowedPorts` does not allow. */
  readonly port?: number;

  constructor(kind: OutboundErrorKind, message: string, options?: { cause?: unknown; port?: number }) {
    super(message, options);
    this.kind = kind;
    if (options?.port !== undefined) this.port = options.port;
  }
}

/** How far the guard trusts the network. The defaults are the production settings. */
export interface OutboundPolicy {
  /** "host:port" entries (e.g. "127.0.0.1:4010") that may be called over plain http and may resolve to
   *  loopback/private addresses. Empty in production; the local stack allowlists its own stand-in servers. */
  allowHttpHosts?: string[];
  /** Default 3. */
  maxRedirects?: number;
  /** Injectable DNS lookup with the signature of node's dns.lookup (for tests); default dns.lookup. */
  lookup?: typeof dns.lookup;
}

/** Sends one request through the guard; rejects with {@link OutboundError}. */
export type GuardedFetch = (req: OutboundRequest) => Promise<OutboundResponse>;

const DEFAULT_MAX_RESPONSE_BYTES = 1_048_576;
const DEFAULT_MAX_REDIRECTS = 3;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
const REDIRECT_TO_GET_STATUSES = new Set([301, 302, 303]);
/** Whatever else a caller set may be a credential meant for the first origin only. */
const CROSS_ORIGIN_HEADERS = new Set(['accept', 'user-agent', 'content-type']);
/**
 * Framing and connection management belong to the transport; letting a card set them would allow
 * request smuggling or a different Host than the one the address check was done for. `accept-encoding`
 * is here because bodies are returned as text and nothing decompresses them.
 */
const TRANSPORT_HEADERS = new Set([
  'host',
  'content-length',
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
  'expect',
  'accept-encoding',
]);
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** Same rule node's http client enforces, checked first so the failure is a `blocked` that names only the header. */
const INVALID_HEADER_VALUE_CHAR = /[^\t\x20-\x7e\x80-\xff]/;
/** Methods that get `content-length: 0` when sent without a body. */
const PAYLOAD_METHODS = new Set<HttpMethod>(['POST', 'PUT', 'PATCH']);
/** Methods safe to send twice, so a request that died on a pooled socket the server had just closed may be resent. */
const IDEMPOTENT_METHODS = new Set<HttpMethod>(['GET', 'PUT', 'DELETE']);
/** What a write to, or a read from, a socket the peer already closed fails with ("socket hang up" is ECONNRESET). */
const STALE_SOCKET_CODES = new Set(['ECONNRESET', 'EPIPE']);
/**
 * Connection pool settings, per origin (host:port) and per Agent. 20 concurrent calls to one brand
 * origin keep 20 sockets open and reuse them; past maxSockets, calls queue for a socket (still
 * within their own timeout).
 */
const MAX_SOCKETS_PER_ORIGIN = 64;
const MAX_FREE_SOCKETS_PER_ORIGIN = 64;
const MAX_TOTAL_SOCKETS = 256;
/**
 * An idle pooled socket is closed after this long. Shorter than the 5 s idle timeout of node, uvicorn
 * and Apache defaults, so the client normally closes first rather than reusing a socket the server is
 * closing; a server that announces `Keep-Alive: timeout=N` is honoured (node closes at N - 1 s).
 */
const FREE_SOCKET_TIMEOUT_MS = 4_000;
/**
 * What is not public: the special-purpose ranges (IANA's registries, as ipaddr.js 2.5 lists them: a test
 * holds this to that library's `range() !== 'unicast'` over every range's edges and random addresses).
 * Node's BlockList matches an IPv4 rule against the IPv4-mapped IPv6 form too (`::ffff:127.0.0.1`).
 */
const NOT_PUBLIC = subnets(
  'ipv4',
  '0.0.0.0/8 255.255.255.255/32 224.0.0.0/4 169.254.0.0/16 127.0.0.0/8 100.64.0.0/10 10.0.0.0/8 172.16.0.0/12 192.168.0.0/16 192.0.0.0/24 192.0.2.0/24 192.88.99.0/24 198.18.0.0/15 198.51.100.0/24 203.0.113.0/24 240.0.0.0/4 192.175.48.0/24 192.31.196.0/24 192.52.193.0/24',
  'ipv6',
  '::/128 fe80::/10 ff00::/8 ::1/128 fc00::/7 fec0::/10 100::/64 ::ffff:0:0:0/96 64:ff9b::/96 64:ff9b:1::/48 2002::/16 2001::/23 2001:2::/48 2001:3::/32 2001:4:112::/48 2620:4f:8000::/48 2001:10::/28 2001:20::/28 2001:30::/28 5f00::/16 2001:db8::/32 3fff::/20',
);
/** Only 2000::/3 is allocated for global unicast (IPv4-compatible ::/96 and the like are not public). */
const GLOBAL_UNICAST_V6 = subnets('ipv6', '2000::/3');
/** IPv4-mapped IPv6 (`::ffff:a.b.c.d`): as public as its IPv4 address. */
const IPV4_MAPPED = subnets('ipv6', '::ffff:0:0/96');

function subnets(...families: string[]): net.BlockList {
  const list = new net.BlockList();
  for (let i = 0; i < families.length; i += 2) {
    const family = families[i] as 'ipv4' | 'ipv6';
    for (const cidr of (families[i + 1] ?? '').split(' ')) {
      const [address = '', prefix] = cidr.split('/');
      list.addSubnet(address, Number(prefix), family);
    }
  }
  return list;
}
const REDIRECT_BODY_DRAIN_BYTES = 64 * 1024;

/** Raised from inside the connect path, then recognised in the error chain to report `blocked`, not `network`. */
class BlockedAddressError extends Error {
  readonly code = 'ERR_OUTBOUND_BLOCKED_ADDRESS';

  constructor(message: string) {
    super(message);
    this.name = 'BlockedAddressError';
  }
}

/** Pure check used by the connect-time guard: true only for public unicast addresses. */
export function isPublicAddress(ip: string): boolean {
  // net.isIP is strict (no octal/hex/short IPv4 forms), so what it accepts is what a socket would dial.
  const family = net.isIP(ip);
  if (family === 0) return false;
  // A zone id (`fe80::1%eth0`) names an interface of this machine: only a link-local address has a use
  // for one, and no DNS answer carries it. Never public (BlockList read some spellings with one either way).
  if (ip.includes('%')) return false;
  try {
    if (family === 4) return !NOT_PUBLIC.check(ip, 'ipv4');
    return (GLOBAL_UNICAST_V6.check(ip, 'ipv6') || IPV4_MAPPED.check(ip, 'ipv6')) && !NOT_PUBLIC.check(ip, 'ipv6');
  } catch {
    return false;
  }
}

/**
 * Parse the comma-separated env value OUTBOUND_ALLOW_HTTP_HOSTS into allowHttpHosts.
 * Entries are normalised (lower case, canonical IP form); a malformed entry throws, since a typo
 * there would otherwise surface much later as a puzzling `blocked`.
 */
export function parseAllowHttpHosts(value: string | undefined): string[] {
  if (value === undefined) return [];
  const entries = value
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  return [...new Set(entries.map(normalizeHostPort))];
}

function normalizeHostPort(entry: string): string {
  const match = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(entry.trim());
  const host = match?.[1];
  const port = Number(match?.[2]);
  if (host === undefined || !Number.isInteger(port) || port < 1 || port > 65_535) {
    throw new Error(`invalid allowed http host "${entry}": expected host:port`);
  }
  let hostname: string;
  try {
    hostname = new URL(`http://${host}/`).hostname;
  } catch (cause) {
    throw new Error(`invalid allowed http host "${entry}": expected host:port`, { cause });
  }
  return `${hostname}:${port}`;
}

/** Same "host:port" shape as the normalised allowlist, brackets included for IPv6. */
function urlHostPort(url: URL): string {
  return `${url.hostname}:${url.port || defaultPort(url.protocol)}`;
}

function defaultPort(protocol: string): string {
  return protocol === 'https:' ? '443' : '80';
}

/** For messages: no credentials and no query string, which often carries keys. */
function describeUrl(url: URL): string {
  return `${url.origin}${url.pathname}`;
}

function stripBrackets(hostname: string): string {
  return hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
}

/**
 * Wraps a dns.lookup-style function so that it resolves every address of the name and fails with a
 * `blocked` error if any of them is not public. Because it runs inside the socket's own connect, the
 * address checked is the address dialled: a second DNS answer cannot swap in a private one.
 */
export function createGuardedLookup(base: LookupFunction): LookupFunction {
  return (hostname, options, callback) => {
    let settled = false;
    const onResolved = (err: NodeJS.ErrnoException | null, result: string | dns.LookupAddress[], family?: number): void => {
      if (settled) return;
      settled = true;
      if (err) {
        callback(err, []);
        return;
      }
      const addresses = Array.isArray(result) ? result : [{ address: result, family: family ?? net.isIP(result) }];
      const first = addresses[0];
      if (first === undefined) {
        const notFound: NodeJS.ErrnoException = new Error(`${hostname} has no address`);
        notFound.code = 'ENOTFOUND';
        callback(notFound, []);
        return;
      }
      // One private answer is enough to refuse: net may try the addresses in any order.
      const rejected = addresses.find((entry) => !isPublicAddress(entry.address));
      if (rejected !== undefined) {
        callback(new BlockedAddressError(`${hostname} resolves to a non-public address (${rejected.address})`), []);
        return;
      }
      if (options.all === true) callback(null, addresses);
      else callback(null, first.address, first.family);
    };
    const allOptions: dns.LookupAllOptions = { ...options, all: true };
    try {
      base(hostname, allOptions, onResolved);
    } catch (err) {
      const failed: NodeJS.ErrnoException = new Error(`lookup of ${hostname} failed`, { cause: err });
      failed.code = errorCode(err);
      onResolved(failed, []);
    }
  };
}

interface HopRequest {
  url: URL;
  method: HttpMethod;
  headers: Record<string, string>;
  body: string | undefined;
  tls?: OutboundRequest['tls'];
}

/** Connect options as an Agent hands them to createConnection. */
type ConnectOptions = http.ClientRequestArgs;
/** Picks the DNS lookup a new connection to host:port must use, or refuses the connection outright. */
type ConnectRoute = (options: ConnectOptions) => LookupFunction | BlockedAddressError;

/**
 * Both agents decide at connect time, on the host and port the socket is about to dial, which lookup
 * the socket uses. Pooled sockets are keyed by the Agent on host:port (and, for TLS, servername and
 * the TLS options), the same host:port the route is decided on, so a socket opened for an allowlisted
 * entry can only ever be handed to requests for that same entry. A reused socket was checked when it
 * was opened. Explicit agents also mean no proxy environment variable and no global agent ever apply.
 */
class GuardedHttpAgent extends http.Agent {
  constructor(
    private readonly route: ConnectRoute,
    options: http.AgentOptions,
  ) {
    super(options);
  }

  override createConnection(options: ConnectOptions, callback?: (err: Error | null, stream: Duplex) => void): Duplex | null | undefined {
    const lookup = this.route(options);
    if (lookup instanceof BlockedAddressError) return refuse(lookup, callback);
    // net.connect looked up at call time (as the https Agent does with tls.connect), not the
    // net.createConnection reference http.Agent captured at load, so a spy on net.connect sees every dial.
    return net.connect({ ...options, lookup } as net.NetConnectOpts);
  }
}

class GuardedHttpsAgent extends https.Agent {
  constructor(
    private readonly route: ConnectRoute,
    options: https.AgentOptions,
  ) {
    super(options);
  }

  override createConnection(options: ConnectOptions, callback?: (err: Error | null, stream: Duplex) => void): Duplex | null | undefined {
    const lookup = this.route(options);
    if (lookup instanceof BlockedAddressError) return refuse(lookup, callback);
    // The base class adds TLS session resumption, then calls tls.connect with these options:
    // certificate checks on, servername (SNI and identity check) set per request.
    return super.createConnection({ ...options, lookup });
  }
}

/** The Agent turns a createConnection callback error into an `error` on the request. */
function refuse(err: BlockedAddressError, callback: ((err: Error | null, stream: Duplex) => void) | undefined): undefined {
  if (callback === undefined) throw err;
  (callback as (err: Error) => void)(err);
  return undefined;
}

/**
 * Creates the single guarded outbound caller. Each one owns two keep-alive Agents (http and https),
 * so repeated calls to an origin reuse their TCP and TLS connections.
 */
export function createGuardedFetch(policy: OutboundPolicy = {}): GuardedFetch {
  const allowHttpHosts = new Set((policy.allowHttpHosts ?? []).map(normalizeHostPort));
  const maxRedirects = policy.maxRedirects ?? DEFAULT_MAX_REDIRECTS;
  if (!Number.isInteger(maxRedirects) || maxRedirects < 0) {
    throw new RangeError('maxRedirects must be a non-negative integer');
  }
  const baseLookup: LookupFunction = policy.lookup ?? dns.lookup;
  const guardedLookup = createGuardedLookup(baseLookup);

  const route: ConnectRoute = (options) => {
    const host = options.host ?? '';
    const hostPort = `${net.isIPv6(host) ? `[${host}]` : host}:${String(options.port)}`;
    if (allowHttpHosts.has(hostPort)) return baseLookup;
    // net skips lookup for IP literals, so the guarded lookup would never see them.
    if (net.isIP(host) !== 0 && !isPublicAddress(host)) return new BlockedAddressError(`${host} is not a public address`);
    return guardedLookup;
  };
  const agentOptions: http.AgentOptions = {
    keepAlive: true,
    // TCP keep-alive probes only after a minute idle: pooled sockets are closed long before that.
    keepAliveMsecs: 60_000,
    maxSockets: MAX_SOCKETS_PER_ORIGIN,
    maxFreeSockets: MAX_FREE_SOCKETS_PER_ORIGIN,
    maxTotalSockets: MAX_TOTAL_SOCKETS,
    // Most recently used first: the fewest sockets stay warm, and the one picked is the least likely to be stale.
    scheduling: 'lifo',
    timeout: FREE_SOCKET_TIMEOUT_MS,
  };
  const httpAgent = new GuardedHttpAgent(route, agentOptions);
  const httpsAgent = new GuardedHttpsAgent(route, agentOptions);

  /** Throws `blocked` unless the URL may be requested; run on the first URL and on every Location. */
  const checkTarget = (url: URL, allowedPorts: readonly number[] | undefined): void => {
    const where = describeUrl(url);
    if (url.username !== '' || url.password !== '') {
      throw new OutboundError('blocked', `${where}: URLs with credentials are not allowed`);
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      throw new OutboundError('blocked', `${url.protocol} URLs are not allowed, only https:`);
    }
    if (allowHttpHosts.has(urlHostPort(url))) return;
    if (url.protocol !== 'https:') {
      throw new OutboundError('blocked', `${where}: only https: is allowed`);
    }
    const port = Number(url.port || defaultPort(url.protocol));
    if (allowedPorts && port !== 443 && !allowedPorts.includes(port)) {
      throw new OutboundError('blocked', `${where}: port ${port} is not allowed`, { port });
    }
    const host = stripBrackets(url.hostname);
    if (net.isIP(host) !== 0 && !isPublicAddress(host)) {
      throw new OutboundError('blocked', `${where}: ${host} is not a public address`);
    }
  };

  /**
   * One request/response exchange, resolved once the status and headers are in. A request for an
   * idempotent method that fails on a reused socket before a single response byte arrived (the server
   * closed the idle connection as it was being reused) is sent once more, on a new connection.
   */
  const sendOnce = (hop: HopRequest, signal: AbortSignal, mayResend: boolean): Promise<http.IncomingMessage> =>
    new Promise((resolve, reject) => {
      const secure = hop.url.protocol === 'https:';
      const host = stripBrackets(hop.url.hostname);
      const headers = { ...hop.headers };
      if (hop.body !== undefined) headers['content-length'] = String(Buffer.byteLength(hop.body));
      else if (PAYLOAD_METHODS.has(hop.method)) headers['content-length'] = '0';
      const options: https.RequestOptions = {
        agent: secure ? httpsAgent : httpAgent,
        host,
        port: Number(hop.url.port || defaultPort(hop.url.protocol)),
        path: `${hop.url.pathname}${hop.url.search}`,
        method: hop.method,
        headers,
        signal,
      };
      // SNI and the certificate check use the URL's name; an IP literal sends no SNI.
      if (secure) options.servername = net.isIP(host) === 0 ? host : '';
      // The agent pools sockets by these options too, so a client certificate's connections are its own.
      if (secure && hop.tls)
        Object.assign(options, { cert: hop.tls.cert, key: hop.tls.key, ...(hop.tls.ca !== undefined ? { ca: hop.tls.ca } : {}) });

      let req: http.ClientRequest;
      try {
        req = secure ? https.request(options) : http.request(options);
      } catch (err) {
        reject(err);
        return;
      }
      let settled = false;
      let socket: Duplex | undefined;
      let bytesReadBefore = 0;
      req.once('socket', (assigned: Duplex) => {
        socket = assigned;
        bytesReadBefore = assigned instanceof net.Socket ? assigned.bytesRead : 0;
      });
      req.once('response', (res: http.IncomingMessage) => {
        settled = true;
        // Whoever reads the body listens for its errors; this one only keeps a stray error from being unhandled.
        res.on('error', ignore);
        resolve(res);
      });
      // Not `once`: a socket can report more than one error, and an unheard one would crash the process.
      req.on('error', (err) => {
        if (settled) return;
        settled = true;
        const stale =
          mayResend &&
          req.reusedSocket &&
          !signal.aborted &&
          IDEMPOTENT_METHODS.has(hop.method) &&
          STALE_SOCKET_CODES.has(errorCode(err) ?? '') &&
          (!(socket instanceof net.Socket) || socket.bytesRead === bytesReadBefore);
        if (!stale) {
          reject(err);
          return;
        }
        // The server's other idle connections to this origin are likely closing too: drop them so the
        // resend gets a new connection.
        const agent = secure ? httpsAgent : httpAgent;
        for (const idle of [...(agent.freeSockets[agent.getName(options)] ?? [])]) idle.destroy();
        resolve(sendOnce(hop, signal, false));
      });
      req.end(hop.body);
    });

  const send = async (hop: HopRequest, signal: AbortSignal): Promise<http.IncomingMessage> => {
    try {
      return await sendOnce(hop, signal, true);
    } catch (err) {
      throw toOutboundError(err, hop.url, signal);
    }
  };

  const readBody = async (res: http.IncomingMessage, url: URL, maxBytes: number, signal: AbortSignal): Promise<string> => {
    const tooLarge = (): OutboundError =>
      new OutboundError('too_large', `${describeUrl(url)}: response body is larger than ${maxBytes} bytes`);
    const declared = Number(res.headers['content-length']);
    if (Number.isFinite(declared) && declared > maxBytes) {
      abandon(res);
      throw tooLarge();
    }
    const chunks: Buffer[] = [];
    let size = 0;
    try {
      for await (const chunk of res) {
        const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
        size += buffer.length;
        if (size > maxBytes) {
          abandon(res);
          throw tooLarge();
        }
        chunks.push(buffer);
      }
    } catch (err) {
      throw toOutboundError(err, url, signal);
    }
    return Buffer.concat(chunks).toString('utf8');
  };

  const exchange = async (req: OutboundRequest, signal: AbortSignal, startedAt: number): Promise<OutboundResponse> => {
    const maxBytes = req.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
    let url: URL;
    try {
      url = new URL(req.url);
    } catch (cause) {
      // The raw string is not echoed: it cannot be stripped of credentials before it parses.
      throw new OutboundError('blocked', 'the request URL is not a valid absolute URL', { cause });
    }
    checkTarget(url, req.allowedPorts);
    let hop: HopRequest = {
      url,
      method: req.method,
      headers: prepareHeaders(req.headers ?? {}, url),
      body: req.body,
      ...(req.tls ? { tls: req.tls } : {}),
    };

    for (let redirects = 0; ; redirects += 1) {
      const res = await send(hop, signal);
      const status = res.statusCode ?? 0;
      const location = REDIRECT_STATUSES.has(status) ? res.headers.location : undefined;
      if (location === undefined) {
        const body = await readBody(res, hop.url, maxBytes, signal);
        return {
          status,
          headers: flattenHeaders(res.rawHeaders),
          body,
          url: hop.url.href,
          latencyMs: Math.round(performance.now() - startedAt),
        };
      }
      // Draining (rather than destroying) lets the keep-alive connection be reused.
      await drain(res, REDIRECT_BODY_DRAIN_BYTES);
      if (redirects >= maxRedirects) {
        throw new OutboundError('redirect', `${describeUrl(hop.url)}: more than ${maxRedirects} redirects`);
      }
      let next: URL;
      try {
        next = new URL(location, hop.url);
      } catch (cause) {
        throw new OutboundError('redirect', `${describeUrl(hop.url)}: redirect with an invalid Location`, { cause });
      }
      checkTarget(next, req.allowedPorts);
      hop = nextHop(hop, status, next);
    }
  };

  return async (req) => {
    const startedAt = performance.now();
    if (!Number.isFinite(req.timeoutMs) || req.timeoutMs <= 0) throw new RangeError('timeoutMs must be a positive number');
    if (req.maxResponseBytes !== undefined && !(req.maxResponseBytes >= 0)) {
      throw new RangeError('maxResponseBytes must be a non-negative number');
    }
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), req.timeoutMs);
    // The abort destroys the request (and its socket) at whatever stage it is, DNS and handshake
    // included; the deadline also races the whole exchange so nothing can outlive the budget.
    const deadline = new Promise<never>((_, reject) => {
      controller.signal.addEventListener(
        'abort',
        () => reject(new OutboundError('timeout', `${safeDescribe(req.url)}: no complete response within ${req.timeoutMs} ms`)),
        { once: true },
      );
    });
    try {
      return await Promise.race([exchange(req, controller.signal, startedAt), deadline]);
    } finally {
      clearTimeout(timer);
    }
  };
}

function safeDescribe(raw: string): string {
  try {
    return describeUrl(new URL(raw));
  } catch {
    return 'request';
  }
}

function nextHop(previous: HopRequest, status: number, url: URL): HopRequest {
  let { method, body, headers } = previous;
  if (REDIRECT_TO_GET_STATUSES.has(status)) {
    method = 'GET';
    body = undefined;
    headers = Object.fromEntries(Object.entries(headers).filter(([name]) => name !== 'content-type'));
  }
  if (url.origin !== previous.url.origin) {
    headers = Object.fromEntries(Object.entries(headers).filter(([name]) => CROSS_ORIGIN_HEADERS.has(name)));
    // The client certificate is for the first origin only, like its credentials.
    return { url, method, body, headers };
  }
  return { url, method, body, headers, ...(previous.tls ? { tls: previous.tls } : {}) };
}

function prepareHeaders(input: Record<string, string>, url: URL): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [rawName, value] of Object.entries(input)) {
    const name = rawName.toLowerCase();
    if (!HEADER_NAME.test(name)) {
      throw new OutboundError('blocked', `${describeUrl(url)}: invalid request header name`);
    }
    if (INVALID_HEADER_VALUE_CHAR.test(value)) {
      throw new OutboundError('blocked', `${describeUrl(url)}: request header "${name}" has characters not allowed in HTTP`);
    }
    if (TRANSPORT_HEADERS.has(name)) continue;
    headers[name] = value;
  }
  return headers;
}

/**
 * From the raw list rather than node's `headers`, which keeps only the first of a repeated
 * `content-type`, `server`, `etag`, ...: every repeat is kept, joined with `', '`.
 */
function flattenHeaders(raw: string[]): Record<string, string> {
  const flat: Record<string, string> = {};
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = (raw[i] ?? '').toLowerCase();
    const value = raw[i + 1] ?? '';
    const previous = flat[name];
    flat[name] = previous === undefined ? value : `${previous}, ${value}`;
  }
  return flat;
}

function ignore(): void {}

/** Stops reading and closes the connection; the abort error it raises on the stream is expected. */
function abandon(res: http.IncomingMessage): void {
  res.on('error', ignore);
  res.destroy();
}

/**
 * Reads and discards a body so its connection goes back to the pool; one longer than `limit`
 * closes the connection instead. Never rejects: a failed drain only costs the connection.
 */
function drain(res: http.IncomingMessage, limit: number): Promise<void> {
  return new Promise((resolve) => {
    let size = 0;
    const done = (): void => resolve();
    res.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        abandon(res);
        done();
      }
    });
    res.once('end', done);
    res.once('error', done);
    res.once('close', done);
  });
}

// Errors from node internals may come from another realm (vm contexts, jest), so these helpers
// look at shape rather than relying on `instanceof Error`.
function errorCode(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string') return err.code;
  return undefined;
}

function findBlocked(err: unknown): BlockedAddressError | undefined {
  let current: unknown = err;
  for (let depth = 0; depth < 5 && typeof current === 'object' && current !== null; depth += 1) {
    if (current instanceof BlockedAddressError) return current;
    // net's happy-eyeballs connect reports every failed address together.
    if ('errors' in current && Array.isArray(current.errors)) {
      const inner: unknown = current.errors.find((e) => e instanceof BlockedAddressError);
      if (inner instanceof BlockedAddressError) return inner;
    }
    current = 'cause' in current ? current.cause : undefined;
  }
  return undefined;
}

/** Only our own text and error codes go into the message: foreign messages are not vetted for secrets. */
function toOutboundError(err: unknown, url: URL, signal: AbortSignal): OutboundError {
  if (err instanceof OutboundError) return err;
  const where = describeUrl(url);
  if (signal.aborted) return new OutboundError('timeout', `${where}: timed out`, { cause: err });
  const blocked = findBlocked(err);
  if (blocked !== undefined) return new OutboundError('blocked', `${where}: ${blocked.message}`, { cause: err });
  const code = errorCode(err);
  if (code === 'ETIMEDOUT') {
    return new OutboundError('timeout', `${where}: timed out (${code})`, { cause: err });
  }
  return new OutboundError('network', `${where}: request failed${code === undefined ? '' : ` (${code})`}`, { cause: err });
}
