import type { Metrics } from '@aws-lambda-powertools/metrics';
import { addAttemptMetrics } from '../../../../functions/executor/processTurnJob';
import type { CardAttempt } from '../../../../shared/engine/callApi';

function recorded(attempt: Partial<CardAttempt>): string[] {
  const names: string[] = [];
  const metrics = { addMetric: (name: string) => void names.push(name) } as unknown as Metrics;
  addAttemptMetrics(metrics, { method: 'GET', url: 'https://shop.example/', latencyMs: 0, outcome: 'success', attempt: 1, ...attempt });
  return names;
}

describe('card call metrics', () => {
  test('a brand call: outcome and latency', () => {
    expect(recorded({ outcome: 'success', status: 200, latencyMs: 40 })).toEqual(['BrandCallSucceeded', 'BrandLatency']);
    expect(recorded({ outcome: 'failure', reason: 'http_503' })).toEqual(['BrandCallFailed', 'BrandLatency']);
  });

  test('answered without the brand: circuit open, cache hit, stale served (no latency)', () => {
    expect(recorded({ outcome: 'failure', reason: 'circuit_open' })).toEqual(['BrandCircuitOpen']);
    expect(recorded({ reason: 'cache_hit' })).toEqual(['BrandCacheHit']);
    expect(recorded({ reason: 'stale_if_error' })).toEqual(['BrandCacheServedStale']);
  });
});
