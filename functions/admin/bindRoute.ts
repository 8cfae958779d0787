import type { Logger } from '@aws-lambda-powertools/logger';
import type * as z from 'zod';
import type { GuardedFetch } from '../../shared/http/guardedFetch';
import type { JobQueue } from '../../shared/jobs/jobQueue';
import type { Store } from '../../shared/store/store';
import { AdminError, invalid, type Problem } from './adminError';
import type { DeadLetters } from './deadLetters';
import type { RouteSpec } from './routes';

/** What route handlers work with; the handler module builds it once per cold start. */
export interface AdminDeps {
  store: Store;
  /** The guarded outbound caller, configured as the executor's: dry runs call brands through it. */
  fetch: GuardedFetch;
  /** Absent when JOBS_DLQ_URL is not set: the failed-jobs routes then answer 503. */
  deadLetters?: DeadLetters;
  /** The jobs queue, where the chat simulator's turns go (absent: the simulator routes answer 503). */
  jobs?: JobQueue;
  logger: Logger;
  now?: () => number;
  /** The fixed addresses calls to brands leave from (staticEgress); absent: none fixed. */
  egressAddresses?: readonly string[];
}

/** An authenticated request: everything a handler touches is scoped to `workspaceId`. */
export interface AdminContext {
  workspaceId: string;
  deps: AdminDeps;
}

/** What a handler gets: path parameters, query and body, each parsed by its route's schema. */
export type Input<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType> = {
  params: z.output<P>;
  query: z.output<Q>;
  body: z.output<B>;
};
export type RouteInput<S> = S extends RouteSpec<infer P, infer Q, infer B> ? Input<P, Q, B> : never;
type Handler<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType, R extends z.ZodType> = (
  input: Input<P, Q, B>,
  ctx: AdminContext,
) => Promise<z.input<R>>;
type PublicHandler<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType, R extends z.ZodType> = (
  input: Input<P, Q, B>,
) => Promise<z.input<R>>;
/** A route's logic: validated input in, the success body out (anything else is thrown as an AdminError). */
export type RouteHandler<S> = S extends RouteSpec<infer P, infer Q, infer B, infer R> ? Handler<P, Q, B, R> : never;
/** A route served without an admin key. */
export type PublicRouteHandler<S> = S extends RouteSpec<infer P, infer Q, infer B, infer R> ? PublicHandler<P, Q, B, R> : never;

/** A request as the router hands it over, before validation. */
export interface RawInput {
  /** URL-decoded path parameters. */
  params: Record<string, string>;
  query: Record<string, string | undefined>;
  /** The parsed JSON body, or undefined when the route takes none or none was sent. */
  body: unknown;
}

/** A route with its handler, as the router calls it: raw input in, a validated success body out. */
export interface BoundRoute {
  run(raw: RawInput, ctx: { workspaceId: string | undefined; deps: AdminDeps }): Promise<unknown>;
}

/** Bind an authenticated route's handler to its spec: validation in front, the response schema behind. */
export function bindRoute<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType, R extends z.ZodType>(
  spec: RouteSpec<P, Q, B, R>,
  handler: Handler<P, Q, B, R>,
): BoundRoute {
  return {
    async run(raw, { workspaceId, deps }) {
      if (workspaceId === undefined) throw new AdminError(401, { error: 'unauthorized' });
      return spec.response.parse(await handler(validate(spec, raw), { workspaceId, deps }));
    },
  };
}

/** Bind a route that needs no admin key. */
export function bindPublicRoute<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType, R extends z.ZodType>(
  spec: RouteSpec<P, Q, B, R>,
  handler: PublicHandler<P, Q, B, R>,
): BoundRoute {
  return {
    async run(raw) {
      return spec.response.parse(await handler(validate(spec, raw)));
    },
  };
}

/** Parse path, query and body together, so one answer lists every problem of the request. */
function validate<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType>(spec: RouteSpec<P, Q, B>, raw: RawInput): Input<P, Q, B> {
  const params = spec.params.safeParse(raw.params);
  const query = spec.query.safeParse(raw.query);
  const body = spec.body.safeParse(raw.body);
  if (params.success && query.success && body.success) return { params: params.data, query: query.data, body: body.data };
  const problems: Problem[] = [...issuesOf(params.error, 'path.'), ...issuesOf(query.error, 'query.'), ...issuesOf(body.error, '')];
  throw invalid(problems);
}

function issuesOf(error: z.ZodError | undefined, prefix: string): Problem[] {
  return (error?.issues ?? []).map((issue) => ({
    path: `${prefix}${issue.path.map(String).join('.')}` || '(body)',
    message: issue.message,
  }));
}
