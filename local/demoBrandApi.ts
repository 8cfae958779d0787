import { randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import { z } from 'zod';
import { performance } from 'node:perf_hooks';
import { answerDelay, closeServer, listen, readBody } from './httpServer';
import { Webhook } from 'standardwebhooks';

/**
 * A small demo brand API: the brand's own HTTP API that the "Call an API" card calls. It plays a
 * travel/retail brand with member tickets, membership verified by a one-time code sent by SMS, a
 * best-seller list marketers can change without touching the bot, event registration and a
 * fire-and-forget notification target. Every request is recorded so tests can assert exactly what the
 * brand received; every SMS it "sends" is kept (`GET /sms`) instead of going to a phone.
 *
 * One-time codes, as a brand should run them: `POST /otp/send {phone}` answers the same for any
 * phone number (it never tells who is a member) and texts a 6-digit code to a member's phone, one
 * live code per phone (409 while one is live); `POST /otp/verify {phone, code}` answers
 * `{verified: true, memberId, name}` for the right code (used up then), 422 `wrong_code` with the
 * attempts left, 410 `expired` for a code past its 5 minutes, and after 3 wrong codes 423 `locked`
 * for a 5-minute cool-down (the live code is void; sending a new one waits too).
 *
 * Account linking, as a brand serves it to LINE and Messenger: a login page (`GET /link/login`, member
 * number and password) reached from the chat's button, with LINE's `linkToken` or Messenger's
 * `account_linking_token` and `redirect_uri`; a right password makes a nonce (random, single use, 10
 * minutes) remembered for the member, and redirects (302) to LINE's account-link dialog
 * (`?linkToken=…&nonce=…`) or to Messenger's `redirect_uri` (`&authorization_code=<nonce>`);
 * `POST /link/resolve {nonce}` (callcard's card) answers the member once: 404 unknown, 410 used or expired.
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
  /** Forget requests and restore the seed data (one-time codes and SMS too). */
  reset(): void;
  /** The SMS the brand "sent" (one-time codes), oldest first. */
  sms(): Sms[];
  /** The code in the last SMS to `phone` (digits only, as the brand normalises it), if one was sent. */
  lastCode(phone: string): string | undefined;
  /** Move the brand's clock forward (tests: a code expires, a cool-down ends). */
  advanceClock(ms: number): void;
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
  /** Told of every SMS the brand "sends" (`npm start` prints them: the demo member's phone is this terminal). */
  onSms?: (sms: Sms) => void;
  /** Where a LINE sign-in is sent back: LINE's account-link dialog. @default 'https://access.line.me/dialog/bot/accountLink' */
  lineAccountLinkUrl?: string;
  /**
   * The only places a Messenger sign-in is sent back to (`redirect_uri` must start with one: never an
   * open redirect). @default ['https://www.facebook.com/messenger_platform/account_linking/']
   */
  messengerRedirectPrefixes?: string[];
}

/** The demo members' passwords at the brand's login page (account linking). */
export const DEMO_MEMBER_PASSWORDS: Readonly<Record<string, string>> = { M001: 'oolong', M002: 'pineapple' };

/** How long a sign-in's nonce waits to be resolved, and it is good once. */
export const LINK_NONCE_TTL_MS = 10 * 60_000;

/** An SMS the demo brand "sent" instead of texting a phone. */
export interface Sms {
  to: string;
  text: string;
  at: string;
}

/** How long a one-time code lives, how many wrong codes lock a phone, and for how long. */
export const OTP_RULES = { ttlMs: 5 * 60_000, maxAttempts: 3, lockMs: 5 * 60_000 } as const;

const SEED_TICKETS: Record<string, Ticket[]> = {
  M001: [
    {
      id: 'T-1001',
      title: 'Taipei 101 Observatory',
      validUntil: '2026-12-31',
      imageUrl: 'https://picsum.photos/seed/t1001/600/400',
      status: 'unused',
    },
    {
      id: 'T-1002',
      title: 'National Palace Museum',
      validUntil: '2026-10-31',
      imageUrl: 'https://picsum.photos/seed/t1002/600/400',
      status: 'unused',
    },
    {
      id: 'T-1003',
      title: 'Jiufen Tea House Afternoon Set',
      validUntil: '2027-03-31',
      imageUrl: 'https://picsum.photos/seed/t1003/600/400',
      status: 'unused',
    },
    // Used tickets must never be offered to the customer again.
    {
      id: 'T-0999',
      title: 'Sun Moon Lake Cruise',
      validUntil: '2026-06-30',
      imageUrl: 'https://picsum.photos/seed/t0999/600/400',
      status: 'used',
    },
  ],
  M002: [],
};

