import { ConstantBackoff, handleWhen, retry, type IBackoff, type IBackoffFactory } from 'cockatiel';

/**
 * Run `fn` with cockatiel's retry policy: up to `maxAttempts` attempts while `retryable` says the
 * error is worth another, each wait taken from `backoff` (a cockatiel backoff) and spent through the
 * injected `sleep`, so tests run on their own clock (cockatiel's own delay is a bare setTimeout).
 */
export async function retryWithSleep<T>(
  fn: () => Promise<T>,
  options: {
    maxAttempts: number;
    retryable: (error: Error) => boolean;
    backoff: IBackoffFactory<unknown>;
    sleep: (ms: number) => Promise<void>;
  },
): Promise<T> {
  const policy = retry(handleWhen(options.retryable), {
    maxAttempts: Math.max(0, options.maxAttempts - 1),
    backoff: new ConstantBackoff(0),
  });
  let delay: IBackoff<unknown> | undefined;
  return policy.execute(async ({ attempt }) => {
    if (attempt > 0) {
      delay = delay ? delay.next(undefined) : options.backoff.next(undefined);
      await options.sleep(delay.duration);
    }
    return fn();
  });
}
