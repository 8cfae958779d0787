import type { Problem } from '../../shared/flow/parseProblems';

/** One thing wrong with a request, and where: `flow.blocks.ask_phone.next`, `path.flowId`, `query.limit` (declared once, with the validation that produces them). */
export type { Problem };

/**
 * An answer other than success, thrown by route handlers and turned into a JSON response by the
 * router. Only these reach the client with their detail; anything else is a 500 without detail.
 */
export class AdminError extends Error {
  constructor(
    readonly status: 400 | 401 | 404 | 409 | 413 | 503,
    readonly body: { error: string } & Record<string, unknown>,
  ) {
    super(body.error);
    this.name = 'AdminError';
  }
}

/** 404 for what does not exist AND for what belongs to another workspace: the two look the same. */
export function notFound(what: string): AdminError {
  return new AdminError(404, { error: `${what} not found` });
}

/** 400 with every problem and its path. */
export function invalid(problems: Problem[], error = 'invalid request'): AdminError {
  return new AdminError(400, { error, problems });
}

/** 409: the request clashes with the current state (details alongside). */
export function conflict(error: string, detail: Record<string, unknown> = {}): AdminError {
  return new AdminError(409, { error, ...detail });
}
