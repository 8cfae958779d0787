import * as z from 'zod';
import { FAILURE_REASONS } from '../flow/failureReasons';

// A card's health: its calls, outcomes and latency over the last hour, day or week, in time buckets,
// computed from its execution log entries (one per attempt: what callcard already records). The alert
// state of the workspace's rules for the card is judged from the same entries, as the CloudWatch
// alarms judge the executor's metrics on AWS (docs/DEPLOY.md, "Card health and alerts").

/** The kinds of failure the health view counts: each failure reason falls under exactly one (`failureKind`). */
export const FAILURE_KINDS = ['timeout', '5xx', '4xx', 'contract', 'breaker', 'guard', 'other'] as const;
export type FailureKind = (typeof FAILURE_KINDS)[number];

/**
 * The one place reasons become kinds. Keys are the flow's documented reasons (FAILURE_REASONS, the one
 * list); one not named here (`network`, `config`, `budget`, …) is `other`. `contract` is named by its
 * text so that it counts as soon as the list has it.
 */
const KIND_OF_REASON: Readonly<Record<string, FailureKind>> = {
  timeout: 'timeout',
  // The brand answered 202 and never called back in time: its answer timed out.
  callback_timeout: 'timeout',
  http_5xx: '5xx',
  http_4xx: '4xx',
  contract: 'contract',
  circuit_open: 'breaker',
  guard: 'guard',
};

const DOCUMENTED = new Set<string>(FAILURE_REASONS);

/**
 * The kind of a failed attempt from the execution log's reason, which is finer than the flow's
 * (`http_503`, `blocked`, `port 8443 not allowed …`, `invalid_response: …`, `rate cap: …`): the
 * outbound guard's own words become `guard`, a status its class, and a reason of the one list (or one
 * that starts with it and a colon, `contract: …`) its entry above.
 */
export function failureKind(reason: string | undefined, status?: number): FailureKind {
  const text = (reason ?? '').trim();
  const http = /^http_(\d)\d\d$/.exec(text);
  if (http) return http[1] === '5' ? '5xx' : http[1] === '4' ? '4xx' : 'other';
  // Refused by callcard's outbound guard before (or instead of) connecting.
  if (text === 'blocked' || text === 'redirect' || /^port \d+ not allowed/.test(text) || /^secret \S+ not allowed for host/.test(text))
    return 'guard';
  // The connection's rate cap left no slot in the card's time: the flow sees it as a timeout.
  if (text.startsWith('rate cap:')) return 'timeout';
  const head = text.split(':')[0]?.trim() ?? '';
  const kind = KIND_OF_REASON[head];
  if (kind && (DOCUMENTED.has(head) || head === 'contract')) return kind;
  if (status !== undefined && status >= 500) return '5xx';
  if (status !== undefined && status >= 400) return '4xx';
  return 'other';
}

/**
 * What health reads of an execution log entry (shared/store/executionLog.ts writes them): when, how it
 * ended, why, the brand's status and latency, and the flow version that ran.
 */
type Entry = {
  at: string;
  outcome: 'success' | 'failure' | 'fired';
  reason?: string | undefined;
  status?: number | undefined;
  latencyMs: number;
  version?: number | undefined;
};

/** Answers given without calling the brand: counted as calls and outcomes, but not in the brand's latency. */
const WITHOUT_BRAND = new Set(['cache_hit', 'stale_if_error', 'circuit_open']);

/** Whether an attempt's latency is the brand's (it was called): not a cache hit, an open circuit or a guard's refusal. */
function reachedBrand(entry: Pick<Entry, 'reason' | 'outcome' | 'status' | 'latencyMs'>): boolean {
  if (entry.reason !== undefined && WITHOUT_BRAND.has(entry.reason)) return false;
  if (entry.outcome !== 'failure') return true;
  const kind = failureKind(entry.reason, entry.status);
  if (kind === 'guard' || kind === 'breaker') return false;
  // A card that never left (config, budget spent before it, rate cap): no answer and no time.
  return entry.status !== undefined || entry.latencyMs > 0;
}

