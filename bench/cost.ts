import { performance } from 'node:perf_hooks';
import type { CallRecord } from '../local/aws/callRecorder';
import type { CustomerAction } from '../local/lineWebhookBody';
import { lineWebhookBody, signLineBody } from '../local/lineWebhookBody';
import { startLocalStack, type LocalStack } from '../local/localStack';
import { DEMO_MEMBER_USER_ID } from '../local/seedDemo';
import { functionSpec } from '../infra/functions';
import { AnswerWatch, postJson } from './closedLoop';

/**
 * What 1,000 turns cost on AWS, from what a turn uses on the AWS model: every AWS call the bench
 * counts (bench/roundTrips.ts), DynamoDB's capacity units by item size (the engine's ConsumedCapacity),
 * SQS requests in 64 KB chunks, the two Lambda invocations and how long each ran, the API Gateway
 * request, and the log bytes callcard writes at INFO. Priced with PRICES: list prices, one region.
 */

/**
 * AWS's public list prices in us-east-1 (US East, N. Virginia), on-demand, first tier, without the
 * free tier, as of 2026-12-05. Tokyo (ap-northeast-1) lists Lambda, SQS and API Gateway HTTP APIs
 * higher (API Gateway 1.29 USD a million); check there before budgeting for it.
 */
export const PRICES = {
  region: 'us-east-1',
  asOf: '2026-12-05',
  currency: 'USD',
  // https://aws.amazon.com/lambda/pricing/ : requests 0.20 USD a million; duration per GB-second, Arm
  // (Graviton) 0.0000133334, x86 0.0000166667 (first 7.5 / 6 billion GB-s a month); billed per 1 ms.
  lambda: { perMillionRequests: 0.2, perGbSecond: { arm64: 0.0000133334, x86_64: 0.0000166667 } },
  // https://aws.amazon.com/api-gateway/pricing/ : HTTP APIs 1.00 USD a million requests (first 300
  // million), metered in 512 KB increments.
  apiGatewayHttp: { perMillionRequests: 1.0, chunkBytes: 512 * 1024 },
  // https://aws.amazon.com/sqs/pricing/ : FIFO queues 0.50 USD a million requests; each 64 KB chunk of
  // a payload is billed as one request.
  sqsFifo: { perMillionRequests: 0.5, chunkBytes: 64 * 1024 },
  // https://aws.amazon.com/dynamodb/pricing/on-demand/ : on-demand (the table's PAY_PER_REQUEST), after
  // the November 2024 cut: 0.625 USD a million write request units (1 KB each), 0.125 a million read
  // request units (4 KB strongly consistent, 8 KB eventually consistent).
  dynamoOnDemand: { perMillionWriteUnits: 0.625, perMillionReadUnits: 0.125 },
  // https://aws.amazon.com/cloudwatch/pricing/ : logs ingested 0.50 USD a GB (Standard class; Lambda's
  // logs are vended logs at the same first tier); storage 0.03 USD a GB-month, compressed (not counted:
  // a month's retention of a turn's logs is a small fraction of their ingestion).
  cloudWatchLogs: { perGbIngested: 0.5 },
  // https://aws.amazon.com/xray/pricing/ : 5.00 USD a million traces recorded. The functions trace
  // actively; X-Ray's default sampling records the first request each second and 5% of the rest, so a
  // quiet bot has every turn traced (two traces: the webhook's and the executor's).
  xray: { perMillionTraces: 5.0 },
} as const;

/** How the functions run (infra/constructs/CallcardFunction.ts: ARM_64; memory from infra/functions.ts). */
export const LAMBDA_ARCHITECTURE = 'arm64' as const;

/**
 * Bytes Lambda itself logs per invocation: its START, END and REPORT lines (with the X-Ray trace id,
 * as the functions trace), about 400 bytes; and the executor's metrics (Powertools' embedded metric
 * format, one JSON document per invocation, about 700 bytes: the local stack disables metrics, so it
 * is estimated, not measured).
 */
export const PLATFORM_LOG_BYTES = { perInvocation: 400, executorMetrics: 700 } as const;

/** What one turn uses, on average over a scenario's turns. */
export interface TurnUsage {
  lambda: { invocations: number; billedMs: { webhook: number; executor: number }; gbSeconds: number };
  apiGatewayRequests: number;
  sqsRequests: number;
  dynamo: { readUnits: number; writeUnits: number; calls: number };
  logBytes: { callcard: number; platform: number };
  traces: number;
}

export interface TurnCost {
  /** USD for 1,000 turns. */
  total: number;
  /** USD for 1,000 turns, by what is billed. */
  parts: {
    lambdaRequests: number;
    lambdaDuration: number;
    apiGateway: number;
    sqs: number;
    dynamoReads: number;
    dynamoWrites: number;
    logs: number;
    xray: number;
  };
  perTurn: TurnUsage;
}

