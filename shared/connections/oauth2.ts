import { createHash } from 'node:crypto';
import * as z from 'zod';
import type { FailureReason } from '../flow/schema';
import { OutboundError, type GuardedFetch } from '../http/guardedFetch';
import { allowedHostsOf, requestHost } from '../templating/secretHosts';
import { forEnvironment, type ConnectionAuth, type Environment } from './connection';

/**
 * Access tokens of connections that authenticate with OAuth 2.0 client credentials (RFC 6749 §4.4).
 * A token is asked for once and used by every card of the workspace that calls the connection, in
 * this process (memory) and in every other executor instance (the table: `TokenStore`), until shortly
 * before it expires; a brand's 401 makes the card ask for a new one once. Concurrent cards of one
 * process that need the same token wait for one request to the token endpoint, not one each.
 *
 * The token endpoint is called through the one guarded outbound path (private addresses, ports,
 * redirects: the same rules as a card), and the client secret goes only to the hosts it is bound to.
 * A token is never logged; the reasons given for a failure never hold one, nor the secret.
 */

type OAuth2Auth = Extract<ConnectionAuth, { type: 'oauth2ClientCredentials' }>;

/** A token as the table keeps it, for the other executor instances. */
export interface StoredToken {
  accessToken: string;
  /** Epoch milliseconds. */
  expiresAtMs: number;
  /** Which connection settings it was issued for: a token of changed settings is not reused. */
  fingerprint: string;
}

/** Where tokens are shared between executor instances (shared/store/connections.ts: ConnectionTokenRepository). */
export interface TokenStore {
  get(workspaceId: string, key: string): Promise<StoredToken | undefined>;
  put(workspaceId: string, key: string, token: StoredToken): Promise<void>;
  delete(workspaceId: string, key: string): Promise<void>;
}

export interface TokenRequest {
  workspaceId: string;
  /** The connection's name. */
  connection: string;
  environment: Environment;
  auth: OAuth2Auth;
  /** The workspace's secrets (the client secret among them), with their allowed hosts. */
  secrets: Readonly<Record<string, string>>;
  /** Ports the token URL may name besides 443: the workspace's settings. */
  allowedPorts: readonly number[];
  /** How long the token endpoint may take at most. */
  timeoutMs: number;
}

export type TokenResult = { ok: true; accessToken: string } | { ok: false; reason: string; kind: FailureReason };

/** A token is asked for again this long before it expires, so no card sends one that lapses on the way. */
export const RENEW_BEFORE_MS = 60_000;
/** Kept when the token endpoint names no `expires_in` (RFC 6749 makes it optional). */
const DEFAULT_LIFETIME_S = 300;
const MAX_MEMORY_TOKENS = 1_000;

const tokenResponseSchema = z.object({
  access_token: z.string().min(1).max(16_384),
  token_type: z
    .string()
    .refine((type) => type.toLowerCase() === 'bearer', 'a bearer token')
    .optional(),
  expires_in: z.coerce.number().positive().optional(),
});

/** Where a connection's token for an environment is kept (TokenStore), and what the admin API reads to mask it. */
export function tokenKeyOf(connection: string, environment: string): string {
  return `${connection}#${environment}`;
}

export class OAuth2Tokens {
  private readonly memory = new Map<string, StoredToken>();
  private readonly asking = new Map<string, Promise<TokenResult>>();
  private readonly now: () => number;

  constructor(private readonly deps: { fetch: GuardedFetch; store?: TokenStore | undefined; now?: () => number }) {
    this.now = deps.now ?? Date.now;
  }

  /** A live access token for the connection: from memory, the table, or the token endpoint. `fresh`: not the one held (after a 401). */
  async token(request: TokenRequest, options: { fresh?: boolean } = {}): Promise<TokenResult> {
    const key = tokenKeyOf(request.connection, request.environment);
    const memoryKey = `${request.workspaceId}\u0000${key}`;
    const fingerprint = fingerprintOf(request.auth, request.environment);
    const live = (token: StoredToken | undefined) =>
      token !== undefined && token.fingerprint === fingerprint && token.expiresAtMs - RENEW_BEFORE_MS > this.now();
    if (options.fresh) {
      const held = this.memory.get(memoryKey);
      this.memory.delete(memoryKey);
      // Only the token that was refused is dropped from the table: another instance may have renewed it already.
      const stored = await this.deps.store?.get(request.workspaceId, key).catch(() => undefined);
      if (stored && (held === undefined || stored.accessToken === held.accessToken))
        await this.deps.store?.delete(request.workspaceId, key).catch(() => undefined);
      else if (live(stored) && stored) return this.remember(memoryKey, stored);
    } else {
      const held = this.memory.get(memoryKey);
      if (live(held) && held) return { ok: true, accessToken: held.accessToken };
    }
    // One request to the token endpoint at a time per connection and process; the others wait for it.
    const pending = this.asking.get(memoryKey);
    if (pending) return pending;
    const asked = this.obtain(request, key, memoryKey, fingerprint, live, options.fresh === true).finally(() =>
      this.asking.delete(memoryKey),
    );
    this.asking.set(memoryKey, asked);
    return asked;
  }

