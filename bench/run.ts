import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { CallRecord } from '../local/aws/callRecorder';
import { demoFlow } from '../local/demoFlow';
import { startLocalStack, type LocalStack } from '../local/localStack';
import { flowSchema } from '../shared/flow/schema';
import { createGuardedFetch } from '../shared/http/guardedFetch';
import { startDirectBaseline } from './baseline';
import { BUNDLE_TARGETS, measureBundles } from './bundles';
import { estimateCapacity, lambdaCpuShare, simulateBurst } from './capacity';
import { COST_SCENARIOS, measureCostPer1000Turns } from './cost';
import { estimateRateCap, simulateRateCap } from './rateCap';
import { AnswerWatch, closedLoop, percentile, type TurnTiming } from './closedLoop';
import { measureExecutorCpu } from './executorCpu';
import { profileOwners } from './profile';
import { countRoundTrips } from './roundTrips';

/**
 * `npm run bench`: what a customer waits for, callcard against a direct handler on the same
 * stand-ins, on the AWS latency model and on the local emulators; round trips on the critical path;
 * executor CPU; bundle sizes and load times; brand connection reuse. Prints a table and writes
 * bench/results/latest.json. Targets are reported as met or not met; the process fails only when the
 * run itself fails (timings are never a test assertion).
 */
const { values: flags } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    /** Fail unless the JSON holds every figure (the CI smoke run: never a timing). */
    check: { type: 'boolean', default: false },
    'brand-ms': { type: 'string', default: '100' },
    'channel-ms': { type: 'string', default: '50' },
    'dynamo-ms': { type: 'string', default: '5' },
    'sqs-send-ms': { type: 'string', default: '10' },
    'pickup-ms': { type: 'string', default: '20' },
    customers: { type: 'string', default: '1,20,100' },
    /** The executor's MaximumConcurrency (infra's executorMaxConcurrency). */
    'executor-concurrency': { type: 'string', default: '10' },
    out: { type: 'string', default: path.join(__dirname, 'results', 'latest.json') },
  },
});

const QUICK = flags.quick === true;
const BRAND_MS = Number(flags['brand-ms']);
const CHANNEL_MS = Number(flags['channel-ms']);
const MODEL = { dynamoMs: Number(flags['dynamo-ms']), sqsSendMs: Number(flags['sqs-send-ms']), pickupMs: Number(flags['pickup-ms']) };
const LEVELS = (flags.customers ?? '1,20,100').split(',').map(Number);
/** Measured turns per customer, by concurrency (full run / quick run). */
const TURNS: Record<number, number> = QUICK ? { 1: 8, 20: 2, 100: 1 } : { 1: 60, 20: 15, 100: 6 };
const turnsFor = (customers: number) => TURNS[customers] ?? Math.max(1, Math.round((QUICK ? 20 : 300) / customers));

type Percentiles = { p50: number; p99: number };
type ByLevel<T> = Record<string, T>;

interface BackendResult {
  latencyMs: { callcard: ByLevel<Percentiles>; baseline: ByLevel<Percentiles> };
  baselineRatio: ByLevel<Percentiles>;
  overheadRatio: ByLevel<Percentiles>;
  ackMs: ByLevel<Percentiles>;
  /** Answers sent as replies (free, reply token) against pushes (quota), per run. */
  answers: ByLevel<{ replies: number; pushes: number; replyShare: number }>;
  brandConnectionsPer100?: number;
  /** CPU of this whole process (callcard or the direct handler, the stand-ins, the driver) per turn, ms. */
  processCpuMsPerTurn: ByLevel<{ callcard: number; baseline: number }>;
  /** At 20 customers: callcard's process CPU per turn split by whose code ran (profiled). */
  cpuPerTurnMs?: Record<string, number>;
  roundTrips?: { webhook: number; beforeBrand: number; afterBrand: number; callsPerTurn: { webhook: number; executor: number } };
}

function pct(values: number[]): Percentiles {
  return { p50: round(percentile(values, 50)), p99: round(percentile(values, 99)) };
}

function cpuMs(usage: NodeJS.CpuUsage): number {
  return (usage.user + usage.system) / 1000;
}

