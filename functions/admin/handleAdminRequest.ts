import { AdminError } from './adminError';
import type { AdminDeps } from './bindRoute';
import { matchRoute } from './matchRoute';
import { ROUTE_HANDLERS } from './routeHandlers';
import { ADMIN_ROUTES, MAX_BODY_BYTES } from './routes';
import { noBody } from './schemas';
import { headerValue } from '../../shared/lambda/apiGateway';

/** An admin API request, independent of API Gateway. */
export interface AdminRequest {
  method: string;
  /** The raw (still URL-encoded) path: `/admin/flows/demo`. */
  path: string;
  headers: Record<string, string | undefined>;
  query: Record<string, string | undefined>;
  rawBody: Buffer;
}

/** The JSON answer; the handler adds content type and caching headers. */
export interface AdminResponse {
  statusCode: number;
  body: unknown;
  headers?: Record<string, string>;
}

/** Longer than any key we issue; a longer header is refused before it is hashed. */
const MAX_KEY_LENGTH = 512;

/**
 * Serve one admin API request: match the route table, authenticate (the bearer key's hash names the
 * workspace), read and validate the body, run the route's handler. Client mistakes get 4xx with what
 * is wrong; only a failure of ours is a 500, logged, without detail. Nothing of a request body or
 * header is ever logged.
 */
export async function handleAdminRequest(request: AdminRequest, deps: AdminDeps): Promise<AdminResponse> {
  const match = matchRoute(ADMIN_ROUTES, request.method.toUpperCase(), request.path);
  if (!match) return { statusCode: 404, body: { error: 'not found' } };
  const spec = ADMIN_ROUTES[match.id];
  try {
    const workspaceId = spec.auth ? await authenticate(request.headers, deps) : undefined;
    let body: unknown;
    if (spec.body !== noBody) {
      if (request.rawBody.length > MAX_BODY_BYTES)
        throw new AdminError(413, { error: 'request body too large', limitBytes: MAX_BODY_BYTES });
      body = parseJson(request.rawBody);
    }
    const result = await ROUTE_HANDLERS[match.id].run({ params: match.params, query: request.query, body }, { workspaceId, deps });
    return { statusCode: spec.status, body: result };
  } catch (error) {
    if (error instanceof AdminError) {
      return { statusCode: error.status, body: error.body, ...(error.status === 401 ? { headers: { 'www-authenticate': 'Bearer' } } : {}) };
    }
    deps.logger.error('admin request failed', { route: match.id, error });
    return { statusCode: 500, body: { error: 'internal error' } };
  }
}

/** Why a request is not authenticated: one message each, never quoting what was sent. */
export const UNAUTHORIZED = {
  noHeader: 'no Authorization header: send Authorization: Bearer <admin key>',
  notBearer: 'the Authorization header is not a Bearer key: send Authorization: Bearer <admin key>',
  unknownKey: 'unknown admin key: not a key of any workspace',
} as const;

/**
 * The key's workspace. The key is found by its hash (no comparison of key contents); a refusal says
 * which of the three things is wrong (no header, not a bearer key, unknown key), never the key.
 */
async function authenticate(headers: Record<string, string | undefined>, deps: AdminDeps): Promise<string> {
  const header = headerValue(headers, 'authorization');
  if (header === undefined || header.trim() === '') throw new AdminError(401, { error: UNAUTHORIZED.noHeader });
  const key = /^Bearer +(\S+)\s*$/i.exec(header)?.[1];
  if (key === undefined) throw new AdminError(401, { error: UNAUTHORIZED.notBearer });
  const workspaceId = key.length <= MAX_KEY_LENGTH ? await deps.store.adminKeys.workspaceOf(key) : undefined;
  if (workspaceId === undefined) throw new AdminError(401, { error: UNAUTHORIZED.unknownKey });
  return workspaceId;
}

function parseJson(raw: Buffer): unknown {
  if (raw.length === 0) return undefined;
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch {
    throw new AdminError(400, { error: 'body is not valid JSON' });
  }
}