  private async obtain(
    request: TokenRequest,
    key: string,
    memoryKey: string,
    fingerprint: string,
    live: (token: StoredToken | undefined) => boolean,
    fresh: boolean,
  ): Promise<TokenResult> {
    if (!fresh) {
      const stored = await this.deps.store?.get(request.workspaceId, key).catch(() => undefined);
      if (live(stored) && stored) return this.remember(memoryKey, stored);
    }
    const asked = await this.ask(request);
    if (!asked.ok) return asked;
    const token: StoredToken = { accessToken: asked.accessToken, expiresAtMs: this.now() + asked.lifetimeS * 1000, fingerprint };
    // Shared for the other instances; a failed write costs them one more request, nothing else.
    await this.deps.store?.put(request.workspaceId, key, token).catch(() => undefined);
    return this.remember(memoryKey, token);
  }

  private remember(memoryKey: string, token: StoredToken): TokenResult {
    if (this.memory.size >= MAX_MEMORY_TOKENS) this.memory.delete(this.memory.keys().next().value ?? '');
    this.memory.set(memoryKey, token);
    return { ok: true, accessToken: token.accessToken };
  }

  /** The token endpoint's answer (RFC 6749 §4.4.2 and §5.1), or why there is none. */
  private async ask(
    request: TokenRequest,
  ): Promise<{ ok: true; accessToken: string; lifetimeS: number } | { ok: false; reason: string; kind: FailureReason }> {
    const { auth, environment, secrets } = request;
    const tokenUrl = forEnvironment(auth.tokenUrl, environment);
    const clientId = forEnvironment(auth.clientId, environment);
    const secretName = forEnvironment(auth.clientSecret, environment);
    if (!Object.hasOwn(secrets, secretName))
      return { ok: false, reason: `config: secret ${secretName} is not set (the connection's client secret)`, kind: 'config' };
    const clientSecret = secrets[secretName] ?? '';
    const host = requestHost(tokenUrl);
    const allowed = allowedHostsOf(secrets, secretName);
    if (allowed && (host === undefined || !allowed.includes(host)))
      return { ok: false, reason: `secret ${secretName} not allowed for host ${host ?? '(no valid host)'}`, kind: 'guard' };

    const form = new URLSearchParams({ grant_type: 'client_credentials' });
    if (auth.scope) form.set('scope', auth.scope);
    if (auth.audience) form.set('audience', auth.audience);
    const headers: Record<string, string> = {
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'application/json',
      'user-agent': 'callcard/0.1',
    };
    if (auth.clientAuthentication === 'client_secret_post') {
      form.set('client_id', clientId);
      form.set('client_secret', clientSecret);
    } else {
      // RFC 6749 §2.3.1: both form-urlencoded before they are joined and base64-encoded.
      headers.authorization = `Basic ${Buffer.from(`${formEncode(clientId)}:${formEncode(clientSecret)}`).toString('base64')}`;
    }
    let response;
    try {
      response = await this.deps.fetch({
        method: 'POST',
        url: tokenUrl,
        headers,
        body: form.toString(),
        timeoutMs: request.timeoutMs,
        maxResponseBytes: 65_536,
        allowedPorts: request.allowedPorts,
      });
    } catch (error) {
      const kind = error instanceof OutboundError ? error.kind : 'network';
      const failure: FailureReason =
        kind === 'timeout'
          ? 'timeout'
          : kind === 'blocked' || kind === 'redirect'
            ? 'guard'
            : kind === 'too_large'
              ? 'too_large'
              : 'network';
      return { ok: false, reason: `token endpoint: ${kind}`, kind: failure };
    }
    if (response.status < 200 || response.status >= 300) {
      // RFC 6749 §5.2: `error` names what the endpoint refused (invalid_client, invalid_scope...); it holds no secret.
      const code = /^[\x20-\x7e]{1,64}$/.exec(String(errorCodeOf(response.body) ?? ''))?.[0];
      const reason = `token endpoint: http_${response.status}${code ? ` (${code})` : ''}`;
      return { ok: false, reason, kind: response.status >= 500 || response.status === 429 ? 'http_5xx' : 'config' };
    }
    let parsed;
    try {
      parsed = tokenResponseSchema.safeParse(JSON.parse(response.body));
    } catch {
      return { ok: false, reason: 'token endpoint: the answer is not JSON', kind: 'invalid_json' };
    }
    if (!parsed.success)
      return {
        ok: false,
        reason: `token endpoint: no bearer access_token in the answer (${parsed.error.issues.map((issue) => issue.path.join('.')).join(', ')})`,
        kind: 'config',
      };
    return { ok: true, accessToken: parsed.data.access_token, lifetimeS: parsed.data.expires_in ?? DEFAULT_LIFETIME_S };
  }
}

function formEncode(value: string): string {
  return new URLSearchParams({ v: value }).toString().slice(2);
}

function errorCodeOf(body: string): unknown {
  try {
    const parsed: unknown = JSON.parse(body);
    return typeof parsed === 'object' && parsed !== null && 'error' in parsed ? parsed.error : undefined;
  } catch {
    return undefined;
  }
}

/** What a token was issued for: the endpoint, the client and what was asked (never the secret's value). */
function fingerprintOf(auth: OAuth2Auth, environment: Environment): string {
  const parts = [
    forEnvironment(auth.tokenUrl, environment),
    forEnvironment(auth.clientId, environment),
    forEnvironment(auth.clientSecret, environment),
    auth.scope ?? '',
    auth.audience ?? '',
    auth.clientAuthentication,
  ];
  return createHash('sha256').update(JSON.stringify(parts)).digest('base64url').slice(0, 22);
}
