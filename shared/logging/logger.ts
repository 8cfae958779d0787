import { Logger } from '@aws-lambda-powertools/logger';
import type { LogLevel } from '@aws-lambda-powertools/logger/types';
import { mapBundleStackTraces } from './stackTraces';

export interface LoggerOptions {
  /** The `service` key of every log line. @default POWERTOOLS_SERVICE_NAME, else 'callcard' */
  serviceName?: string;
  /** @default POWERTOOLS_LOG_LEVEL, else INFO (Powertools' own defaults) */
  logLevel?: LogLevel;
}

/**
 * The structured JSON logger of a handler, one per handler so keys appended while handling one
 * invocation never show in another handler's logs. Log only ids, outcomes and timings: never header
 * values, secrets, tokens or message bodies. On Lambda the options come from the function's
 * Powertools variables; the local stack passes its own.
 */
export function createLogger(handlerName: string, options: LoggerOptions = {}): Logger {
  // Bundled (index.js with index.js.map beside it), stack traces map to our sources on first use.
  mapBundleStackTraces(__filename);
  return new Logger({
    serviceName: options.serviceName ?? process.env.POWERTOOLS_SERVICE_NAME ?? 'callcard',
    ...(options.logLevel ? { logLevel: options.logLevel } : {}),
    persistentKeys: { handler: handlerName },
  });
}
