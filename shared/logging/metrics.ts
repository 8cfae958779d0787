import { Metrics } from '@aws-lambda-powertools/metrics';
import type { Logger } from '@aws-lambda-powertools/logger';

/**
 * CloudWatch metrics (embedded metric format, no API calls) of a handler: turns, brand call outcomes
 * and brand latency, in the `callcard` namespace. Warnings (such as an invocation with no metrics)
 * go to the handler's structured logger; the local stack sets POWERTOOLS_METRICS_DISABLED.
 */
export function createMetrics(handlerName: string, logger: Logger): Metrics {
  return new Metrics({
    namespace: 'callcard',
    serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'callcard',
    defaultDimensions: { handler: handlerName },
    logger,
  });
}