const DYNAMO_READS = new Set(['GetItem', 'BatchGetItem', 'Query', 'Scan']);

/** Prices one turn's usage for 1,000 turns. */
export function costPer1000Turns(usage: TurnUsage, prices = PRICES): TurnCost {
  const thousand = (perMillion: number, count: number) => (count * 1000 * perMillion) / 1e6;
  const parts = {
    lambdaRequests: thousand(prices.lambda.perMillionRequests, usage.lambda.invocations),
    lambdaDuration: usage.lambda.gbSeconds * 1000 * prices.lambda.perGbSecond[LAMBDA_ARCHITECTURE],
    apiGateway: thousand(prices.apiGatewayHttp.perMillionRequests, usage.apiGatewayRequests),
    sqs: thousand(prices.sqsFifo.perMillionRequests, usage.sqsRequests),
    dynamoReads: thousand(prices.dynamoOnDemand.perMillionReadUnits, usage.dynamo.readUnits),
    dynamoWrites: thousand(prices.dynamoOnDemand.perMillionWriteUnits, usage.dynamo.writeUnits),
    logs: (((usage.logBytes.callcard + usage.logBytes.platform) * 1000) / 1024 ** 3) * prices.cloudWatchLogs.perGbIngested,
    xray: thousand(prices.xray.perMillionTraces, usage.traces),
  };
  const round = (value: number) => Math.round(value * 1e6) / 1e6;
  const rounded = Object.fromEntries(Object.entries(parts).map(([key, value]) => [key, round(value)])) as TurnCost['parts'];
  return { total: round(Object.values(parts).reduce((sum, value) => sum + value, 0)), parts: rounded, perTurn: usage };
}

/** One turn's AWS calls and spans, as measured, summed into usage (one turn: divide sums by turns). */
export function usageOfTurns(
  turns: ReadonlyArray<{ calls: readonly CallRecord[]; webhookMs: number; executorMs: number; callcardLogBytes: number }>,
  memoryMb: { webhook: number; executor: number },
): TurnUsage {
  const n = Math.max(1, turns.length);
  const sum = (f: (turn: (typeof turns)[number]) => number) => turns.reduce((total, turn) => total + f(turn), 0) / n;
  const calls = (turn: (typeof turns)[number], service: string) => turn.calls.filter((c) => c.service === service);
  const billed = { webhook: sum((t) => Math.ceil(t.webhookMs)), executor: sum((t) => Math.ceil(t.executorMs)) };
  const chunks = (bytes: number) => Math.max(1, Math.ceil(bytes / PRICES.sqsFifo.chunkBytes));
  return {
    // One invocation each: at a quiet bot's rate a batch holds one turn (batching only lowers it).
    lambda: {
      invocations: 2,
      billedMs: billed,
      gbSeconds: (billed.webhook / 1000) * (memoryMb.webhook / 1024) + (billed.executor / 1000) * (memoryMb.executor / 1024),
    },
    apiGatewayRequests: 1,
    // The event source's receive that brought the job and its delete count; its empty long polls are
    // a fixed cost of the queue (a few pollers, one 20 s poll each at a time), not a turn's.
    sqsRequests: sum((t) =>
      calls(t, 'sqs')
        .filter((c) => c.operation !== 'ReceiveMessage' || (c.payloadBytes ?? 0) > 0)
        .reduce((total, c) => total + chunks(c.payloadBytes ?? 0), 0),
    ),
    dynamo: {
      readUnits: sum((t) =>
        calls(t, 'dynamodb')
          .filter((c) => DYNAMO_READS.has(c.operation))
          .reduce((total, c) => total + (c.capacityUnits ?? 0), 0),
      ),
      writeUnits: sum((t) =>
        calls(t, 'dynamodb')
          .filter((c) => !DYNAMO_READS.has(c.operation))
          .reduce((total, c) => total + (c.capacityUnits ?? 0), 0),
      ),
      calls: sum((t) => calls(t, 'dynamodb').length),
    },
    logBytes: {
      callcard: sum((t) => t.callcardLogBytes),
      platform: 2 * PLATFORM_LOG_BYTES.perInvocation + PLATFORM_LOG_BYTES.executorMetrics,
    },
    traces: 2,
  };
}

