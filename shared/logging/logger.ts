import { Logger } from '@aws-lambda-powertools/logger';

/**
 * The structured JSON logger of a handler, one per handler so keys appended while handling one
 * invocation never show in another handler's logs. Log only ids, outcomes and timings: never header
 * values, secrets, tokens or message bodies.
 */
export function createLogger(handlerName: string): Logger {
  return new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'callcard', persistentKeys: { handler: handlerName } });
}
