import http from 'node:http';
import { z } from 'zod';
import { performance } from 'node:perf_hooks';
import { answerDelay, closeServer, listen, readBody } from './httpServer';
import { Webhook } from 'standardwebhooks';

/**
 * A small demo brand API: the brand's own HTTP API that the "Call an API" card calls. It plays a
 * travel/retail brand with member tickets, phone verification, a best-seller list marketers can
 * change without touching the bot, event registration and a fire-and-forget notification target.
 * Every request is recorded so tests can assert exactly what the brand received.
 */

/** A product in the best-seller list. */
export interface BestSeller {
  sku: string;
  name: string;
  /** Price in New Taiwan dollars. */
  price: number;
  imageUrl: string;
  url: string;
}

/** A member's ticket. Only `unused` tickets are listed. */
export interface Ticket {
  id: string;
  title: string;
  /** ISO date (YYYY-MM-DD). */
  validUntil: string;
  imageUrl: string;
  status: 'unused' | 'used';
}

/** An order as `GET /orders/{id}` answers it (the "order status" template). */
export interface Order {
  id: string;
  status: 'processing' | 'shipped' | 'delivered';
  items: Array<{ name: string; qty: number; price: number; imageUrl: string }>;
}

/**
 * What `GET /orders/{id}` wants in `x-api-key` unless {@link DemoBrandApiOptions.ordersApiKey} says
 * otherwise; the seeded demo workspace holds it as the secret `ORDERS_API_KEY`.
 */
export const DEMO_ORDERS_API_KEY = 'demo-orders-key';

/** A request as the brand received it. */
export interface RecordedRequest {
  method: string;
  /** Path including the query string. */
  path: string;
  /** Lower-case header names; repeated headers joined with ", ". */
  headers: Record<string, string>;
  body: string;
}

/** A running demo brand API. */
export interface DemoBrandApi {
  url: string;
  close(): Promise<void>;
  /** Replace the best-seller list (what a marketer does in the brand's back office). */
  setBestSellers(items: BestSeller[]): void;
  /** Every request received, in order. */
  requests(): RecordedRequest[];
  /** Forget requests and restore the seed data. */
  reset(): void;
  /** TCP connections accepted so far (benchmarks: does the caller reuse its connections?). */
  connections(): number;
}

/** Options for {@link startDemoBrandApi}. */
export interface DemoBrandApiOptions {
  /** Port to listen on; a free one when omitted. */
  port?: number;
  /**
   * The workspace's Standard Webhooks secret (`whsec_...`): when set, every call must carry a valid
   * `webhook-signature`, or gets 401.
   */
  signingSecret?: string;
  /**
   * The key `GET /orders/{id}` requires in its `x-api-key` header (401 without it).
   * @default DEMO_ORDERS_API_KEY ('demo-orders-key')
   */
  ordersApiKey?: string;
  /** Answer every request this long after it arrived (benchmarks: the brand's own latency). @default 0 */
  latencyMs?: number;
  /** Told of every answered request, with when it arrived and was answered (performance.now()). */
  onAnswered?: (answer: { request: RecordedRequest; status: number; receivedAt: number; answeredAt: number }) => void;
}

const SEED_TICKETS: Record<string, Ticket[]> = {
  M001: [
    { id: 'T-1001', title: 'Taipei 101 Observatory', validUntil: '2026-12-31', imageUrl: 'https://picsum.photos/seed/t1001/600/400', status: 'unused' },
    { id: 'T-1002', title: 'National Palace Museum', validUntil: '2026-10-31', imageUrl: 'https://picsum.photos/seed/t1002/600/400', status: 'unused' },
    { id: 'T-1003', title: 'Jiufen Tea House Afternoon Set', validUntil: '2027-03-31', imageUrl: 'https://picsum.photos/seed/t1003/600/400', status: 'unused' },
    // Used tickets must never be offered to the customer again.
    { id: 'T-0999', title: 'Sun Moon Lake Cruise', validUntil: '2026-06-30', imageUrl: 'https://picsum.photos/seed/t0999/600/400', status: 'used' },
  ],
  M002: [],
};

