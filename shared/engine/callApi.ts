import type { CallApiBlock, FailureReason } from '../flow/schema';
import {
  OutboundError,
  type GuardedFetch,
  type OutboundErrorKind,
  type OutboundRequest,
  type OutboundResponse,
} from '../http/guardedFetch';
import { SIGNING_SECRET_NAME, standardWebhookHeaders } from '../http/signRequest';
import { CALLBACK_URL_HEADER } from '../callbacks/callback';
import { resolvedMessageSchema, type ResolvedMessage } from '../messages/message';
import { evaluateCondition, renderText, renderUrl, renderValue, TemplateError, type TemplateContext } from '../templating/liquid';
import { connectCard, forEnvironment, type Connection, type Connections, type Environment } from '../connections/connection';
import type { OAuth2Tokens, TokenRequest } from '../connections/oauth2';
import { IN_FLIGHT_LEASE_SLACK_MS, RATE_CAP_MAX_WAIT_MS, type RateCap } from '../connections/rateCap';
import { allowedHostsOf, requestHost } from '../templating/secretHosts';
import { renderHeaderValue, secretReferences } from '../templating/secrets';
import { ConstantBackoff, ExponentialBackoff, halfJitterGenerator, handleWhenResult, retry, type IBackoff } from 'cockatiel';
import * as z from 'zod';
import { nullRecord } from '../flow/reservedKeys';
import { checkContract } from '../flow/contract';
import type { BrandBreakers } from './brandBreakers';
import type { CardCache } from './cardCache';

