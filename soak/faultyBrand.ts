import http from 'node:http';
import { Webhook } from 'standardwebhooks';
import { closeServer, listen, readBody } from '../local/httpServer';

/**
 * The soak's brand API: the demo brand's routes (one-time codes, tickets, best sellers,
 * registrations, notifications) with faults injected per request. Which request gets which fault is
 * decided by the soak's seeded plan, looked up by the request's `Idempotency-Key` (callcard sends
 * `<jobId>#<blockId>`, stable across the card's retries and the job's redeliveries), so every fault is
 * aimed at one card of one customer turn and its expected outcome is known in advance.
 */

export const BRAND_FAULT_KINDS = ['http500', 'http429', 'slow', 'pastTimeout', 'reset', 'invalidJson', 'huge'] as const;
export type BrandFaultKind = (typeof BRAND_FAULT_KINDS)[number];

export interface BrandFault {
  kind: BrandFaultKind;
  /**
   * Every attempt gets the fault (the card ends on its failure path) rather than the first one only
   * (the card's retry succeeds). `slow`, `invalidJson` and `huge` ignore it: slow answers still come
   * in time, and the other two are not retryable.
   */
  persistent: boolean;
}

/** What the brand does for a fault kind (for the report). */
export const BRAND_FAULT_DESCRIPTIONS: Record<BrandFaultKind, string> = {
  http500: 'brand: 500',
  http429: 'brand: 429 with Retry-After: 1',
  slow: 'brand: slow, within the card timeout',
  pastTimeout: 'brand: answers past the card timeout',
  reset: 'brand: connection reset (TCP RST)',
  invalidJson: 'brand: 200 with invalid JSON',
  huge: 'brand: 200 with a 50 MB body',
};

/** Whether a card that meets this fault ends on its failure path (given callcard's retry rules). */
export function brandFaultFails(fault: BrandFault | undefined): boolean {
  if (!fault) return false;
  if (fault.kind === 'invalidJson' || fault.kind === 'huge') return true;
  if (fault.kind === 'slow') return false;
  return fault.persistent;
}

export interface FaultyBrandOptions {
  /** The workspace's Standard Webhooks secret: unsigned calls get 401, as a careful brand would answer. */
  signingSecret: string;
  /** The fault planned for a card call, by its Idempotency-Key. */
  faultFor: (idempotencyKey: string) => BrandFault | undefined;
  /** `slow` answers after this long (below the card timeout). */
  slowMs: number;
  /** `pastTimeout` answers after this long (above the card timeout). */
  lateMs: number;
}

export interface FaultyBrand {
  url: string;
  /** "host:port", for the executor's allowlist of plain-http hosts. */
  host: string;
  /** Faults served, by kind (each retry that met the fault again counts). */
  served(): Record<BrandFaultKind, number>;
  /** Requests received, by Idempotency-Key. */
  attempts(key: string): number;
  requestCount(): number;
  close(): Promise<void>;
}

const HUGE_BYTES = 50 * 1024 * 1024;
const CHUNK = Buffer.alloc(64 * 1024, 'x');

const TICKETS: Record<string, Array<{ id: string; title: string; validUntil: string; imageUrl: string }>> = {
  M001: [
    { id: 'T-1001', title: 'Taipei 101 Observatory', validUntil: '2026-12-31', imageUrl: 'https://picsum.photos/seed/t1001/600/400' },
    { id: 'T-1002', title: 'National Palace Museum', validUntil: '2026-10-31', imageUrl: 'https://picsum.photos/seed/t1002/600/400' },
    {
      id: 'T-1003',
      title: 'Jiufen Tea House Afternoon Set',
      validUntil: '2027-03-31',
      imageUrl: 'https://picsum.photos/seed/t1003/600/400',
    },
  ],
  M002: [],
};
export const SOAK_PHONES: Record<string, string> = { '0912345678': 'M001', '0922333444': 'M002' };
/** What the soak brand answers for a member verified by a one-time code. */
export const SOAK_MEMBER_NAMES: Record<string, string> = { M001: 'Chen Mei-Ling', M002: 'Wang Chih-Ming' };
/**
 * The one-time code the soak brand "texts" to a phone: known to the plan in advance (the soak checks
 * delivery and outcomes under faults; the demo brand's real rules, attempts and expiry are tested in
 * test/integration/personalData.test.ts).
 */
export const soakCode = (phone: string): string => phone.slice(-6).split('').reverse().join('');
export const SOAK_TICKET_TITLES: Record<string, string[]> = Object.fromEntries(
  Object.entries(TICKETS).map(([member, tickets]) => [member, tickets.map((t) => t.title)]),
);
export const SOAK_BEST_SELLERS = [
  {
    sku: 'PC-001',
    name: 'Pineapple Cake Gift Box',
    price: 450,
    imageUrl: 'https://picsum.photos/seed/pc001/600/400',
    url: 'https://shop.example.com/products/PC-001',
  },
  {
    sku: 'TEA-201',
    name: 'Alishan High Mountain Oolong',
    price: 680,
    imageUrl: 'https://picsum.photos/seed/tea201/600/400',
    url: 'https://shop.example.com/products/TEA-201',
  },
];