const VERIFIED_PHONES: Record<string, string> = {
  '0912345678': 'M001',
  '0922333444': 'M002',
};

export const SEED_BEST_SELLERS: BestSeller[] = [
  { sku: 'PC-001', name: '土鳳梨酥禮盒 (12入)', price: 450, imageUrl: 'https://picsum.photos/seed/pc001/600/400', url: 'https://shop.example.com/products/PC-001' },
  { sku: 'TEA-201', name: '阿里山高山烏龍茶 150g', price: 680, imageUrl: 'https://picsum.photos/seed/tea201/600/400', url: 'https://shop.example.com/products/TEA-201' },
  { sku: 'BT-330', name: '黑糖珍珠奶茶 DIY 組', price: 320, imageUrl: 'https://picsum.photos/seed/bt330/600/400', url: 'https://shop.example.com/products/BT-330' },
];

/** The orders the "order status" template looks up; ids are matched ignoring case and surrounding spaces. */
export const SEED_ORDERS: readonly Order[] = [
  {
    id: 'A123',
    status: 'shipped',
    items: [
      { name: '土鳳梨酥禮盒 (12入)', qty: 2, price: 450, imageUrl: 'https://picsum.photos/seed/pc001/600/400' },
      { name: '阿里山高山烏龍茶 150g', qty: 1, price: 680, imageUrl: 'https://picsum.photos/seed/tea201/600/400' },
    ],
  },
  {
    id: 'B456',
    status: 'processing',
    items: [{ name: '黑糖珍珠奶茶 DIY 組', qty: 3, price: 320, imageUrl: 'https://picsum.photos/seed/bt330/600/400' }],
  },
];

/** Seats per registration plan; `vip` is always full so the "full" branch can be demonstrated. */
const SEED_SEATS: Record<string, number> = { vip: 0 };
const DEFAULT_SEATS = 100;

/** Local bodies are small; the cap only keeps a runaway client from exhausting memory. */
const MAX_BODY_BYTES = 1024 * 1024;

const bestSellerSchema = z.object({
  sku: z.string().min(1),
  name: z.string().min(1),
  price: z.number().nonnegative(),
  imageUrl: z.string().min(1),
  url: z.string().min(1),
});
const bestSellersBodySchema = z.object({ items: z.array(bestSellerSchema) });
const verifyBodySchema = z.object({ phone: z.string() });
const registrationBodySchema = z.object({
  name: z.string().trim().min(1),
  phone: z.string().trim().min(1),
  plan: z.string().trim().min(1),
});

interface Reply {
  status: number;
  body: unknown;
}

/** The brand's data and what it has received. */
interface BrandState {
  requests: RecordedRequest[];
  bestSellers: BestSeller[];
  bestSellersUpdatedAt: string;
  seatsTaken: Map<string, number>;
  nextRegistration: number;
  /** Idempotency-Key → the first answer, so a retried registration does not book twice. */
  registrationReplies: Map<string, Reply>;
}

function newState(): BrandState {
  return {
    requests: [],
    bestSellers: SEED_BEST_SELLERS.map((item) => ({ ...item })),
    bestSellersUpdatedAt: new Date().toISOString(),
    seatsTaken: new Map(),
    nextRegistration: 1,
    registrationReplies: new Map(),
  };
}

function json(status: number, body: unknown): Reply {
  return { status, body };
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    const value: unknown = JSON.parse(text);
    return { ok: true, value };
  } catch {
    return { ok: false };
  }
}

/** Human-readable zod problems, e.g. `plan: Invalid input: expected string, received undefined`. */
function describeIssues(error: z.ZodError): string {
  return error.issues.map((issue) => (issue.path.length > 0 ? `${issue.path.join('.')}: ${issue.message}` : issue.message)).join('; ');
}