/** The nearest-rank percentile of sorted values (`p` in 0-100); undefined for none. */
export function percentile(sorted: readonly number[], p: number): number | undefined {
  if (sorted.length === 0) return undefined;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(sorted.length, rank) - 1];
}

export const healthWindowSchema = z.enum(['hour', 'day', 'week']);
export type HealthWindow = z.infer<typeof healthWindowSchema>;

/** Each window's buckets: 12 × 5 min, 24 × 1 h, 7 × 1 day (UTC), the last one holding now. */
export const HEALTH_WINDOWS: Readonly<Record<HealthWindow, { buckets: number; bucketMs: number }>> = {
  hour: { buckets: 12, bucketMs: 5 * 60_000 },
  day: { buckets: 24, bucketMs: 60 * 60_000 },
  week: { buckets: 7, bucketMs: 24 * 60 * 60_000 },
};

/** The time a window covers: `from` (inclusive) to `to` (exclusive), both on bucket boundaries. */
export function windowRange(window: HealthWindow, now: number): { from: number; to: number; bucketMs: number } {
  const { buckets, bucketMs } = HEALTH_WINDOWS[window];
  const to = Math.floor(now / bucketMs) * bucketMs + bucketMs;
  return { from: to - buckets * bucketMs, to, bucketMs };
}

const countsSchema = z.object({
  calls: z.number().int(),
  successes: z.number().int(),
  failures: z.number().int(),
  byKind: z.object(Object.fromEntries(FAILURE_KINDS.map((kind) => [kind, z.number().int()])) as Record<FailureKind, z.ZodNumber>),
  /** Latency (ms) of the calls that reached the brand; absent when none did. */
  p50: z.number().optional(),
  p95: z.number().optional(),
  p99: z.number().optional(),
});
export type HealthCounts = z.infer<typeof countsSchema>;

export const healthBucketSchema = countsSchema.extend({ from: z.string(), to: z.string() });
export type HealthBucket = z.infer<typeof healthBucketSchema>;
export const versionHealthSchema = countsSchema.extend({
  version: z.number().int().optional().describe('The flow version that ran; absent for entries written before it was kept'),
});

/** Calls, outcomes by kind and latency percentiles of some entries. */
export function countsOf(entries: readonly Entry[]): HealthCounts {
  const byKind = Object.fromEntries(FAILURE_KINDS.map((kind) => [kind, 0])) as Record<FailureKind, number>;
  const latencies: number[] = [];
  let failures = 0;
  for (const entry of entries) {
    if (entry.outcome === 'failure') {
      failures += 1;
      byKind[failureKind(entry.reason, entry.status)] += 1;
    }
    if (reachedBrand(entry)) latencies.push(entry.latencyMs);
  }
  latencies.sort((a, b) => a - b);
  const p = (n: number) => percentile(latencies, n);
  const [p50, p95, p99] = [p(50), p(95), p(99)];
  return {
    calls: entries.length,
    successes: entries.length - failures,
    failures,
    byKind,
    ...(p50 !== undefined ? { p50 } : {}),
    ...(p95 !== undefined ? { p95 } : {}),
    ...(p99 !== undefined ? { p99 } : {}),
  };
}

/** A window's buckets, its totals and its totals per flow version (newest version first). */
export function aggregateHealth(entries: readonly Entry[], window: HealthWindow, now: number) {
  const { from, to, bucketMs } = windowRange(window, now);
  const inside = entries.filter((entry) => {
    const at = Date.parse(entry.at);
    return at >= from && at < to;
  });
  // Each entry into its bucket once (a view reads up to HEALTH_MAX_ENTRIES).
  const perBucket: Entry[][] = Array.from({ length: Math.round((to - from) / bucketMs) }, () => []);
  for (const entry of inside) perBucket[Math.floor((Date.parse(entry.at) - from) / bucketMs)]?.push(entry);
  const buckets: HealthBucket[] = perBucket.map((own, index) => ({
    from: new Date(from + index * bucketMs).toISOString(),
    to: new Date(from + (index + 1) * bucketMs).toISOString(),
    ...countsOf(own),
  }));
  const versions = new Map<number | undefined, Entry[]>();
  for (const entry of inside) {
    const own = versions.get(entry.version);
    if (own) own.push(entry);
    else versions.set(entry.version, [entry]);
  }
  return {
    from: new Date(from).toISOString(),
    to: new Date(to).toISOString(),
    bucketMs,
    buckets,
    totals: countsOf(inside),
    versions: [...versions.entries()]
      .sort(([a], [b]) => (b ?? -1) - (a ?? -1))
      .map(([version, own]) => ({ ...(version !== undefined ? { version } : {}), ...countsOf(own) })),
  };
}

