import { Metrics } from '@aws-lambda-powertools/metrics';

/**
 * CloudWatch metrics (embedded metric format, no API calls) of a handler: turns, brand call outcomes
 * and brand latency, by the `callcard` namespace. The local stack sets POWERTOOLS_METRICS_DISABLED.
 */
export function createMetrics(handlerName: string): Metrics {
  return new Metrics({
    namespace: 'callcard',
    serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'callcard',
    defaultDimensions: { handler: handlerName },
  });
}