/** Parses and checks a JSON body; the `error` is the 400 to send. */
function readJsonBody<T>(text: string, schema: z.ZodType<T>): { value?: T; error?: Reply } {
  const parsed = parseJson(text);
  if (!parsed.ok) return { error: json(400, { error: 'body must be JSON' }) };
  const result = schema.safeParse(parsed.value);
  if (!result.success) return { error: json(400, { error: describeIssues(result.error) }) };
  return { value: result.data };
}

/** A member's tickets that can still be used; used ones are never offered again. */
function listUnusedTickets(memberId: string): Reply {
  const tickets = Object.hasOwn(SEED_TICKETS, memberId) ? SEED_TICKETS[memberId] : undefined;
  if (tickets === undefined) return json(404, { error: 'member not found' });
  return json(200, { memberId, tickets: tickets.filter((ticket) => ticket.status === 'unused') });
}

/** Customers type phone numbers with spaces or dashes ("0912-345-678"); compare digits only. */
function normalisePhone(phone: string): string {
  return phone.replace(/[\s-]/g, '');
}

function verifyMember(body: string): Reply {
  const { value, error } = readJsonBody(body, verifyBodySchema);
  if (value === undefined) return error ?? json(400, { error: 'invalid body' });
  const phone = normalisePhone(value.phone);
  const memberId = Object.hasOwn(VERIFIED_PHONES, phone) ? VERIFIED_PHONES[phone] : undefined;
  return memberId === undefined ? json(404, { verified: false }) : json(200, { verified: true, memberId });
}

function bestSellers(state: BrandState): Reply {
  return json(200, { updatedAt: state.bestSellersUpdatedAt, items: state.bestSellers });
}

function replaceBestSellers(state: BrandState, items: BestSeller[]): void {
  state.bestSellers = items.map((item) => ({ ...item }));
  state.bestSellersUpdatedAt = new Date().toISOString();
}

function putBestSellers(state: BrandState, body: string): Reply {
  const { value, error } = readJsonBody(body, bestSellersBodySchema);
  if (value === undefined) return error ?? json(400, { error: 'invalid body' });
  replaceBestSellers(state, value.items);
  return bestSellers(state);
}

function register(state: BrandState, body: string, idempotencyKey: string | undefined): Reply {
  // A retried request with the same key gets the first answer again instead of a second booking.
  const replay = idempotencyKey === undefined ? undefined : state.registrationReplies.get(idempotencyKey);
  if (replay !== undefined) return replay;

  const { value, error } = readJsonBody(body, registrationBodySchema);
  if (value === undefined) return error ?? json(400, { error: 'invalid body' });
  const seats = Object.hasOwn(SEED_SEATS, value.plan) ? (SEED_SEATS[value.plan] ?? DEFAULT_SEATS) : DEFAULT_SEATS;
  const taken = state.seatsTaken.get(value.plan) ?? 0;
  let reply: Reply;
  if (taken >= seats) {
    reply = json(200, { status: 'full' });
  } else {
    state.seatsTaken.set(value.plan, taken + 1);
    reply = json(200, { status: 'success', registrationId: `R-${String(state.nextRegistration).padStart(6, '0')}` });
    state.nextRegistration += 1;
  }
  if (idempotencyKey !== undefined) state.registrationReplies.set(idempotencyKey, reply);
  return reply;
}

/** `GET /orders/{id}`: the order, for a caller with the orders key. */
function getOrder(request: RecordedRequest, segment: string, apiKey: string): Reply {
  if (headerValue(request.headers, 'x-api-key') !== apiKey) return json(401, { error: 'missing or wrong x-api-key' });
  const id = safeDecode(segment)?.trim().toUpperCase();
  const order = SEED_ORDERS.find((candidate) => candidate.id === id);
  return order === undefined ? json(404, { error: 'no such order' }) : json(200, { ...order, items: order.items.map((item) => ({ ...item })) });
}