// ---- alerts ----

/** The windows a failure-rate rule may take: each is one CloudWatch alarm of the deployment (infra/stacks/appStack.ts). */
export const ALERT_MINUTES = [5, 15, 60] as const;
/** "Any contract failure" looks at this many minutes: one failure in them is the alarm. */
export const CONTRACT_ALERT_MINUTES = 5;

/** A card's alert rules: "failure rate over `percent` % for `minutes` minutes" and "any contract failure". */
export const cardAlertRuleSchema = z
  .object({
    failureRate: z
      .object({
        percent: z.number().int().min(1).max(100).describe('Alarm when more than this share of the calls failed'),
        minutes: z.union([z.literal(5), z.literal(15), z.literal(60)]).describe('Over the last 5, 15 or 60 minutes'),
      })
      .strict()
      .optional(),
    contract: z.boolean().optional().describe(`Alarm on any contract failure (in the last ${CONTRACT_ALERT_MINUTES} minutes)`),
  })
  .strict();
export type CardAlertRule = z.infer<typeof cardAlertRuleSchema>;

/** A rule as the workspace's settings keep it: the card it watches and its rule. */
export const cardAlertSchema = cardAlertRuleSchema.extend({ flowId: z.string().min(1).max(64), blockId: z.string().min(1).max(64) });
export type CardAlert = z.infer<typeof cardAlertSchema>;

export const alertStateSchema = z.object({
  state: z.enum(['ok', 'alarm']),
  /** Since when the rule's condition holds (the oldest failure it counts); only in alarm. */
  since: z.string().optional(),
  /** Why, in words: `3 of 4 calls failed (75 %) in the last 5 minutes, over 50 %`. */
  why: z.string().optional(),
});
export type AlertState = z.infer<typeof alertStateSchema>;

/**
 * A rule's state now, from the card's entries (newest first or not): the failure-rate rule is in alarm
 * when, among the calls of the last `minutes`, more than `percent` % failed; the contract rule when a
 * call of the last CONTRACT_ALERT_MINUTES failed with kind contract. The CloudWatch alarms judge the same,
 * over one period of that length.
 */
export function alertState(rule: CardAlertRule, entries: readonly Entry[], now: number): AlertState {
  const reasons: string[] = [];
  let since: number | undefined;
  const within = (minutes: number) =>
    entries.filter((entry) => {
      const at = Date.parse(entry.at);
      return at > now - minutes * 60_000 && at <= now;
    });
  const oldest = (list: readonly Entry[]) => Math.min(...list.map((entry) => Date.parse(entry.at)));
  if (rule.failureRate) {
    const calls = within(rule.failureRate.minutes);
    const failed = calls.filter((entry) => entry.outcome === 'failure');
    if (calls.length > 0 && failed.length * 100 > rule.failureRate.percent * calls.length) {
      reasons.push(
        `${failed.length} of ${calls.length} calls failed (${Math.round((failed.length * 100) / calls.length)} %) in the last ${rule.failureRate.minutes} minutes, over ${rule.failureRate.percent} %`,
      );
      since = oldest(failed);
    }
  }
  if (rule.contract) {
    const broken = within(CONTRACT_ALERT_MINUTES).filter(
      (entry) => entry.outcome === 'failure' && failureKind(entry.reason, entry.status) === 'contract',
    );
    if (broken.length > 0) {
      reasons.push(`${broken.length} contract failure(s) in the last ${CONTRACT_ALERT_MINUTES} minutes`);
      since = Math.min(since ?? Infinity, oldest(broken));
    }
  }
  if (reasons.length === 0) return { state: 'ok' };
  return { state: 'alarm', ...(since !== undefined ? { since: new Date(since).toISOString() } : {}), why: reasons.join('; ') };
}
