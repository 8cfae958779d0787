/** The admin API as the console calls it: same origin, the bearer key from sessionStorage. */

// Its answers' shapes are the server's (functions/admin/schemas.ts, which the OpenAPI document is made
// from), imported as types only: nothing of zod reaches the bundle.
import type { ErrorBody } from '../../functions/admin/schemas';
export type {
  AlertList,
  AlertView,
  CardHealth,
  ChannelList,
  ChannelView,
  ConnectionList,
  ConnectionView,
  ContactDeleted,
  ContactExport,
  Deleted,
  DeletedFailedJobs,
  DryRunResult,
  Egress,
  FailedJob,
  FailedJobList,
  FlowList,
  FlowRef,
  FlowSummary,
  FlowVersion,
  FlowVersionList,
  LogEntry,
  LogPage,
  MessengerAppList,
  MessengerAppView,
  PreviewResult,
  Problem,
  PublishResult,
  RedriveResult,
  SavedChannel,
  SavedFlow,
  SecretList,
  SecretView,
  Settings,
  UnpublishResult,
  ValidatedFlow,
} from '../../functions/admin/schemas';

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

/** An answer other than success: its words, and what goes with them (`problems`, `latestVersion`, …). */
export type ApiError = ErrorBody;

export type ApiResult<T> = { ok: true; status: number; body: T } | { ok: false; status: number; body: ApiError };

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
  return {
    ok: false,
    status: response.status,
    body: { ...error, error: typeof error.error === 'string' ? error.error : response.statusText },
  };
}

export const flowPath = (flowId: string): string => `/admin/flows/${encodeURIComponent(flowId)}`;