/** What a card's follow-up blocks see as `response`. */
export interface CardResponse {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

/**
 * `reason`: what the execution log says (`http_404`, `blocked`, `invalid_response: …`); `kind`: the
 * documented reason the flow sees as `failure.reason` and routes by (`onReason`).
 */
export type CardOutcome =
  | { ok: true; response: CardResponse; messages?: ResolvedMessage[]; attempts: number; warning?: string }
  | { ok: false; reason: string; kind: FailureReason; response?: CardResponse; attempts: number };

/** What the blocks after a failed card see as `failure`. */
export interface CardFailure {
  reason: FailureReason;
  /** The HTTP status, when an answer came. */
  status?: number;
  /** The attempts made, retries included (one the guard refused counts): 0 when none was (circuit open, a request that could not be built). */
  attempts: number;
}

/** The failure a failed outcome stands for, as the flow sees it. */
export function cardFailure(outcome: Extract<CardOutcome, { ok: false }>): CardFailure {
  return { reason: outcome.kind, ...(outcome.response ? { status: outcome.response.status } : {}), attempts: outcome.attempts };
}

/** The documented reason for an answer the card did not count as a success. */
export function httpFailureKind(status: number): FailureReason {
  return status >= 500 ? 'http_5xx' : status >= 400 ? 'http_4xx' : 'success_condition';
}

/** The documented reason for an outbound call that got no answer. */
function outboundFailureKind(kind: OutboundErrorKind | 'network'): FailureReason {
  switch (kind) {
    case 'timeout':
    case 'network':
    case 'too_large':
      return kind;
    case 'blocked':
    case 'redirect':
      return 'guard';
  }
}

/** One attempt, as the execution log records it (no header values, URL with secrets masked). */
export interface CardAttempt {
  method: string;
  url: string;
  status?: number;
  latencyMs: number;
  outcome: 'success' | 'failure';
  reason?: string;
  /** A success the card's contract only warns about (`onMismatch: "warn"`): `contract: <the first mismatch>`. */
  warning?: string;
  attempt: number;
  /** Which of its connection's environments the card called (a card naming a connection only). */
  environment?: Environment;
}

export interface CallApiDeps {
  fetch: GuardedFetch;
  onAttempt?: (attempt: CardAttempt) => Promise<void> | void;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
  /** Circuit breakers per workspace and origin (the executor's, per process); none in a dry run. */
  breakers?: BrandBreakers;
  /** Answers of cards with `cache`, per workspace (the executor's, per process); none in a dry run. */
  cache?: CardCache;
  /** Access tokens of OAuth 2.0 connections (the executor's, per process; the dry run's own). Required for a card calling one. */
  tokens?: OAuth2Tokens;
  /** The slots of rate-capped connections, fleet-wide. Required for a card calling one. */
  rateCap?: RateCap;
  /**
   * The workspace whose card this is: its cache entries and breakers are its own, never another's
   * (a workspace's answer was fetched with its secrets and signature; its failing card must not open
   * another's circuit). Required with `breakers` or `cache`.
   */
  workspaceId?: string;
}

export interface CallApiInput {
  block: CallApiBlock;
  context: TemplateContext;
  /**
   * The workspace's secrets, by name. Never in a template's context: `{{ secrets.NAME }}` in a header
   * value is replaced by the value after the header renders. Each secret's allowed hosts travel with
   * the record (`withAllowedHosts`, as the store reads them).
   */
  secrets: Record<string, string>;
  /** Stable across retries of the same job and card, so a retried POST is safe for the brand. */
  idempotencyKey: string;
  /** The customer's profile, sent as `customer` when the card asks for it. */
  profile?: Record<string, unknown>;
  /**
   * The ports the card's URL (and its redirects) may name besides 443: the workspace's settings.
   * None when left out. Any other port fails the card before connecting.
   */
  allowedPorts?: readonly number[];
  /** What is left of the customer message's budget (runTurn's TURN_BUDGET); none: only the card's own limits. */
  budget?: CardBudget;
  /** The workspace's connections, for a card that names one (`request.connection`); none: such a card fails with reason `config`. */
  connections?: Connections;
  /**
   * Which base URL (and credentials) of its connection a card calls: `production` for published flows
   * on channels (the default), `staging` for the console's Test and the simulator (production when the
   * connection has no staging).
   */
  environment?: Environment;
}

/**
 * What is left of the turn's budget when a card starts: the card ends within `remainingMs` (a timeout
 * that this cuts short fails with reason `budget`), and a card given `exhausted` is not called at all:
 * it fails with reason `budget` and that text in the execution log.
 */
export interface CardBudget {
  remainingMs: number;
  exhausted?: string;
}

/** The whole card, retries included, must finish inside this budget (Lambda and the customer wait). */
export const CARD_TIME_BUDGET_MS = 30_000;
/**
 * Calls a card with `retry: true` makes at most: the first and up to 3 retries, as many as fit in
 * {@link CARD_TIME_BUDGET_MS}. README ("Retries") and the console's `retry` label say this number.
 */
export const MAX_ATTEMPTS = 4;
const MAX_RESPONSE_BYTES = 1_048_576;

/**
 * Build the exact request a card sends: templated URL (values URL-encoded), headers (secrets put in
 * whole, never through Liquid), and a body whose structure comes from the admin, never from customer input.
 */
export async function buildCardRequest(
  input: Omit<CallApiInput, 'idempotencyKey'> & { idempotencyKey?: string },
): Promise<OutboundRequest & { timeoutMs: number }> {
  const { block, context } = input;
  const url = await renderUrl(block.request.url, context);
  const headers: Record<string, string> = { accept: 'application/json', 'user-agent': 'callcard/0.1' };
  for (const [name, template] of Object.entries(block.request.headers)) {
    headers[name.toLowerCase()] = await renderHeaderValue(template, context, input.secrets);
  }
  if (input.idempotencyKey) headers['idempotency-key'] = input.idempotencyKey;
  // A card waiting for a callback tells the brand where to send it (also `{{ callback.url }}` in its templates).
  const callback = context.callback;
  if (block.callback && isRecord(callback) && typeof callback.url === 'string') headers[CALLBACK_URL_HEADER] = callback.url;
  let body: string | undefined;
  const spec = block.request.body;
  if (spec.type === 'json' || (spec.type === 'none' && block.request.includeProfile)) {
    const value = spec.type === 'json' ? await renderJsonTemplate(spec.value, context) : {};
    const withProfile = block.request.includeProfile && isRecord(value) ? { ...value, customer: input.profile ?? {} } : value;
    body = JSON.stringify(withProfile);
    headers['content-type'] ??= 'application/json';
  } else if (spec.type === 'form') {
    const form = new URLSearchParams();
    for (const [name, template] of Object.entries(spec.fields)) form.append(name, await renderText(template, context));
    body = form.toString();
    headers['content-type'] ??= 'application/x-www-form-urlencoded';
  }
  return {
    method: block.request.method,
    url,
    headers,
    ...(body !== undefined ? { body } : {}),
    timeoutMs: block.timeoutMs,
    maxResponseBytes: MAX_RESPONSE_BYTES,
  };
}

/**
 * A JSON payload template: only string leaves are templates, so a customer's answer can never add
 * keys or close a string; a leaf that is exactly one variable keeps that variable's type.
 */
export async function renderJsonTemplate(value: unknown, context: TemplateContext): Promise<unknown> {
  if (typeof value === 'string') return renderValue(value, context);
  if (Array.isArray(value)) return Promise.all(value.map((item) => renderJsonTemplate(item, context)));
  if (isRecord(value)) {
    // Without a prototype, so that every key is the body's own (flows refuse the reserved names anyway).
    const out = nullRecord<unknown>();
    for (const [key, item] of Object.entries(value)) out[key] = await renderJsonTemplate(item, context);
    return out;
  }
  return value;
}

/** Run a Call an API card: the request, retries within the budget, and the success decision. */
export async function executeCallApi(given: CallApiInput, givenDeps: CallApiDeps): Promise<CardOutcome> {
  // A card naming a connection runs with its base URL and credentials in place, and every attempt
  // says which environment it called.
  const connected = connectCard(given.block, given.connections ?? {}, given.environment ?? 'production');
  if (!connected.ok) {
    await givenDeps.onAttempt?.({
      method: given.block.request.method,
      url: given.block.request.url,
      latencyMs: 0,
      outcome: 'failure',
      reason: `config: ${connected.reason}`,
      attempt: 1,
    });
    return { ok: false, reason: `config: ${connected.reason}`, kind: 'config', attempts: 0 };
  }
  const input: CallApiInput = { ...given, block: connected.block };
  const { environment } = connected;
  const oauth2 =
    connected.connection?.config.auth.type === 'oauth2ClientCredentials'
      ? { name: connected.connection.name, auth: connected.connection.config.auth }
      : undefined;
  const deps: CallApiDeps =
    environment && givenDeps.onAttempt
      ? { ...givenDeps, onAttempt: (attempt) => givenDeps.onAttempt?.({ ...attempt, environment }) }
      : givenDeps;
  const now = deps.now ?? Date.now;
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const started = now();
  const ownLimit = input.block.retry ? CARD_TIME_BUDGET_MS : Math.min(CARD_TIME_BUDGET_MS, input.block.timeoutMs);
  const budgetMs = input.budget ? Math.max(0, input.budget.remainingMs) : Infinity;
  let deadline = started + Math.min(ownLimit, budgetMs);
  let request: OutboundRequest;
  try {
    request = await buildCardRequest(input);
  } catch (error) {
    // TemplateError messages never quote a value (see templating/liquid.ts).
    return {
      ok: false,
      reason: `template: ${error instanceof TemplateError ? error.message : 'the request could not be built'}`,
      kind: 'config',
      attempts: 0,
    };
  }
  const maskedUrl = maskUrl(request.url, input.secrets);
  if (input.budget?.exhausted !== undefined || budgetMs <= 0) {
    // The customer message spent its budget: the brand is not called, and the log says why.
    const reason = input.budget?.exhausted ?? BUDGET_TIME_REASON;
    await deps.onAttempt?.({ method: request.method, url: maskedUrl, latencyMs: 0, outcome: 'failure', reason, attempt: 1 });
    return { ok: false, reason, kind: 'budget', attempts: 0 };
  }
  // A secret goes only to the hosts it is bound to: checked before connecting, so a flow edit cannot
  // send the brand's key elsewhere. (The guarded caller drops such headers on a cross-origin redirect.)
  const refused = secretHostRefusal(input.block, request.url, input.secrets);
  if (refused) {
    await deps.onAttempt?.({ method: request.method, url: maskedUrl, latencyMs: 0, outcome: 'failure', reason: refused, attempt: 1 });
    return { ok: false, reason: refused, kind: 'guard', attempts: 1 };
  }
  if ((deps.cache || deps.breakers) && deps.workspaceId === undefined)
    throw new Error('a card run with a cache or breakers names its workspace');
  const workspaceId = deps.workspaceId ?? '';
  const cacheSpec = deps.cache ? input.block.cache : undefined;
  const cacheKey = cacheSpec ? deps.cache?.key(workspaceId, request, input.block) : undefined;
  const cached = cacheKey !== undefined ? deps.cache?.get(cacheKey, now()) : undefined;
  if (cacheSpec && cached && now() - cached.storedAt < cacheSpec.ttlSeconds * 1000) {
    // Fresh: the brand is not called.
    await deps.onAttempt?.({
      method: request.method,
      url: maskedUrl,
      status: cached.response.status,
      latencyMs: 0,
      outcome: 'success',
      reason: 'cache_hit',
      attempt: 1,
    });
    return { ok: true, response: cached.response, ...(cached.messages ? { messages: cached.messages } : {}), attempts: 0 };
  }
  // A connection with OAuth 2.0 client credentials: the card carries its access token (asked for
  // once, shared, renewed before it expires); the cache key above is made without it.
  let tokenRequest: TokenRequest | undefined;
  let authorized = request;
  const tls = connected.connection?.config.tls;
  if (tls) {
    // Mutual TLS: the client certificate and key (and a pinned CA) from the workspace's secrets, each
    // bound to the host it is presented to.
    const pem = clientCertificate(tls, environment ?? 'production', input.secrets, request.url);
    if (!pem.ok) {
      await deps.onAttempt?.({ method: request.method, url: maskedUrl, latencyMs: 0, outcome: 'failure', reason: pem.reason, attempt: 1 });
      return { ok: false, reason: pem.reason, kind: pem.kind, attempts: 0 };
    }
    authorized = { ...authorized, tls: pem.tls };
  }
  if (oauth2) {
    if (!deps.tokens || deps.workspaceId === undefined)
      throw new Error('a card calling an OAuth 2.0 connection runs with a token source and its workspace');
    tokenRequest = {
      workspaceId: deps.workspaceId,
      connection: oauth2.name,
      environment: environment ?? 'production',
      auth: oauth2.auth,
      secrets: input.secrets,
      allowedPorts: input.allowedPorts ?? [],
      timeoutMs: Math.max(1, Math.min(input.block.timeoutMs, deadline - now())),
    };
    const token = await deps.tokens.token(tokenRequest);
    if (!token.ok) {
      await deps.onAttempt?.({
        method: request.method,
        url: maskedUrl,
        latencyMs: 0,
        outcome: 'failure',
        reason: token.reason,
        attempt: 1,
      });
      return { ok: false, reason: token.reason, kind: token.kind, attempts: 0 };
    }
    authorized = withBearer(authorized, token.accessToken);
  }
  // A rate-capped connection: the first attempt waits for a slot (up to RATE_CAP_MAX_WAIT_MS, not
  // counted in the card's time), each later attempt for one within the card's time. Capped in flight,
  // an attempt holds a lease from its slot until it ends (`giveBack`, also once the card is done).
  const cap = connected.connection?.config.rateCap;
  const capped =
    cap && connected.connection ? { name: connected.connection.name, perSecond: cap.perSecond, inFlight: cap.inFlight } : undefined;
  let takeSlot: (() => Promise<boolean>) | undefined;
  let giveBack: (() => Promise<void>) | undefined;
  if (capped) {
    const rateCap = deps.rateCap;
    if (!rateCap || deps.workspaceId === undefined)
      throw new Error('a card calling a rate-capped connection runs with a rate cap and its workspace');
    const workspace = deps.workspaceId;
    // A lease lapses by itself after the longest an attempt may hold it: its per-second wait, its timeout, and some slack.
    const holdMs = (capped.perSecond !== undefined ? RATE_CAP_MAX_WAIT_MS : 0) + input.block.timeoutMs + IN_FLIGHT_LEASE_SLACK_MS;
    let lease: number | undefined;
    const release = async () => {
      if (lease === undefined) return;
      const id = lease;
      lease = undefined;
      await rateCap.leave(workspace, capped.name, id);
    };
    giveBack = release;
    // A lease in flight first (held while the per-second slot comes), then the second's slot.
    const slot = async (until: number): Promise<{ ok: true; waitedMs: number } | { ok: false; full: string }> => {
      const asked = now();
      if (capped.inFlight !== undefined) {
        const entered = await rateCap.enter(workspace, capped.name, capped.inFlight, holdMs, until);
        if (!entered.ok) return { ok: false, full: `no slot in flight at the brand (${capped.inFlight} at once)` };
        lease = entered.id;
      }
      if (capped.perSecond !== undefined && !(await rateCap.take(workspace, capped.name, capped.perSecond, until)).ok) {
        await release();
        return { ok: false, full: `no slot at the brand (${capped.perSecond} a second)` };
      }
      return { ok: true, waitedMs: now() - asked };
    };
    const first = await slot(now() + RATE_CAP_MAX_WAIT_MS);
    if (!first.ok) {
      const reason = `rate cap: ${first.full} within ${RATE_CAP_MAX_WAIT_MS / 1000} s`;
      await deps.onAttempt?.({ method: request.method, url: maskedUrl, latencyMs: 0, outcome: 'failure', reason, attempt: 1 });
      return { ok: false, reason, kind: 'timeout', attempts: 0 };
    }
    deadline += first.waitedMs;
    let held = true;
    takeSlot = async () => {
      if (held) {
        held = false;
        return true;
      }
      return (await slot(deadline)).ok;
    };
  }
  const call = async () => {
    const first = await attemptCall(
      input,
      authorized,
      maskedUrl,
      { at: deadline, byBudget: budgetMs < ownLimit, takeSlot, giveBack },
      deps,
      now,
      sleep,
    );
    // The brand refused the token (revoked, or its keys rotated before it expired): a new one, once.
    if (!tokenRequest || !deps.tokens || first.outcome.ok || first.outcome.response?.status !== 401 || deadline - now() < 100) return first;
    const renewed = await deps.tokens.token(
      { ...tokenRequest, timeoutMs: Math.max(1, Math.min(input.block.timeoutMs, deadline - now())) },
      { fresh: true },
    );
    if (!renewed.ok) {
      // The token endpoint refused the new one (its client secret changed, say): that is why the card failed.
      await deps.onAttempt?.({
        method: request.method,
        url: maskedUrl,
        latencyMs: 0,
        outcome: 'failure',
        reason: renewed.reason,
        attempt: first.outcome.attempts + 1,
      });
      return {
        outcome: { ok: false as const, reason: renewed.reason, kind: renewed.kind, attempts: first.outcome.attempts },
        brandFailed: false,
      };
    }
    authorized = withBearer(authorized, renewed.accessToken);
    return attemptCall(
      input,
      authorized,
      maskedUrl,
      { at: deadline, byBudget: budgetMs < ownLimit, takeSlot, giveBack },
      deps,
      now,
      sleep,
      first.outcome.attempts + 1,
    );
  };
  let outcome: CardOutcome;
  let brandDown: boolean;
  try {
    if (deps.breakers) {
      const run = await deps.breakers.run(workspaceId, request.url, call);
      if (run.open) {
        // Fails fast: no connection is made while the workspace's circuit for the origin is open.
        await deps.onAttempt?.({
          method: request.method,
          url: maskedUrl,
          latencyMs: 0,
          outcome: 'failure',
          reason: 'circuit_open',
          attempt: 1,
        });
        outcome = { ok: false, reason: 'circuit_open', kind: 'circuit_open', attempts: 0 };
        brandDown = true;
      } else {
        ({ outcome, brandFailed: brandDown } = run.result);
      }
    } else {
      ({ outcome, brandFailed: brandDown } = await call());
    }
  } finally {
    // A lease in flight taken for an attempt that never ran (an open circuit) or left held by one that threw.
    await giveBack?.();
  }
  if (!cacheSpec || !cacheKey || !deps.cache) return outcome;
  if (outcome.ok) {
    const keepForMs = (cacheSpec.ttlSeconds + (cacheSpec.staleIfErrorSeconds ?? 0)) * 1000;
    deps.cache.set(cacheKey, { response: outcome.response, ...(outcome.messages ? { messages: outcome.messages } : {}) }, now(), keepForMs);
    return outcome;
  }
  const staleFor = (cacheSpec.ttlSeconds + (cacheSpec.staleIfErrorSeconds ?? 0)) * 1000;
  if (brandDown && cached && now() - cached.storedAt < staleFor) {
    await deps.onAttempt?.({
      method: request.method,
      url: maskedUrl,
      status: cached.response.status,
      latencyMs: 0,
      outcome: 'success',
      reason: 'stale_if_error',
      attempt: (outcome.attempts || 1) + 1,
    });
    return { ok: true, response: cached.response, ...(cached.messages ? { messages: cached.messages } : {}), attempts: outcome.attempts };
  }
  return outcome;
}

/**
 * The card's attempts, retries within the budget. `brandFailed`: the final failure is the brand's
 * (network, timeout, 429, 5xx): what opens its circuit and what a stale answer may stand in for.
 */
async function attemptCall(
  input: CallApiInput,
  request: OutboundRequest,
  maskedUrl: string,
  limit: { at: number; byBudget: boolean; takeSlot?: (() => Promise<boolean>) | undefined; giveBack?: (() => Promise<void>) | undefined },
  deps: CallApiDeps,
  now: () => number,
  sleep: (ms: number) => Promise<void>,
  /** The number of this call's first attempt: after a token refused with a 401, the card's attempts go on counting. */
  firstAttempt = 1,
): Promise<{ outcome: CardOutcome; brandFailed: boolean }> {
  const deadline = limit.at;
  // cockatiel runs the attempts and counts them; each attempt decides whether a retry fits the
  // budget (its delay must be known first: a 429's Retry-After, else cockatiel's exponential
  // backoff with half jitter) and waits with the injected clock, so tests and the budget share one.
  let delays: IBackoff<unknown> | undefined;
  let waitMs = 0;
  const policy = retry(
    handleWhenResult((result) => (result as TriedAttempt).retryAfter !== undefined),
    { maxAttempts: MAX_ATTEMPTS - 1, backoff: new ConstantBackoff(0) },
  );
  const last = await policy.execute(async ({ attempt: retries }): Promise<TriedAttempt> => {
    if (waitMs > 0) await sleep(waitMs);
    const attempt = retries + firstAttempt;
    // A rate-capped connection: this attempt waits for its slot at the brand (within the card's time).
    const slotted = limit.takeSlot ? await limit.takeSlot() : true;
    const remaining = deadline - now();
    const attemptStarted = now();
    let response: OutboundResponse | undefined;
    let failure: { reason: string; kind: FailureReason; retryable: boolean; retryAfterMs?: number } | undefined;
    // The turn's budget, not the card's own timeout, is what this attempt may wait at most.
    const cutByBudget = limit.byBudget && remaining < input.block.timeoutMs;
    try {
      if (!slotted) throw new RateCapped();
      const attemptRequest = signed(request, input, now());
      if (!attemptRequest)
        return {
          outcome: {
            ok: false,
            reason: `config: ${SIGNING_SECRET_NAME} is not a valid whsec_ secret`,
            kind: 'config',
            attempts: attempt - 1,
          },
          brandFailed: false,
        };
      // The guard refuses any other port before connecting, on the URL and on every redirect.
      response = await deps.fetch({
        ...attemptRequest,
        timeoutMs: Math.max(1, Math.min(input.block.timeoutMs, remaining)),
        allowedPorts: input.allowedPorts ?? [],
      });
    } catch (error) {
      const kind = error instanceof OutboundError ? error.kind : 'network';
      const port = error instanceof OutboundError ? error.port : undefined;
      failure =
        error instanceof RateCapped
          ? // Not the brand's failure either: its connection's rate cap left no slot in the card's time.
            { reason: RATE_CAP_REASON, kind: 'timeout', retryable: false }
          : kind === 'timeout' && cutByBudget
            ? // Not the brand's failure: the customer message's time ran out (no retry, no circuit counted).
              { reason: BUDGET_TIME_REASON, kind: 'budget', retryable: false }
            : {
                reason: port !== undefined ? `port ${port} not allowed (workspace settings: allowedPorts)` : kind,
                kind: outboundFailureKind(kind),
                retryable: kind === 'timeout' || kind === 'network',
              };
    } finally {
      // The attempt has ended (answered, failed, timed out or thrown): its lease in flight goes back.
      await limit.giveBack?.();
    }
    let outcome: CardOutcome | undefined;
    if (response) {
      const judged = await judgeResponse(input.block, response, input.context);
      outcome = { ...judged, attempts: attempt };
      if (!judged.ok) {
        const retryable = response.status === 429 || response.status >= 500;
        failure = {
          reason: judged.reason,
          kind: judged.kind,
          retryable,
          retryAfterMs: retryAfterMs(response.headers['retry-after'], now()),
        };
      }
    }
    await deps.onAttempt?.({
      method: request.method,
      url: maskedUrl,
      ...(response ? { status: response.status } : {}),
      latencyMs: now() - attemptStarted,
      outcome: failure ? 'failure' : 'success',
      ...(failure ? { reason: failure.reason } : {}),
      ...(!failure && outcome?.ok && outcome.warning !== undefined ? { warning: outcome.warning } : {}),
      attempt,
    });
    if (!failure && outcome) return { outcome, brandFailed: false };
    const final = {
      outcome: outcome ?? { ok: false as const, reason: failure?.reason ?? 'network', kind: failure?.kind ?? 'network', attempts: attempt },
      brandFailed: failure?.retryable === true,
    };
    delays = delays ? delays.next(undefined) : RETRY_BACKOFF.next();
    const backoff = failure?.retryAfterMs ?? delays.duration;
    const canRetry = input.block.retry && failure?.retryable === true && attempt < MAX_ATTEMPTS && now() + backoff + 100 < deadline;
    if (!canRetry) return final;
    waitMs = backoff;
    return { ...final, retryAfter: backoff };
  });
  return { outcome: last.outcome, brandFailed: last.brandFailed };
}

/** Thrown inside an attempt that got no slot of its connection's rate cap. */
class RateCapped extends Error {}

/** The execution log's reason for an attempt its connection's rate cap left no slot for. */
export const RATE_CAP_REASON = "rate cap: no slot at the brand within the card's time";

/** The execution log's reason for a card the turn's brand time did not let finish (or start). */
export const BUDGET_TIME_REASON = 'budget: the customer message spent its brand time';

/** One attempt's result; `retryAfter` (ms) when another attempt is to follow. */
interface TriedAttempt {
  outcome: CardOutcome;
  brandFailed: boolean;
  retryAfter?: number;
}

/** 250 ms, 500 ms, 1 s, ... (at most 4 s), each between half and all of it. */
const RETRY_BACKOFF = new ExponentialBackoff({ generator: halfJitterGenerator, initialDelay: 250, maxDelay: 4_000 });

/** Why the request may not carry one of its header secrets to its host, if it may not. */
function secretHostRefusal(block: CallApiBlock, url: string, secrets: Record<string, string>): string | undefined {
  const host = requestHost(url);
  for (const template of Object.values(block.request.headers)) {
    for (const name of secretReferences(template)) {
      const allowed = allowedHostsOf(secrets, name);
      if (allowed && (host === undefined || !allowed.includes(host)))
        return `secret ${name} not allowed for host ${host ?? '(no valid host)'}`;
    }
  }
  return undefined;
}

/** A connection's client certificate for the card's request, or why it cannot be presented. */
function clientCertificate(
  tls: NonNullable<Connection['tls']>,
  environment: Environment,
  secrets: Readonly<Record<string, string>>,
  url: string,
): { ok: true; tls: NonNullable<OutboundRequest['tls']> } | { ok: false; reason: string; kind: FailureReason } {
  const host = requestHost(url);
  const read = (name: string): string | { reason: string; kind: FailureReason } => {
    if (!Object.hasOwn(secrets, name))
      return { reason: `config: secret ${name} is not set (the connection's client certificate)`, kind: 'config' };
    const allowed = allowedHostsOf(secrets, name);
    if (allowed && (host === undefined || !allowed.includes(host)))
      return { reason: `secret ${name} not allowed for host ${host ?? '(no valid host)'}`, kind: 'guard' };
    return secrets[name] ?? '';
  };
  const cert = read(forEnvironment(tls.certificate, environment));
  const key = read(forEnvironment(tls.key, environment));
  const ca = tls.ca ? read(forEnvironment(tls.ca, environment)) : undefined;
  for (const part of [cert, key, ca]) if (typeof part === 'object') return { ok: false, ...part };
  return { ok: true, tls: { cert: String(cert), key: String(key), ...(typeof ca === 'string' ? { ca } : {}) } };
}

/** The request with an OAuth 2.0 access token (RFC 6750 §2.1). */
function withBearer(request: OutboundRequest, accessToken: string): OutboundRequest {
  return { ...request, headers: { ...request.headers, authorization: `Bearer ${accessToken}` } };
}

/** Each attempt is signed afresh (its timestamp), under the same `webhook-id` as every other attempt. */
function signed(request: OutboundRequest, input: CallApiInput, at: number): OutboundRequest | undefined {
  const secret = input.secrets[SIGNING_SECRET_NAME];
  if (!secret) return request;
  try {
    const headers = { ...request.headers, ...standardWebhookHeaders(secret, input.idempotencyKey, request.body ?? '', new Date(at)) };
    return { ...request, headers };
  } catch {
    // A malformed secret is the admin's to fix: not a network failure to retry.
    return undefined;
  }
}

const brandMessagesSchema = z.object({ messages: z.array(resolvedMessageSchema).min(1) });

/**
 * The card's fields that judge an answer (success or failure, its kind, the brand's messages): the one
 * list of them. {@link judgeResponse} is given only these ({@link CardJudging}), and a cached answer's
 * key is made of all of them (cardCache.ts), so a card whose judging changed is never served an answer
 * judged by its old rule. A judge that reads a new field of the card must have it added here.
 */
export const JUDGING_FIELDS = ['successWhen', 'expect', 'contract'] as const satisfies readonly (keyof CallApiBlock)[];
export type JudgingField = (typeof JUDGING_FIELDS)[number];
/** What of a card judges its answers: its {@link JUDGING_FIELDS}. */
export type CardJudging = Pick<CallApiBlock, JudgingField>;

/** The card's {@link JUDGING_FIELDS}, in their order, an absent one as `null`: what a cache key is made of. */
export function judgingValues(judging: CardJudging): unknown[] {
  return JUDGING_FIELDS.map((field) => judging[field] ?? null);
}

async function judgeResponse(
  block: CardJudging,
  response: OutboundResponse,
  context: TemplateContext,
): Promise<
  | { ok: true; response: CardResponse; messages?: ResolvedMessage[]; warning?: string }
  | { ok: false; reason: string; kind: FailureReason; response: CardResponse }
> {
  const isJson = /\bjson\b/i.test(response.headers['content-type'] ?? '');
  // An error page is an HTTP failure, whatever its body: judge the status before parsing.
  if (!block.successWhen && (response.status < 200 || response.status >= 300)) {
    return {
      ok: false,
      reason: `http_${response.status}`,
      kind: httpFailureKind(response.status),
      response: { status: response.status, headers: response.headers, body: parseLoosely(response.body, isJson) },
    };
  }
  let body: unknown = response.body;
  if (isJson || block.expect === 'messages') {
    try {
      body = response.body === '' ? null : JSON.parse(response.body);
    } catch {
      return {
        ok: false,
        reason: 'invalid_response: body is not valid JSON',
        kind: 'invalid_json',
        response: { status: response.status, headers: response.headers, body: response.body },
      };
    }
  }
  const cardResponse: CardResponse = { status: response.status, headers: response.headers, body };
  const success = block.successWhen
    ? response.status < 500 && (await evaluateCondition(block.successWhen, { ...context, response: cardResponse }).catch(() => false))
    : response.status >= 200 && response.status < 300;
  if (!success) return { ok: false, reason: `http_${response.status}`, kind: httpFailureKind(response.status), response: cardResponse };
  // The answer's shape, against the card's contract: a mismatch is the brand's answer, not a passing
  // fault, so it is never retried and never opens the brand's circuit (its status is below 500).
  let warning: string | undefined;
  if (block.contract) {
    const mismatch = contractMismatch(block.contract, body);
    if (mismatch !== undefined && mismatch.kind === 'config')
      return { ok: false, reason: mismatch.reason, kind: 'config', response: cardResponse };
    if (mismatch !== undefined && block.contract.onMismatch === 'warn') warning = mismatch.reason;
    else if (mismatch !== undefined) return { ok: false, reason: mismatch.reason, kind: 'contract', response: cardResponse };
  }
  const warned = warning !== undefined ? { warning } : {};
  if (block.expect === 'messages') {
    const parsed = brandMessagesSchema.safeParse(body);
    if (!parsed.success) {
      const where = parsed.error.issues
        .map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`)
        .slice(0, 5)
        .join('; ');
      return { ok: false, reason: `invalid_response: ${where}`, kind: 'invalid_messages', response: cardResponse };
    }
    return { ok: true, response: cardResponse, messages: parsed.data.messages, ...warned };
  }
  return { ok: true, response: cardResponse, ...warned };
}

/** The execution log's reason for an answer that breaks the card's contract (`contract: response.body.tickets: expected array, got undefined`), if it does. */
function contractMismatch(
  contract: NonNullable<CardJudging['contract']>,
  body: unknown,
): { reason: string; kind: 'contract' | 'config' } | undefined {
  try {
    const checked = checkContract(contract, body);
    return checked.ok ? undefined : { reason: `contract: ${checked.mismatch}`, kind: 'contract' };
  } catch {
    // Validation refuses such a contract; one saved before is the admin's to fix, not the brand's.
    return { reason: 'config: the contract is not a valid JSON Schema', kind: 'config' };
  }
}

/**
 * A brand's callback, judged as the card judges a direct answer (a JSON body, `successWhen`, `expect`):
 * the callback's POST stands for an answer with status 200, so the follow-up blocks,
 * `saveToAttributes` and `bind` work on it as on any answer.
 */
export async function judgeCallback(block: CallApiBlock, rawBody: string, context: TemplateContext): Promise<CardOutcome> {
  const judged = await judgeResponse(
    block,
    { status: 200, headers: { 'content-type': 'application/json' }, body: rawBody, url: '', latencyMs: 0 },
    context,
  );
  return { ...judged, attempts: 1 };
}

function parseLoosely(body: string, isJson: boolean): unknown {
  if (!isJson) return body;
  try {
    return JSON.parse(body);
  } catch {
    return body;
  }
}

/** `Retry-After` as seconds or an HTTP date, in ms from now. */
function retryAfterMs(value: string | undefined, now: number): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

const SENSITIVE_QUERY = /token|key|secret|password|passwd|signature|auth/i;

/** The URL as the execution log shows it: secret values and credential-like query values masked. */
export function maskUrl(url: string, secrets: Record<string, string>): string {
  let masked = url;
  try {
    const parsed = new URL(url);
    for (const name of [...parsed.searchParams.keys()]) {
      if (SENSITIVE_QUERY.test(name)) parsed.searchParams.set(name, '***');
    }
    masked = parsed.toString();
  } catch {
    // Not a URL: mask what we can below.
  }
  for (const value of Object.values(secrets)) {
    if (value.length >= 4) {
      masked = masked.split(value).join('***').split(encodeURIComponent(value)).join('***');
    }
  }
  return masked;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
