import { performance } from 'node:perf_hooks';
import { startLocalStack } from '../local/localStack';
import { lineWebhookBody, signLineBody } from '../local/lineWebhookBody';
import { REPLY_TOKEN_SAFE_AGE_MS } from '../shared/channels/line/lineSender';
import { workspaceLeaseLimit } from '../shared/jobs/fairShare';
import { AnswerWatch, percentile, postJson } from './closedLoop';

/**
 * Capacity when a broadcast lands: how many turns per second one deployment serves and how long the
 * queue wait grows during a burst, from a simple model checked by a scaled-down simulation.
 *
 * Model. The executor runs at most `concurrency` invocations; each takes up to `batchSize` jobs whose
 * waits (brand, channel, DynamoDB) overlap but whose CPU does not: an invocation lasts one turn
 * (brand latency + callcard's own time per job beside it) plus the CPU of the other jobs of its batch,
 * on the share of a core the function has (Lambda gives 1 vCPU per 1,769 MB). One workspace's burst
 * holds at most its share of the invocations (shared/jobs/fairShare.ts: 8 of 10), and while jobs wait,
 * every poll returns a full batch, so the service rate is μ = share × batchSize / invocation. A burst of λ taps per second for D seconds
 * grows the queue by (λ − μ) per second; the last tap waits (λ − μ) × D / μ, then takes one turn. It is
 * answered with its reply token (free) when that is under the token's safe age (50 s of LINE's 60),
 * with a push (counted against the brand's message quota) otherwise.
 */
export interface CapacityInput {
  brandMs: number;
  /** callcard's own time per job beside the brand: reads, the reply, the writes (from the bench). */
  overheadMs: number;
  batchSize: number;
  concurrency: number;
  burstPerSecond: number;
  burstSeconds: number;
  /** CPU per job on a whole core (ms). */
  cpuMsPerJob: number;
  /** The share of a core one invocation has: memory / 1,769 MB on Lambda, 1 locally. */
  cpuShare: number;
}

/** Lambda's CPU share of a function with this much memory (1 vCPU at 1,769 MB). */
export function lambdaCpuShare(memoryMb: number): number {
  return Math.min(1, memoryMb / 1769);
}

export interface CapacityEstimate extends CapacityInput {
  turnsPerSecond: number;
  /** Queue wait of the burst's last tap, seconds. */
  lastWaitS: number;
  /** Webhook → answer of the burst's last tap, seconds. */
  lastAnswerS: number;
  /** Share of the burst's taps answered inside the reply token's safe age. */
  replyShare: number;
  /** The smallest concurrency that answers every tap of the burst inside the token's safe age. */
  concurrencyForAllReplies: number;
}

export function estimateCapacity(input: CapacityInput): CapacityEstimate {
  const turnS = (input.brandMs + input.overheadMs) / 1000;
  const invocationS = turnS + ((input.batchSize - 1) * input.cpuMsPerJob) / input.cpuShare / 1000;
  // The invocations one workspace may hold (the rest stay free for other workspaces' turns).
  const mu = (workspaceLeaseLimit(input.concurrency) * input.batchSize) / invocationS;
  const lambda = input.burstPerSecond;
  const growth = Math.max(0, lambda - mu);
  const lastWaitS = (growth * input.burstSeconds) / mu;
  const safeS = REPLY_TOKEN_SAFE_AGE_MS / 1000;
  // The tap arriving at t waits growth·t/μ: inside the token while that plus one turn is under safeS.
  const tLimit = growth > 0 ? ((safeS - turnS) * mu) / growth : Infinity;
  const replyShare = Math.max(0, Math.min(1, tLimit / input.burstSeconds));
  // Every tap inside: growth·D/μ + turn ≤ safe  ⇔  μ ≥ λ·D / (D + safe − turn).
  const muNeeded = (lambda * input.burstSeconds) / (input.burstSeconds + safeS - turnS);
  const invocationsNeeded = Math.max(1, Math.ceil((muNeeded * invocationS) / input.batchSize));
  let concurrencyForAllReplies = invocationsNeeded;
  while (workspaceLeaseLimit(concurrencyForAllReplies) < invocationsNeeded) concurrencyForAllReplies += 1;
  return {
    ...input,
    turnsPerSecond: round(mu),
    lastWaitS: round(lastWaitS),
    lastAnswerS: round(lastWaitS + turnS),
    replyShare: round(replyShare, 3),
    concurrencyForAllReplies,
  };
}

