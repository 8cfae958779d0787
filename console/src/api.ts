/** The admin API as the console calls it: same origin, the bearer key from sessionStorage. */

const KEY_ITEM = 'callcard.adminKey';

export function storedKey(): string | undefined {
  return sessionStorage.getItem(KEY_ITEM) ?? undefined;
}

export function storeKey(key: string): void {
  sessionStorage.setItem(KEY_ITEM, key);
}

export function forgetKey(): void {
  sessionStorage.removeItem(KEY_ITEM);
}

export interface Problem {
  path: string;
  message: string;
}

export interface ApiError {
  error: string;
  problems?: Problem[];
  latestVersion?: number;
}

export type ApiResult<T> = { ok: true; status: number; body: T } | { ok: false; status: number; body: ApiError };

export interface FlowSummary {
  flowId: string;
  name: string;
  latestVersion: number;
  updatedAt: string;
}

export interface FlowVersion {
  flowId: string;
  version: number;
  createdAt: string;
  flow: Record<string, unknown>;
  unchanged?: true;
  warnings?: Problem[];
}

export interface Validated {
  ok: true;
  warnings?: Problem[];
}

/** Thrown when the API cannot be reached at all (network, CORS, a proxy's HTML). */
export class Unreachable extends Error {}

/** One admin API call. `key` defaults to the stored one. Never throws on an HTTP status. */
export async function call<T>(method: string, path: string, body?: unknown, key = storedKey()): Promise<ApiResult<T>> {
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers: {
        ...(key !== undefined ? { authorization: `Bearer ${key}` } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      cache: 'no-store',
    });
  } catch (error) {
    throw new Unreachable(error instanceof Error ? error.message : String(error));
  }
  let parsed: unknown;
  try {
    parsed = await response.json();
  } catch {
    throw new Unreachable(`${response.status} ${response.statusText}: not a JSON answer`);
  }
  if (response.ok) return { ok: true, status: response.status, body: parsed as T };
  const error = typeof parsed === 'object' && parsed !== null ? (parsed as ApiError) : { error: String(parsed) };
  return { ok: false, status: response.status, body: { ...error, error: typeof error.error === 'string' ? error.error : response.statusText } };
}

export const flowPath = (flowId: string): string => `/admin/flows/${encodeURIComponent(flowId)}`;

/** One flow version, as channels run it. */
export interface FlowRef {
  flowId: string;
  version: number;
}

/** `GET /admin/channels`: a LINE channel or Messenger page, its secrets masked. */
export interface ChannelView {
  kind: 'line' | 'messenger';
  channelId: string;
  name: string;
  activeFlows: FlowRef[];
  secret?: string;
  accessToken: string;
  verifyToken?: string;
  appId?: string;
  /** When its webhook last passed LINE's or Meta's verification. */
  verifiedAt?: string;
}

/** `GET /admin/logs`: one call of a Call an API card. */
export interface LogEntry {
  at: string;
  jobId: string;
  flowId: string;
  blockId: string;
  customer: string;
  method: string;
  url: string;
  status?: number;
  latencyMs: number;
  outcome: 'success' | 'failure' | 'fired';
  reason?: string;
  /** A success its card's contract only warns about (`contract: response.body.…`). */
  warning?: string;
  attempt: number;
}

/** `POST /admin/dry-run`: one card called for real, its follow-up rendered; secrets masked by the API. */
export interface DryRunResult {
  blockId: string;
  request: { method: string; url: string; headers: Record<string, string>; body?: string } | null;
  response: { status: number; headers: Record<string, string>; body: unknown } | null;
  /** `warning`: a success its contract only warns about (the first mismatch). */
  outcome: { ok: boolean; reason?: string; warning?: string; attempts: number };
  /** The contract learnt from a successful answer (asked with learnContract). */
  learntContract?: { body: Record<string, unknown>; onMismatch?: 'fail' | 'warn' };
  followUp: {
    messages: unknown[];
    line: unknown[];
    messenger: unknown[];
    attributes: Record<string, unknown>;
    waitingOn?: string;
    stoppedBefore?: string;
    skipped?: string[];
    /** The binding the card's bind would make (null: an unbind on the way would remove it). */
    binding?: { memberId: string; attributes?: Record<string, string>; method: string } | null;
  };
}