function headerValue(headers: Record<string, string>, name: string): string | undefined {
  return Object.hasOwn(headers, name) ? headers[name] : undefined;
}

/** Routes one recorded request. */
function route(state: BrandState, request: RecordedRequest, ordersApiKey: string): Reply {
  const { pathname } = new URL(request.path, 'http://brand');
  const key = `${request.method} ${pathname}`;
  if (key === 'GET /health') return json(200, { ok: true });
  if (key === 'POST /members/verify') return verifyMember(request.body);
  if (key === 'GET /best-sellers') return bestSellers(state);
  if (key === 'PUT /best-sellers') return putBestSellers(state, request.body);
  if (key === 'POST /registrations') return register(state, request.body, headerValue(request.headers, 'idempotency-key'));
  if (key === 'POST /notify') return json(202, { queued: true });
  const tickets = /^\/members\/([^/]+)\/tickets$/.exec(pathname);
  if (request.method === 'GET' && tickets?.[1] !== undefined) {
    const memberId = safeDecode(tickets[1]);
    return memberId === undefined ? json(400, { error: 'invalid member id' }) : listUnusedTickets(memberId);
  }
  const order = /^\/orders\/([^/]+)$/.exec(pathname);
  if (request.method === 'GET' && order?.[1] !== undefined) return getOrder(request, order[1], ordersApiKey);
  return json(404, { error: 'not found' });
}

function safeDecode(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

/** node:http headers as a flat record (repeated headers joined, the way fetch presents them). */
function flattenHeaders(headers: http.IncomingHttpHeaders): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return flat;
}


function send(response: http.ServerResponse, reply: Reply): void {
  const text = JSON.stringify(reply.body);
  response.writeHead(reply.status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  response.end(text);
}

/** Standard Webhooks verification, as a brand would do it with the official library. */
function signedByCallcard(secret: string, request: RecordedRequest): boolean {
  try {
    new Webhook(secret).verify(request.body, request.headers);
    return true;
  } catch {
    return false;
  }
}

/** Starts the demo brand API on 127.0.0.1. */
export async function startDemoBrandApi(options: DemoBrandApiOptions = {}): Promise<DemoBrandApi> {
  let state = newState();
  const server = http.createServer((request, response) => {
    readBody(request, MAX_BODY_BYTES)
      .then((bytes) => {
        const body = bytes?.toString('utf8');
        if (body === undefined) return send(response, json(413, { error: 'body too large' }));
        const receivedAt = performance.now();
        const recorded: RecordedRequest = { method: request.method ?? 'GET', path: request.url ?? '/', headers: flattenHeaders(request.headers), body };
        state.requests.push(recorded);
        // What a brand should do: refuse calls that do not prove they come from callcard.
        // The back office (a marketer replacing the best sellers) and health checks are not callcard's calls.
        const fromCallcard = recorded.path !== '/health' && !(recorded.method === 'PUT' && recorded.path === '/best-sellers');
        const answer = options.signingSecret && fromCallcard && !signedByCallcard(options.signingSecret, recorded) ? json(401, { error: 'missing or invalid webhook-signature' }) : route(state, recorded, options.ordersApiKey ?? DEMO_ORDERS_API_KEY);
        return answerDelay(options.latencyMs).then(() => {
          send(response, answer);
          options.onAnswered?.({ request: recorded, status: answer.status, receivedAt, answeredAt: performance.now() });
        });
      })
      .catch(() => {
        if (!response.headersSent) send(response, json(500, { error: 'internal error' }));
      });
  });

  let connections = 0;
  server.on('connection', () => {
    connections += 1;
  });
  const port = await listen(server, options.port ?? 0);
  return {
    url: `http://127.0.0.1:${port}`,
    connections: () => connections,
    close: () => closeServer(server),
    setBestSellers: (items) => replaceBestSellers(state, items),
    requests: () => state.requests.map((request) => ({ ...request, headers: { ...request.headers } })),
    reset: () => {
      state = newState();
    },
  };
}


