import {
  BrokenCircuitError,
  circuitBreaker,
  ConsecutiveBreaker,
  handleAll,
  IsolatedCircuitError,
  type CircuitBreakerPolicy,
} from 'cockatiel';

export interface BrandBreakerOptions {
  /** Consecutive failed card calls (final outcomes, not each retry) that open an origin's circuit. @default 5 */
  failures?: number;
  /** How long an open circuit fails fast before one probe is let through (half-open). @default 30_000 */
  halfOpenAfterMs?: number;
  /** Workspace and origin pairs kept per process; the least recently used is forgotten past this. @default 1000 */
  maxOrigins?: number;
}

/** What a guarded run gives back: the call's result, or that the circuit was open (nothing was called). */
export type BreakerRun<T> = { open: false; result: T } | { open: true };

/** Marks a result the breaker counts as a failure of the brand (it is returned, not thrown). */
export interface BreakerVerdict {
  brandFailed: boolean;
}

/**
 * One cockatiel circuit breaker per workspace and brand origin (`https://api.brand.example`), per
 * process. A brand that keeps failing is left alone for a cool-down instead of holding every customer's
 * turn for the whole retry budget; then one call probes it (half-open) and closes the circuit when it
 * succeeds. Per workspace: one workspace's failing card (a tight timeout, a wrong path) never opens the
 * circuit of another workspace calling the same origin.
 */
export class BrandBreakers {
  private readonly breakers = new Map<string, CircuitBreakerPolicy>();
  private readonly failures: number;
  private readonly halfOpenAfterMs: number;
  private readonly maxOrigins: number;

  constructor(options: BrandBreakerOptions = {}) {
    this.failures = options.failures ?? 5;
    this.halfOpenAfterMs = options.halfOpenAfterMs ?? 30_000;
    this.maxOrigins = options.maxOrigins ?? 1000;
  }

  /** Run `call` through the workspace's breaker of `url`'s origin; a result with `brandFailed` counts as a failure. */
  async run<T extends BreakerVerdict>(workspaceId: string, url: string, call: () => Promise<T>): Promise<BreakerRun<T>> {
    const breaker = this.breakerFor(JSON.stringify([workspaceId, originOf(url)]));
    try {
      return { open: false, result: await breaker.execute(call) };
    } catch (error) {
      if (error instanceof BrokenCircuitError || error instanceof IsolatedCircuitError) return { open: true };
      throw error;
    }
  }

  private breakerFor(key: string): CircuitBreakerPolicy {
    let breaker = this.breakers.get(key);
    if (breaker) {
      // Most recently used last: the first key is the one to forget.
      this.breakers.delete(key);
    } else {
      breaker = circuitBreaker(
        handleAll.orWhenResult((result) => (result as Partial<BreakerVerdict> | undefined)?.brandFailed === true),
        { halfOpenAfter: this.halfOpenAfterMs, breaker: new ConsecutiveBreaker(this.failures) },
      );
    }
    this.breakers.set(key, breaker);
    while (this.breakers.size > this.maxOrigins) {
      const oldest = this.breakers.keys().next().value;
      if (oldest === undefined) break;
      this.breakers.delete(oldest);
    }
    return breaker;
  }
}

function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return url;
  }
}

/** The executor's breakers: one set per process (a Lambda container, or the local stack). */
export const processBrandBreakers = new BrandBreakers();