export interface SimulationResult {
  settings: CapacityInput & { channelMs: number; taps: number };
  /** What the model predicts for these settings, with the overhead measured by a single-customer turn. */
  predicted: CapacityEstimate;
  measured: { turnsPerSecond: number; lastWaitS: number; lastAnswerS: number; p50AnswerS: number; replies: number; pushes: number };
}

/**
 * The same code path scaled down: the local stack on the AWS latency model with one executor
 * invocation at a time and a slow brand, an open-loop burst of taps from distinct customers. Measures
 * the answer time of every tap and compares the last one with the model.
 */
export async function simulateBurst(options: {
  brandMs: number;
  channelMs: number;
  concurrency: number;
  batchSize: number;
  burstPerSecond: number;
  burstSeconds: number;
  /** The executor's CPU per job here, in-memory model included (the CPU bench's figure). */
  cpuMsPerJob: number;
}): Promise<SimulationResult> {
  const watch = new AnswerWatch();
  const stack = await startLocalStack({
    port: 0,
    lineApiPort: 0,
    messengerApiPort: 0,
    brandApiPort: 0,
    logLevel: 'SILENT',
    aws: { model: {} },
    lineStandIn: { latencyMs: options.channelMs, onAnswered: watch.observe },
    brandApi: { latencyMs: options.brandMs },
    executor: { concurrency: options.concurrency, batchSize: options.batchSize },
  });
  const url = `${stack.url}/webhooks/line/${stack.demo.lineChannelId}`;
  const secret = stack.demo.lineChannelSecret;
  const tap = async (tag: string): Promise<number> => {
    const replyToken = `burst-${tag}`;
    const userId = `Uburst${tag}`;
    const text = lineWebhookBody({ type: 'text', text: 'hot' }, { userId, replyToken });
    const landed = watch.expect(replyToken, userId, 300_000);
    const sentAt = performance.now();
    const status = await postJson(url, text, { 'x-line-signature': signLineBody(text, secret) });
    if (status !== 200) throw new Error(`webhook answered ${status}`);
    return (await landed) - sentAt;
  };
  try {
    // Warm the code up, then quiet turns: callcard's own time per job beside the brand, for the model.
    await Promise.all(Array.from({ length: 20 }, (_, i) => tap(`warm${i}`)));
    const single: number[] = [];
    for (let i = 0; i < 5; i += 1) single.push(await tap(`single${i}`));
    const turnMs = percentile(single, 50);
    const overheadMs = Math.max(0, turnMs - options.brandMs);
    watch.resetCounts();

    const taps = Math.round(options.burstPerSecond * options.burstSeconds);
    const answers: Array<Promise<number>> = [];
    const started = performance.now();
    for (let i = 0; i < taps; i += 1) {
      const due = started + (i * 1000) / options.burstPerSecond;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      answers.push(tap(`b${i}`));
    }
    const times = await Promise.all(answers);
    const elapsedS = (performance.now() - started) / 1000;
    const lastAnswerS = times[times.length - 1] ?? NaN;
    const input: CapacityInput = {
      brandMs: options.brandMs,
      overheadMs: Math.round(overheadMs),
      batchSize: options.batchSize,
      concurrency: options.concurrency,
      burstPerSecond: options.burstPerSecond,
      burstSeconds: options.burstSeconds,
      cpuMsPerJob: round(options.cpuMsPerJob, 1),
      // One thread runs the executor here, as one invocation has its own share of a core on Lambda.
      cpuShare: 1,
    };
    return {
      settings: { ...input, channelMs: options.channelMs, taps },
      predicted: estimateCapacity(input),
      measured: {
        turnsPerSecond: round(taps / elapsedS),
        lastWaitS: round((lastAnswerS - turnMs) / 1000),
        lastAnswerS: round(lastAnswerS / 1000),
        p50AnswerS: round(percentile(times, 50) / 1000),
        replies: watch.replies,
        pushes: watch.pushes,
      },
    };
  } finally {
    await stack.stop();
  }
}

function round(value: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