/** The three scenarios of the demo flow (README, "A five-minute tour"), as a customer's turns. */
export const COST_SCENARIOS: Record<string, { userId: string; turns: CustomerAction[] }> = {
  // Scenario 1: a verified member taps My tickets; a personal card answers with the carousel.
  tickets: { userId: DEMO_MEMBER_USER_ID, turns: [1, 2, 3].map(() => ({ type: 'postback', data: 'action=my_tickets' })) },
  // Scenario 2: `hot`, the brand's live best sellers as a carousel.
  bestSellers: { userId: 'U-cost-hot', turns: [1, 2, 3].map(() => ({ type: 'text', text: 'hot' })) },
  // Scenario 3: registration, three questions then the POST (and a fire-and-forget card): per turn of it.
  register: {
    userId: 'U-cost-register',
    turns: [
      { type: 'text', text: 'register' },
      { type: 'text', text: 'Lin Mei-Hua' },
      { type: 'text', text: '0912345678' },
      { type: 'text', text: 'Standard' },
    ],
  },
};

export interface CostMeasurement {
  prices: typeof PRICES;
  lambda: { architecture: typeof LAMBDA_ARCHITECTURE; memoryMb: { webhook: number; executor: number } };
  scenarios: Record<string, TurnCost>;
}

/**
 * Runs each scenario's turns one at a time on a local stack of its own (the AWS model, logs at INFO
 * counted and kept off the terminal), each turn once the last one's work is all done, and prices them.
 */
export async function measureCostPer1000Turns(settings: {
  brandMs: number;
  channelMs: number;
  model: { dynamoMs: number; sqsSendMs: number; pickupMs: number };
}): Promise<CostMeasurement> {
  const awsCalls: CallRecord[] = [];
  const watch = new AnswerWatch();
  const replies: Array<{ receivedAt: number; answeredAt: number }> = [];
  const memoryMb = { webhook: functionSpec('lineWebhook').memorySize ?? 512, executor: functionSpec('executor').memorySize ?? 512 };
  // callcard's log lines at INFO, as on AWS: counted, not printed.
  let logBytes = 0;
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    if (text.startsWith('{')) {
      logBytes += Buffer.byteLength(text);
      const callback = rest.find((arg) => typeof arg === 'function') as (() => void) | undefined;
      callback?.();
      return true;
    }
    return write(chunk as string, ...(rest as []));
  }) as typeof process.stdout.write;
  let stack: LocalStack | undefined;
  try {
    stack = await startLocalStack({
      port: 0,
      lineApiPort: 0,
      messengerApiPort: 0,
      brandApiPort: 0,
      logLevel: 'INFO',
      aws: { model: settings.model },
      lineStandIn: {
        latencyMs: settings.channelMs,
        onAnswered: (answer) => {
          watch.observe(answer);
          if (answer.call?.kind === 'reply' || answer.call?.kind === 'push') replies.push(answer);
        },
      },
      messengerStandIn: { latencyMs: settings.channelMs },
      brandApi: { latencyMs: settings.brandMs },
      awsCalls,
    });
    const url = `${stack.url}/webhooks/line/${stack.demo.lineChannelId}`;
    const scenarios: Record<string, TurnCost> = {};
    let n = 0;
    for (const [name, scenario] of Object.entries(COST_SCENARIOS)) {
      const measured = [];
      for (const action of scenario.turns) {
        await stack.idle();
        awsCalls.length = 0;
        logBytes = 0;
        const replyToken = `cost-${name}-${(n += 1)}`;
        const body = lineWebhookBody(action, { userId: scenario.userId, replyToken });
        const landed = watch.expect(replyToken, scenario.userId);
        const sentAt = performance.now();
        const status = await postJson(url, body, { 'x-line-signature': signLineBody(body, stack.demo.lineChannelSecret) });
        const webhookMs = performance.now() - sentAt;
        if (status !== 200) throw new Error(`cost: webhook answered ${status} to ${name}`);
        const landedAt = await landed;
        // Everything the turn started (bookkeeping after the reply, fire-and-forget cards) is done.
        await stack.idle();
        const calls = [...awsCalls];
        // The invocation: from its first AWS call to its last (the event source's polls aside) or the reply.
        const executor = calls.filter(
          (c) => c.tag === 'executor' && c.operation !== 'ReceiveMessage' && c.operation !== 'DeleteMessageBatch',
        );
        const executorStart = Math.min(...executor.map((c) => c.startedAt));
        const executorEnd = Math.max(landedAt, ...executor.map((c) => c.endedAt));
        measured.push({
          calls,
          webhookMs,
          executorMs: Number.isFinite(executorStart) ? executorEnd - executorStart : 0,
          callcardLogBytes: logBytes,
        });
      }
      scenarios[name] = costPer1000Turns(usageOfTurns(measured, memoryMb));
    }
    return { prices: PRICES, lambda: { architecture: LAMBDA_ARCHITECTURE, memoryMb }, scenarios };
  } finally {
    await stack?.stop();
    process.stdout.write = write;
  }
}
