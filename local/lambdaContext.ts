import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';

/** The Context object Lambda passes to a handler, for handlers invoked by the local stack. */
export function lambdaContext(functionName: string, timeoutMs: number): Context {
  const deadline = Date.now() + timeoutMs;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${functionName}`,
    memoryLimitInMB: '512',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/**
 * Which function the local stack is running right now, for whatever runs inside its invocation (the
 * bench's AWS call recorder attributes each call to the webhook or the executor this way).
 */
const invocation = new AsyncLocalStorage<{ functionName: string }>();

export function runInvocation<T>(functionName: string, work: () => Promise<T>): Promise<T> {
  return invocation.run({ functionName }, work);
}

/** The function whose invocation the caller runs in, if any. */
export function currentFunction(): string | undefined {
  return invocation.getStore()?.functionName;
}