function round(value: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

async function runBackend(backend: 'model' | 'emulators'): Promise<BackendResult> {
  const watch = new AnswerWatch();
  const brandTimes: Array<{ receivedAt: number; answeredAt: number }> = [];
  const awsCalls: CallRecord[] = [];
  const loadingTimes: Array<{ receivedAt: number; answeredAt: number }> = [];
  const replyTimes: Array<{ receivedAt: number; answeredAt: number }> = [];
  const stack: LocalStack = await startLocalStack({
    port: 0,
    lineApiPort: 0,
    messengerApiPort: 0,
    brandApiPort: 0,
    logLevel: 'SILENT',
    aws: backend === 'model' ? { model: MODEL } : 'emulators',
    lineStandIn: {
      latencyMs: CHANNEL_MS,
      onAnswered: (answer) => {
        watch.observe(answer);
        if (answer.call?.kind === 'loading') loadingTimes.push(answer);
        if (answer.call?.kind === 'reply' || answer.call?.kind === 'push') replyTimes.push(answer);
      },
    },
    messengerStandIn: { latencyMs: CHANNEL_MS },
    brandApi: { latencyMs: BRAND_MS, onAnswered: (answer) => brandTimes.push(answer) },
    executor: { concurrency: Number(flags['executor-concurrency']) },
    awsCalls,
  });
  const baseline = await startDirectBaseline({
    flow: flowSchema.parse(demoFlow(stack.brandApi.url)),
    channelSecret: stack.demo.lineChannelSecret,
    accessToken: stack.demo.lineAccessToken,
    lineApiBaseUrl: stack.lineStandIn.url,
    signingSecret: stack.demo.signingSecret,
    fetch: createGuardedFetch({ allowHttpHosts: [new URL(stack.brandApi.url).host, new URL(stack.lineStandIn.url).host] }),
  });
  const callcardUrl = `${stack.url}/webhooks/line/${stack.demo.lineChannelId}`;
  const secret = stack.demo.lineChannelSecret;
  const result: BackendResult = {
    latencyMs: { callcard: {}, baseline: {} },
    baselineRatio: {},
    overheadRatio: {},
    ackMs: {},
    answers: {},
    processCpuMsPerTurn: {},
  };

  try {
    for (const customers of LEVELS) {
      const turns = turnsFor(customers);
      const level = `c${customers}`;
      let cpuBefore = process.cpuUsage();
      const direct = await closedLoop({
        webhookUrl: baseline.url,
        channelSecret: secret,
        watch,
        customers,
        turns,
        warmup: 1,
        tag: `${backend}b${customers}`,
      });
      const directCpu = cpuMs(process.cpuUsage(cpuBefore)) / ((turns + 1) * customers);
      watch.resetCounts();
      // Brand connections in steady state: counted after each customer's warm-up turn.
      let connectionsAtStart = 0;
      let brandCallsAtStart = 0;
      // Warm-up until the brand connection pool has grown to the load (3 turns per customer; 1 when quick).
      const warm = closedLoop({
        webhookUrl: callcardUrl,
        channelSecret: secret,
        watch,
        customers,
        turns: 0,
        warmup: QUICK ? 1 : 3,
        tag: `${backend}w${customers}`,
      });
      await warm;
      connectionsAtStart = stack.brandApi.connections();
      brandCallsAtStart = brandTimes.length;
      watch.resetCounts();
      cpuBefore = process.cpuUsage();
      const timings: TurnTiming[] = await closedLoop({
        webhookUrl: callcardUrl,
        channelSecret: secret,
        watch,
        customers,
        turns,
        warmup: 0,
        tag: `${backend}c${customers}`,
      });
      result.processCpuMsPerTurn[level] = {
        callcard: round(cpuMs(process.cpuUsage(cpuBefore)) / (turns * customers), 2),
        baseline: round(directCpu, 2),
      };
      const callcard = pct(timings.map((t) => t.landedMs));
      const base = pct(direct.map((t) => t.landedMs));
      result.latencyMs.callcard[level] = callcard;
      result.latencyMs.baseline[level] = base;
      result.baselineRatio[level] = { p50: round(callcard.p50 / base.p50, 2), p99: round(callcard.p99 / base.p99, 2) };
      result.overheadRatio[level] = {
        p50: round(callcard.p50 / (BRAND_MS + CHANNEL_MS), 2),
        p99: round(callcard.p99 / (BRAND_MS + CHANNEL_MS), 2),
      };
      result.ackMs[level] = pct(timings.map((t) => t.ackMs));
      result.answers[level] = {
        replies: watch.replies,
        pushes: watch.pushes,
        replyShare: round(watch.replies / Math.max(1, watch.replies + watch.pushes), 3),
      };
      if (customers === 20) {
        const calls = brandTimes.length - brandCallsAtStart;
        result.brandConnectionsPer100 = round(((stack.brandApi.connections() - connectionsAtStart) / Math.max(1, calls)) * 100, 2);
        // Where the process's CPU goes at this load: a short profiled run after the measured one.
        const owners = await profileOwners(async () => {
          await closedLoop({
            webhookUrl: callcardUrl,
            channelSecret: secret,
            watch,
            customers,
            turns: QUICK ? 1 : 3,
            warmup: 0,
            tag: `${backend}p${customers}`,
          });
        });
        const perTurn = result.processCpuMsPerTurn[level]?.callcard ?? 0;
        result.cpuPerTurnMs = {
          total: perTurn,
          ...Object.fromEntries(Object.entries(owners).map(([owner, share]) => [owner, round(share * perTurn, 2)])),
        };
      }
      log(
        `  ${backend} ${level}: callcard p50 ${callcard.p50} ms p99 ${callcard.p99} | direct p50 ${base.p50} p99 ${base.p99} (${timings.length} turns; process CPU per turn ${JSON.stringify(result.processCpuMsPerTurn[level])} ms)`,
      );
    }
    result.roundTrips = await countRoundTrips(stack, awsCalls, watch, brandTimes, loadingTimes, replyTimes, backend);
  } finally {
    await baseline.close();
    await stack.stop();
  }
  return result;
}

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

interface Target {
  name: string;
  value: number;
  limit: number;
  met: boolean;
}

async function main(): Promise<void> {
  const startedAt = new Date();
  log(
    `callcard bench${QUICK ? ' (quick)' : ''}: brand ${BRAND_MS} ms, LINE ${CHANNEL_MS} ms; AWS model: DynamoDB ${MODEL.dynamoMs} ms, SQS send ${MODEL.sqsSendMs} ms, pickup ${MODEL.pickupMs} ms`,
  );
  const model = await runBackend('model');
  const emulators = await runBackend('emulators');
  log('  executor CPU per job (in-memory clients)...');
  const cpu = await measureExecutorCpu(QUICK ? 60 : 400);
  // The same job, its card with a response contract (20 objects checked per answer).
  const cpuWithContract = await measureExecutorCpu(QUICK ? 60 : 400, { contract: true });
  log('  capacity: a burst on the local stack scaled down (1 invocation at a time, a 400 ms brand)...');
  const cpuMsPerJob = cpu.medianUs / (1 - cpu.shares.model) / 1000;
  const simulation = await simulateBurst({
    brandMs: 400,
    channelMs: CHANNEL_MS,
    concurrency: 1,
    batchSize: 10,
    burstPerSecond: 30,
    burstSeconds: QUICK ? 3 : 10,
    cpuMsPerJob,
  });
  log(
    `  rate cap: a burst of 30 taps/s for ${QUICK ? 2 : 12} s against a brand capped at 5/s (the 300/s against 50/s of a broadcast, scaled down)...`,
  );
  const rateCapSimulation = await simulateRateCap({
    burstPerSecond: 30,
    burstSeconds: QUICK ? 2 : 12,
    capPerSecond: 5,
    brandMs: 100,
    channelMs: CHANNEL_MS,
  });
  // On AWS: the executor's CPU per job without the model, on a 512 MB function's share of a core.
  const overheadMs = Math.max(0, (model.latencyMs.callcard.c1?.p50 ?? 0) - BRAND_MS);
  const aws = [100, 300, 500, 1000].map((brandMs) =>
    estimateCapacity({
      brandMs,
      overheadMs: Math.round(overheadMs),
      batchSize: 10,
      concurrency: Number(flags['executor-concurrency']),
      burstPerSecond: 300,
      burstSeconds: 60,
      cpuMsPerJob: cpu.medianUs / 1000,
      cpuShare: round(lambdaCpuShare(512), 3),
    }),
  );
  log('  bundles (as CDK builds them) and their load times...');
  const bundles = await measureBundles({ runs: QUICK ? 3 : 10, topCount: 5 });
  log('  cost per 1,000 turns of each scenario (AWS list prices: bench/cost.ts)...');
  const cost = await measureCostPer1000Turns({ brandMs: BRAND_MS, channelMs: CHANNEL_MS, model: MODEL });

  const targets: Target[] = [];
  const target = (name: string, value: number | undefined, limit: number) =>
    targets.push({ name, value: value ?? NaN, limit, met: value !== undefined && value <= limit });
  target('model: p50 c1 ≤ 1.25 × direct', model.baselineRatio.c1?.p50, 1.25);
  target('model: p50 c20 ≤ 1.25 × direct', model.baselineRatio.c20?.p50, 1.25);
  target('model: p99 c20 ≤ 1.5 × direct', model.baselineRatio.c20?.p99, 1.5);
  target('emulators: p50 c1 ≤ 2 × direct (aim)', emulators.baselineRatio.c1?.p50, 2);
  target('emulators: p50 c20 ≤ 2 × direct (aim)', emulators.baselineRatio.c20?.p50, 2);
  target('webhook: sequential AWS round trips before the 200', model.roundTrips?.webhook, 2);
  target('executor: sequential round trips before the brand request', model.roundTrips?.beforeBrand, 1);
  target('executor: AWS round trips between brand answer and reply (LINE)', model.roundTrips?.afterBrand, 0);
  target('executor CPU per job, callcard own code (µs)', cpu.ownMedianUs, 1000);
  target('executor CPU per job with a contract, own code (µs)', cpuWithContract.ownMedianUs, 1000);
  for (const [name, bundle] of Object.entries(bundles)) {
    target(`bundle ${name} (KB, a ceiling)`, round(bundle.bytes / 1024, 0), BUNDLE_TARGETS.bytes / 1024);
    target(`bundle ${name} load (ms)`, bundle.loadMs, BUNDLE_TARGETS.loadMs);
  }
  target('new brand connections per 100 calls at c20', model.brandConnectionsPer100, 2);

  const json = {
    generatedAt: startedAt.toISOString(),
    quick: QUICK,
    machine: {
      cores: os.cpus().length,
      cpu: os.cpus()[0]?.model ?? 'unknown',
      loadAverage: os.loadavg().map((v) => round(v, 2)),
      node: process.version,
      platform: `${os.platform()} ${os.arch()}`,
    },
    settings: {
      brandMs: BRAND_MS,
      channelMs: CHANNEL_MS,
      model: MODEL,
      customers: LEVELS,
      turnsPerCustomer: Object.fromEntries(LEVELS.map((c) => [`c${c}`, turnsFor(c)])),
    },
    latencyMs: model.latencyMs,
    baselineRatio: model.baselineRatio,
    overheadRatio: model.overheadRatio,
    ackMs: model.ackMs,
    answers: model.answers,
    processCpuMsPerTurn: model.processCpuMsPerTurn,
    cpuPerTurnMsAtC20: model.cpuPerTurnMs,
    roundTrips: model.roundTrips,
    brandConnectionsPer100: model.brandConnectionsPer100,
    emulator: {
      latencyMs: emulators.latencyMs,
      baselineRatio: emulators.baselineRatio,
      overheadRatio: emulators.overheadRatio,
      ackMs: emulators.ackMs,
      answers: emulators.answers,
      processCpuMsPerTurn: emulators.processCpuMsPerTurn,
      cpuPerTurnMsAtC20: emulators.cpuPerTurnMs,
      roundTrips: emulators.roundTrips,
      brandConnectionsPer100: emulators.brandConnectionsPer100,
    },
    executorCpuUs: {
      median: cpu.medianUs,
      p90: cpu.p90Us,
      ownMedian: cpu.ownMedianUs,
      shares: cpu.shares,
      jobs: cpu.jobs,
      withContract: {
        median: cpuWithContract.medianUs,
        p90: cpuWithContract.p90Us,
        ownMedian: cpuWithContract.ownMedianUs,
        jobs: cpuWithContract.jobs,
      },
    },
    bundles,
    costPer1000Turns: { ...cost.scenarios, prices: cost.prices, lambda: cost.lambda },
    capacity: { awsDefaults: aws, simulation },
    // A broadcast's 300 taps/s for 60 s against a brand capped at 50/s, from the model (bench/rateCap.ts),
    // which the scaled-down simulation on the local stack checks.
    rateCap: {
      ...estimateRateCap({ burstPerSecond: 300, burstSeconds: 60, capPerSecond: 50, turnS: round((BRAND_MS + CHANNEL_MS) / 1000, 2) }),
      simulation: rateCapSimulation,
    },
    targets,
  };
  mkdirSync(path.dirname(flags.out ?? ''), { recursive: true });
  writeFileSync(flags.out ?? '', `${JSON.stringify(json, null, 2)}\n`);
  printTable(json, model, emulators, targets);
  console.log(
    `\ncost per 1,000 turns (USD, ${cost.prices.region} list prices as of ${cost.prices.asOf}; Lambda ${cost.lambda.architecture} ${cost.lambda.memoryMb.executor} MB)`,
  );
  for (const [name, c] of Object.entries(cost.scenarios)) {
    const parts = Object.entries(c.parts)
      .map(([part, usd]) => `${part} ${usd.toFixed(4)}`)
      .join(', ');
    console.log(`  ${name.padEnd(12)} ${c.total.toFixed(4)} = ${parts}`);
  }
  console.log(`\ncapacity (AWS: ${flags['executor-concurrency']} invocations × 10 jobs, 512 MB; a burst of 300 taps/s for 60 s)`);
  console.log('  brand ms   turns/s   last tap waits (s)   answered by reply');
  for (const c of aws)
    console.log(
      `  ${String(c.brandMs).padStart(8)} ${fmt(c.turnsPerSecond).padStart(9)} ${fmt(c.lastWaitS).padStart(20)} ${`${Math.round(c.replyShare * 100)}%`.padStart(19)}   (all by reply from concurrency ${c.concurrencyForAllReplies})`,
    );
  console.log(
    `  simulation (1 invocation, 400 ms brand, ${simulation.settings.taps} taps at ${simulation.settings.burstPerSecond}/s): predicted ${simulation.predicted.turnsPerSecond} turns/s, last answer ${simulation.predicted.lastAnswerS} s; measured ${simulation.measured.turnsPerSecond} turns/s, last answer ${simulation.measured.lastAnswerS} s; ${simulation.measured.replies} replies, ${simulation.measured.pushes} pushes`,
  );
  const capped = rateCapSimulation;
  console.log(
    `\nrate cap (a broadcast's 300 taps/s for 60 s, brand capped at 50/s; model): brand at most ${json.rateCap.maxBrandRps}/s, ${json.rateCap.failedTurns} turns failed, ${json.rateCap.replies} replies and ${json.rateCap.pushes} pushes, last answer after ${json.rateCap.lastAnswerS} s`,
  );
  console.log(
    `  simulation (${capped.settings.taps} taps at ${capped.settings.burstPerSecond}/s, cap ${capped.settings.capPerSecond}/s): brand at most ${capped.measured.maxBrandRps}/s (${capped.measured.brandRequests} requests), ${capped.measured.failedTurns} failed, ${capped.measured.replies} replies, ${capped.measured.pushes} pushes, last answer ${capped.measured.lastAnswerS} s (predicted ${capped.predicted.lastAnswerS} s, ${capped.predicted.replies} replies)`,
  );
  log(`\nJSON: ${path.relative(process.cwd(), flags.out ?? '')}`);
  if (flags.check) {
    const missing = missingFigures(json);
    if (missing.length > 0) {
      console.error(`bench JSON incomplete: ${missing.join(', ')}`);
      process.exit(1);
    }
    log('bench JSON complete');
  }
}

/** Every figure the JSON must hold, as dotted paths to finite numbers. */
export function missingFigures(json: unknown): string[] {
  const levels = ['c1', 'c20', 'c100'];
  const pairs = (prefix: string) => levels.flatMap((l) => [`${prefix}.${l}.p50`, `${prefix}.${l}.p99`]);
  const paths = [
    ...pairs('overheadRatio'),
    ...pairs('baselineRatio'),
    ...pairs('ackMs'),
    ...pairs('emulator.overheadRatio'),
    ...pairs('emulator.baselineRatio'),
    ...levels.map((l) => `answers.${l}.replyShare`),
    'roundTrips.webhook',
    'roundTrips.beforeBrand',
    'roundTrips.afterBrand',
    'roundTrips.callsPerTurn.webhook',
    'roundTrips.callsPerTurn.executor',
    'executorCpuUs.median',
    'executorCpuUs.withContract.median',
    'executorCpuUs.withContract.ownMedian',
    ...['lineWebhook', 'messengerWebhook', 'admin', 'executor'].flatMap((f) => [`bundles.${f}.bytes`, `bundles.${f}.loadMs`]),
    'brandConnectionsPer100',
    'machine.cores',
    'capacity.simulation.measured.lastAnswerS',
    'capacity.simulation.predicted.lastAnswerS',
    ...Object.keys(COST_SCENARIOS).flatMap((s) =>
      [
        'total',
        'parts.lambdaRequests',
        'parts.lambdaDuration',
        'parts.apiGateway',
        'parts.sqs',
        'parts.dynamoReads',
        'parts.dynamoWrites',
        'parts.logs',
        'parts.xray',
      ].map((p) => `costPer1000Turns.${s}.${p}`),
    ),
    ...['maxBrandRps', 'failedTurns', 'replies', 'pushes', 'lastAnswerS'].flatMap((figure) => [
      `rateCap.${figure}`,
      `rateCap.simulation.measured.${figure}`,
    ]),
  ];
  return paths.filter((p) => {
    const value = p
      .split('.')
      .reduce<unknown>(
        (node, key) => (node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined),
        json,
      );
    return typeof value !== 'number' || !Number.isFinite(value);
  });
}

function printTable(json: { machine: unknown }, model: BackendResult, emulators: BackendResult, targets: Target[]): void {
  const out: string[] = [];
  out.push('');
  out.push(
    'webhook → answer landed (ms)      model: callcard   direct   ratio    emulators: callcard   direct   ratio    ack p50/p99 (model)',
  );
  for (const customers of LEVELS) {
    const level = `c${customers}`;
    for (const p of ['p50', 'p99'] as const) {
      const m = model.latencyMs;
      const e = emulators.latencyMs;
      out.push(
        `  ${`${customers} customer${customers > 1 ? 's' : ''} ${p}`.padEnd(32)} ${fmt(m.callcard[level]?.[p]).padStart(17)} ${fmt(m.baseline[level]?.[p]).padStart(8)} ${fmt(model.baselineRatio[level]?.[p], 2).padStart(7)}  ${fmt(e.callcard[level]?.[p]).padStart(19)} ${fmt(e.baseline[level]?.[p]).padStart(8)} ${fmt(emulators.baselineRatio[level]?.[p], 2).padStart(7)}    ${p === 'p50' ? `${fmt(model.ackMs[level]?.p50)} / ${fmt(model.ackMs[level]?.p99)}` : ''}`,
      );
    }
  }
  out.push('');
  out.push('target'.padEnd(62) + 'value'.padStart(10) + 'limit'.padStart(8) + '  ');
  for (const t of targets)
    out.push(`${t.name.padEnd(62)}${fmt(t.value, 2).padStart(10)}${fmt(t.limit, 2).padStart(8)}  ${t.met ? 'met' : 'NOT MET'}`);
  out.push('');
  const calls = model.roundTrips?.callsPerTurn;
  if (calls)
    out.push(
      `AWS calls per turn (a card turn on LINE, one customer, the event source's receive and delete aside): webhook ${calls.webhook}, executor ${calls.executor}`,
    );
  for (const [name, backend] of [
    ['model', model],
    ['emulators', emulators],
  ] as const) {
    const cpu = backend.cpuPerTurnMs;
    if (cpu)
      out.push(
        `process CPU per turn at 20 customers (${name}): ${fmt(cpu.total)} ms = callcard ${fmt(cpu.callcard)}, AWS SDK ${fmt(cpu.awsSdk)}, AWS stand-in ${fmt(cpu.model)}, channel/brand stand-ins ${fmt(cpu.standIns)}, local platform ${fmt(cpu.platform)}, bench driver ${fmt(cpu.bench)} (direct handler: ${fmt(backend.processCpuMsPerTurn.c20?.baseline)} ms)`,
      );
  }
  out.push(`machine: ${JSON.stringify(json.machine)}`);
  console.log(out.join('\n'));
}

function fmt(value: number | undefined, digits = 1): string {
  return value === undefined || Number.isNaN(value) ? '-' : value.toFixed(digits);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