interface Answer {
  status: number;
  body: string;
  headers?: Record<string, string>;
}

const json = (status: number, body: unknown): Answer => ({ status, body: JSON.stringify(body) });

/** The brand's normal answer to a route. */
function route(method: string, path: string, body: string): Answer {
  if (method === 'GET' && path === '/best-sellers') return json(200, { items: SOAK_BEST_SELLERS });
  if (method === 'POST' && path === '/notify') return json(202, { queued: true });
  if (method === 'POST' && path === '/otp/send') return json(200, { sent: true, expiresInMinutes: 5 });
  if (method === 'POST' && path === '/otp/verify') {
    const phone = String(parse(body).phone ?? '').replace(/[\s-]/g, '');
    const memberId = SOAK_PHONES[phone];
    return memberId && String(parse(body).code ?? '') === soakCode(phone)
      ? json(200, { verified: true, memberId, name: SOAK_MEMBER_NAMES[memberId] })
      : json(422, { verified: false, error: 'wrong_code', attemptsLeft: 2 });
  }
  if (method === 'POST' && path === '/registrations') {
    const plan = String(parse(body).plan ?? '');
    return json(200, { status: plan === 'vip' ? 'full' : 'success' });
  }
  const tickets = /^\/members\/([^/]+)\/tickets$/.exec(path);
  if (method === 'GET' && tickets?.[1]) {
    const list = TICKETS[decodeURIComponent(tickets[1])];
    return list ? json(200, { memberId: tickets[1], tickets: list }) : json(404, { error: 'member not found' });
  }
  return json(404, { error: 'not found' });
}

function parse(body: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(body);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

function send(response: http.ServerResponse, answer: Answer): void {
  if (response.destroyed || response.writableEnded) return;
  response.writeHead(answer.status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(answer.body)),
    ...answer.headers,
  });
  response.end(answer.body);
}

/** 50 MB of a JSON-looking body, written as the client reads it; stops when the client hangs up. */
function sendHuge(response: http.ServerResponse, declareLength: boolean): void {
  response.writeHead(200, { 'content-type': 'application/json', ...(declareLength ? { 'content-length': String(HUGE_BYTES) } : {}) });
  let written = 0;
  const pump = (): void => {
    while (written < HUGE_BYTES && !response.destroyed) {
      written += CHUNK.length;
      if (!response.write(CHUNK)) {
        response.once('drain', pump);
        return;
      }
    }
    if (!response.destroyed) response.end();
  };
  response.on('error', () => undefined);
  pump();
}

export async function startFaultyBrand(options: FaultyBrandOptions): Promise<FaultyBrand> {
  const attempts = new Map<string, number>();
  const served = Object.fromEntries(BRAND_FAULT_KINDS.map((k) => [k, 0])) as Record<BrandFaultKind, number>;
  const webhook = new Webhook(options.signingSecret);
  let requests = 0;
  let hugeServed = 0;

  const server = http.createServer((request, response) => {
    response.on('error', () => undefined);
    void readBody(request, 1024 * 1024).then((bytes) => {
      requests += 1;
      const body = bytes?.toString('utf8') ?? '';
      const method = request.method ?? 'GET';
      const path = new URL(request.url ?? '/', 'http://brand').pathname;
      const headers = Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : (v ?? '')]));
      try {
        webhook.verify(body, headers);
      } catch {
        return send(response, json(401, { error: 'missing or invalid webhook-signature' }));
      }
      const key = headers['idempotency-key'] ?? '';
      const attempt = (attempts.get(key) ?? 0) + 1;
      attempts.set(key, attempt);
      const fault = options.faultFor(key);
      const normal = (): Answer => route(method, path, body);
      const applies = fault !== undefined && (fault.persistent || attempt === 1 || fault.kind === 'invalidJson' || fault.kind === 'huge');
      if (!fault || !applies) return send(response, normal());
      served[fault.kind] += 1;
      switch (fault.kind) {
        case 'http500':
          return send(response, json(500, { error: 'injected failure' }));
        case 'http429':
          return send(response, { ...json(429, { error: 'slow down' }), headers: { 'retry-after': '1' } });
        case 'slow':
          setTimeout(() => send(response, normal()), options.slowMs);
          return;
        case 'pastTimeout':
          setTimeout(() => send(response, normal()), options.lateMs);
          return;
        case 'reset':
          request.socket.resetAndDestroy();
          return;
        case 'invalidJson':
          return send(response, { status: 200, body: '{"items": [{"name": "half a respo' });
        case 'huge':
          hugeServed += 1;
          return sendHuge(response, hugeServed % 2 === 1);
      }
    });
  });
  // A reset or an abandoned 50 MB body ends in a socket error: expected here.
  server.on('connection', (socket) => socket.on('error', () => undefined));
  const port = await listen(server, 0);
  return {
    url: `http://127.0.0.1:${port}`,
    host: `127.0.0.1:${port}`,
    served: () => ({ ...served }),
    attempts: (key) => attempts.get(key) ?? 0,
    requestCount: () => requests,
    close: () => closeServer(server),
  };
}