/** Members' phone numbers (what the brand texts codes to), and who they are. */
const MEMBERS: Record<string, { name: string }> = { M001: { name: 'Chen Mei-Ling' }, M002: { name: 'Wang Chih-Ming' } };

const MEMBER_PHONES: Record<string, { memberId: string; name: string }> = {
  '0912345678': { memberId: 'M001', name: 'Chen Mei-Ling' },
  '0922333444': { memberId: 'M002', name: 'Wang Chih-Ming' },
};

export const SEED_BEST_SELLERS: BestSeller[] = [
  {
    sku: 'PC-001',
    name: '土鳳梨酥禮盒 (12入)',
    price: 450,
    imageUrl: 'https://picsum.photos/seed/pc001/600/400',
    url: 'https://shop.example.com/products/PC-001',
  },
  {
    sku: 'TEA-201',
    name: '阿里山高山烏龍茶 150g',
    price: 680,
    imageUrl: 'https://picsum.photos/seed/tea201/600/400',
    url: 'https://shop.example.com/products/TEA-201',
  },
  {
    sku: 'BT-330',
    name: '黑糖珍珠奶茶 DIY 組',
    price: 320,
    imageUrl: 'https://picsum.photos/seed/bt330/600/400',
    url: 'https://shop.example.com/products/BT-330',
  },
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
const otpSendBodySchema = z.object({ phone: z.string() });
const otpVerifyBodySchema = z.object({ phone: z.string(), code: z.string() });
const registrationBodySchema = z.object({
  name: z.string().trim().min(1),
  phone: z.string().trim().min(1),
  plan: z.string().trim().min(1),
});

interface Reply {
  status: number;
  body: unknown;
  /** Sent as text/plain (the body is a string), not JSON. */
  text?: boolean;
  /** Sent as text/html (the body is a string): the login page. */
  html?: boolean;
  /** A redirect's target. */
  location?: string;
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
  /** Idempotency-Key → the first answer of an OTP call, so a retried card neither texts twice nor spends an attempt twice. */
  otpReplies: Map<string, Reply>;
  /** Per phone (digits): its live code, the wrong codes against it, and a cool-down. */
  otp: Map<string, { code?: string; expiresAt?: number; expiredCode?: boolean; wrong: number; lockedUntil?: number }>;
  sms: Sms[];
  /** Sign-ins waiting to be resolved: nonce → the member, until when, whether resolved. */
  nonces: Map<string, { memberId: string; expiresAt: number; used: boolean }>;
  /** Added to Date.now() (advanceClock). */
  clockOffsetMs: number;
}

function newState(): BrandState {
  return {
    requests: [],
    bestSellers: SEED_BEST_SELLERS.map((item) => ({ ...item })),
    bestSellersUpdatedAt: new Date().toISOString(),
    seatsTaken: new Map(),
    nextRegistration: 1,
    registrationReplies: new Map(),
    otpReplies: new Map(),
    otp: new Map(),
    sms: [],
    nonces: new Map(),
    clockOffsetMs: 0,
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

const minutesLeft = (until: number, now: number) => Math.max(1, Math.ceil((until - now) / 60_000));

/** The phone's state with a lapsed code or cool-down cleared. */
function otpState(state: BrandState, phone: string, now: number) {
  const entry = state.otp.get(phone) ?? { wrong: 0 };
  if (entry.lockedUntil !== undefined && entry.lockedUntil <= now) {
    entry.lockedUntil = undefined;
    entry.wrong = 0;
  }
  if (entry.code !== undefined && entry.expiresAt !== undefined && entry.expiresAt <= now) {
    entry.code = undefined;
    entry.expiresAt = undefined;
    entry.expiredCode = true;
  }
  state.otp.set(phone, entry);
  return entry;
}

/** `POST /otp/send`: text a code to a member's phone; the same answer for any other number. */
function sendOtp(state: BrandState, body: string, onSms: ((sms: Sms) => void) | undefined): Reply {
  const { value, error } = readJsonBody(body, otpSendBodySchema);
  if (value === undefined) return error ?? json(400, { error: 'invalid body' });
  const phone = normalisePhone(value.phone);
  if (!/^\d{8,15}$/.test(phone)) return json(400, { error: 'not a phone number' });
  const now = Date.now() + state.clockOffsetMs;
  const entry = otpState(state, phone, now);
  if (entry.lockedUntil !== undefined)
    return json(423, { sent: false, error: 'locked', retryAfterMinutes: minutesLeft(entry.lockedUntil, now) });
  if (entry.code !== undefined && entry.expiresAt !== undefined)
    return json(409, { sent: false, error: 'code_already_sent', expiresInMinutes: minutesLeft(entry.expiresAt, now) });
  entry.code = String(randomInt(0, 1_000_000)).padStart(6, '0');
  entry.expiresAt = now + OTP_RULES.ttlMs;
  entry.expiredCode = false;
  entry.wrong = 0;
  const member = Object.hasOwn(MEMBER_PHONES, phone) ? MEMBER_PHONES[phone] : undefined;
  if (member) {
    const sms = {
      to: phone,
      text: `Formosa Travel & Shop: your verification code is ${entry.code}. It expires in 5 minutes. Never share it.`,
      at: new Date(now).toISOString(),
    };
    state.sms.push(sms);
    onSms?.(sms);
  }
  return json(200, { sent: true, expiresInMinutes: OTP_RULES.ttlMs / 60_000 });
}

/** `POST /otp/verify`: the member, for the phone's live code; a wrong code counts, 3 lock the phone. */
function verifyOtp(state: BrandState, body: string): Reply {
  const { value, error } = readJsonBody(body, otpVerifyBodySchema);
  if (value === undefined) return error ?? json(400, { error: 'invalid body' });
  const phone = normalisePhone(value.phone);
  const now = Date.now() + state.clockOffsetMs;
  const entry = otpState(state, phone, now);
  if (entry.lockedUntil !== undefined)
    return json(423, { verified: false, error: 'locked', retryAfterMinutes: minutesLeft(entry.lockedUntil, now) });
  if (entry.code === undefined && entry.expiredCode) return json(410, { verified: false, error: 'expired' });
  const member = Object.hasOwn(MEMBER_PHONES, phone) ? MEMBER_PHONES[phone] : undefined;
  if (entry.code !== undefined && member && timingSafeEqualText(value.code.trim(), entry.code)) {
    state.otp.delete(phone);
    return json(200, { verified: true, memberId: member.memberId, name: member.name });
  }
  entry.wrong += 1;
  if (entry.wrong >= OTP_RULES.maxAttempts) {
    entry.code = undefined;
    entry.expiresAt = undefined;
    entry.expiredCode = false;
    entry.lockedUntil = now + OTP_RULES.lockMs;
    return json(423, { verified: false, error: 'locked', retryAfterMinutes: minutesLeft(entry.lockedUntil, now) });
  }
  return json(422, { verified: false, error: 'wrong_code', attemptsLeft: OTP_RULES.maxAttempts - entry.wrong });
}

function timingSafeEqualText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/** A retried call (same Idempotency-Key) gets the first answer again: one SMS, one attempt counted. */
function once(replies: Map<string, Reply>, key: string | undefined, answer: () => Reply): Reply {
  const replay = key === undefined ? undefined : replies.get(key);
  if (replay !== undefined) return replay;
  const reply = answer();
  if (key !== undefined) replies.set(key, reply);
  return reply;
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
  return order === undefined
    ? json(404, { error: 'no such order' })
    : json(200, { ...order, items: order.items.map((item) => ({ ...item })) });
}

function headerValue(headers: Record<string, string>, name: string): string | undefined {
  return Object.hasOwn(headers, name) ? headers[name] : undefined;
}

/** Where a sign-in came from: LINE (its link token) or Messenger (its token and where to send the person back). */
type SignIn = { channel: 'line'; linkToken: string } | { channel: 'messenger'; accountLinkingToken: string; redirectUri: string };

function signInOf(params: URLSearchParams): SignIn | undefined {
  const linkToken = params.get('linkToken');
  if (linkToken) return { channel: 'line', linkToken };
  const accountLinkingToken = params.get('account_linking_token');
  const redirectUri = params.get('redirect_uri');
  if (accountLinkingToken && redirectUri) return { channel: 'messenger', accountLinkingToken, redirectUri };
  return undefined;
}

const escapeHtml = (value: string) => value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The brand's login page: member number and password, the chat's tokens carried in hidden fields. */
function loginPage(signIn: SignIn, status = 200, error?: string): Reply {
  const hidden =
    signIn.channel === 'line'
      ? { linkToken: signIn.linkToken }
      : { account_linking_token: signIn.accountLinkingToken, redirect_uri: signIn.redirectUri };
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Formosa Travel &amp; Shop: sign in</title></head>
<body><main><h1>Sign in to link your ${signIn.channel === 'line' ? 'LINE' : 'Messenger'} account</h1>
${error ? `<p role="alert">${escapeHtml(error)}</p>` : ''}<form method="post" action="/link/login">
${Object.entries(hidden)
  .map(([name, value]) => `<input type="hidden" name="${name}" value="${escapeHtml(value)}">`)
  .join('\n')}
<label>Member number <input name="memberId" autocomplete="username" required></label>
<label>Password <input name="password" type="password" autocomplete="current-password" required></label>
<button type="submit">Sign in</button>
</form></main></body></html>`;
  return { status, body: html, html: true };
}

/** `POST /link/login`: a right password makes a nonce for the member and sends the person back to the chat's dialog. */
function signIn(
  state: BrandState,
  body: string,
  options: Pick<DemoBrandApiOptions, 'lineAccountLinkUrl' | 'messengerRedirectPrefixes'>,
): Reply {
  const form = new URLSearchParams(body);
  const chat = signInOf(form);
  if (!chat) return { status: 400, body: "<!doctype html><p>This page is opened from the chat's sign-in button.</p>", html: true };
  if (
    chat.channel === 'messenger' &&
    !(options.messengerRedirectPrefixes ?? ['https://www.facebook.com/messenger_platform/account_linking/']).some((prefix) =>
      chat.redirectUri.startsWith(prefix),
    )
  ) {
    return { status: 400, body: '<!doctype html><p>Not a Messenger redirect.</p>', html: true };
  }
  const memberId = (form.get('memberId') ?? '').trim().toUpperCase();
  const expected = Object.hasOwn(DEMO_MEMBER_PASSWORDS, memberId) ? DEMO_MEMBER_PASSWORDS[memberId] : undefined;
  if (expected === undefined || !timingSafeEqualText(form.get('password') ?? '', expected))
    return loginPage(chat, 401, 'Wrong member number or password.');
  const nonce = randomBytes(18).toString('base64url');
  state.nonces.set(nonce, { memberId, expiresAt: Date.now() + state.clockOffsetMs + LINK_NONCE_TTL_MS, used: false });
  if (chat.channel === 'line') {
    const dialog = new URL(options.lineAccountLinkUrl ?? 'https://access.line.me/dialog/bot/accountLink');
    dialog.searchParams.set('linkToken', chat.linkToken);
    dialog.searchParams.set('nonce', nonce);
    return { status: 302, body: '', location: dialog.toString() };
  }
  const back = new URL(chat.redirectUri);
  back.searchParams.set('authorization_code', nonce);
  return { status: 302, body: '', location: back.toString() };
}

/** `POST /link/resolve {nonce}`: the member who signed in, once. */
function resolveNonce(state: BrandState, body: string): Reply {
  const { value, error } = readJsonBody(body, z.object({ nonce: z.string().min(1) }));
  if (value === undefined) return error ?? json(400, { error: 'invalid body' });
  const entry = state.nonces.get(value.nonce);
  if (!entry) return json(404, { error: 'unknown_nonce' });
  if (entry.used || entry.expiresAt <= Date.now() + state.clockOffsetMs) return json(410, { error: entry.used ? 'used' : 'expired' });
  entry.used = true;
  const member = Object.hasOwn(MEMBERS, entry.memberId) ? MEMBERS[entry.memberId] : undefined;
  return json(200, { memberId: entry.memberId, name: member?.name ?? entry.memberId });
}

/** Routes one recorded request. */
function route(
  state: BrandState,
  request: RecordedRequest,
  ordersApiKey: string,
  onSms?: (sms: Sms) => void,
  linking: Pick<DemoBrandApiOptions, 'lineAccountLinkUrl' | 'messengerRedirectPrefixes'> = {},
): Reply {
  const { pathname, searchParams } = new URL(request.path, 'http://brand');
  const key = `${request.method} ${pathname}`;
  if (key === 'GET /health') return json(200, { ok: true });
  if (key === 'GET /link/login') {
    const chat = signInOf(searchParams);
    return chat
      ? loginPage(chat)
      : { status: 400, body: "<!doctype html><p>This page is opened from the chat's sign-in button.</p>", html: true };
  }
  if (key === 'POST /link/login') return signIn(state, request.body, linking);
  if (key === 'POST /link/resolve') return resolveNonce(state, request.body);
  const idempotencyKey = headerValue(request.headers, 'idempotency-key');
  if (key === 'POST /otp/send') return once(state.otpReplies, idempotencyKey, () => sendOtp(state, request.body, onSms));
  if (key === 'POST /otp/verify') return once(state.otpReplies, idempotencyKey, () => verifyOtp(state, request.body));
  // The SMS stand-in: what the brand texted, as the member's phone would show it (local only).
  if (key === 'GET /sms') {
    const to = searchParams.get('to');
    return json(
      200,
      state.sms.filter((sms) => to === null || sms.to === normalisePhone(to)),
    );
  }
  if (key === 'GET /sms/code') {
    const code = lastCodeOf(state, normalisePhone(searchParams.get('to') ?? ''));
    return code === undefined ? json(404, { error: 'no code was sent to that number' }) : { status: 200, body: code, text: true };
  }
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

/** The code in the last SMS to `phone`. */
function lastCodeOf(state: BrandState, phone: string): string | undefined {
  const last = state.sms.filter((sms) => sms.to === phone).at(-1);
  return last ? /\b(\d{6})\b/.exec(last.text)?.[1] : undefined;
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
  const text = reply.text || reply.html ? String(reply.body) : JSON.stringify(reply.body);
  const type = reply.html ? 'text/html; charset=utf-8' : reply.text ? 'text/plain; charset=utf-8' : 'application/json; charset=utf-8';
  response.writeHead(reply.status, {
    'content-type': type,
    'content-length': Buffer.byteLength(text),
    ...(reply.location ? { location: reply.location } : {}),
  });
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
        const recorded: RecordedRequest = {
          method: request.method ?? 'GET',
          path: request.url ?? '/',
          headers: flattenHeaders(request.headers),
          body,
        };
        state.requests.push(recorded);
        // What a brand should do: refuse calls that do not prove they come from callcard.
        // The back office (a marketer replacing the best sellers) and health checks are not callcard's calls.
        // The SMS stand-in is the member's phone, not an API callcard calls.
        // The login page is the member's browser, not callcard.
        const fromCallcard =
          recorded.path !== '/health' &&
          !(recorded.method === 'PUT' && recorded.path === '/best-sellers') &&
          !(recorded.method === 'GET' && /^\/sms(\/code)?(\?|$)/.test(recorded.path)) &&
          !/^\/link\/login(\?|$)/.test(recorded.path);
        const answer =
          options.signingSecret && fromCallcard && !signedByCallcard(options.signingSecret, recorded)
            ? json(401, { error: 'missing or invalid webhook-signature' })
            : route(state, recorded, options.ordersApiKey ?? DEMO_ORDERS_API_KEY, options.onSms, options);
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
    sms: () => state.sms.map((sms) => ({ ...sms })),
    lastCode: (phone) => lastCodeOf(state, normalisePhone(phone)),
    advanceClock: (ms) => {
      state.clockOffsetMs += ms;
    },
  };
}
