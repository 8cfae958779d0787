import { closeSync, mkdirSync, openSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DeleteMessageBatchCommand, GetQueueAttributesCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { postJson } from '../bench/closedLoop';
import { lineWebhookBody, signLineBody } from '../local/lineWebhookBody';
import { DEMO_SIGNING_SECRET, startLocalStack, type LocalStack } from '../local/localStack';
import { messengerWebhookBody, signMessengerBody } from '../local/messengerWebhookBody';
import { SIGNING_SECRET_NAME } from '../shared/http/signRequest';
import { EXECUTOR_DEFAULTS, JOB_MAX_RECEIVES } from '../shared/jobs/fairShare';
import { LEASE_TTL_MS } from '../functions/executor/fairShare';
import { ExecutorSupervisor, type KillRecord } from './executorSupervisor';
import { BRAND_FAULT_KINDS, startFaultyBrand, type BrandFault, type BrandFaultKind, type FaultyBrand } from './faultyBrand';
import { inCrashWindow, Observer, type KillSnapshot, type TurnRecord } from './observe';
import {
  LINE_FAULTS,
  MESSENGER_FAULTS,
  planConversations,
  type ChannelFault,
  type ConversationPlan,
  type ConversationState,
  type OutcomeKind,
} from './plan';
import {
  DEFAULT_NOISY_NEIGHBOUR,
  runNoisyNeighbour,
  setUpNoisyWorkspace,
  startSlowBrand,
  type NoisyNeighbourOptions,
  type NoisyNeighbourResult,
} from './noisyNeighbour';
import { createRng } from './rng';
import { soakFlow } from './soakFlow';

/**
 * The soak: many conversations of the three scenarios on LINE and Messenger, against the local stack
 * (dynalite and local-aws-sqs over HTTP, the channel stand-ins), with the executor in a child process
 * that is SIGKILLed mid-batch and restarted, a brand that fails in every way a brand fails, and channel
 * APIs that answer 500, 429 and "Invalid reply token". At the end every customer turn is checked:
 * exactly one outcome seen, none lost, none duplicated, nothing stuck outside the DLQ.
 */

export interface SoakOptions {
  conversations: number;
  seed: number;
  /** Conversations in flight at once (each is closed-loop: one turn at a time). */
  concurrency: number;
  /** SIGKILLs of the executor process during the run. */
  kills: number;
  /** The jobs queue's visibility timeout: how soon a killed or failed job comes back. */
  visibilityTimeoutSeconds: number;
  maxReceiveCount: number;
  /** The soak flow's card timeout (ms). */
  cardTimeoutMs: number;
  brandFaultRate: number;
  backgroundFaultRate: number;
  channelFaultRate: number;
  persistentRate: number;
  /** Give up on a turn whose job has not completed after this long (it should then be in the DLQ). */
  turnTimeoutMs: number;
  /** The executor's Powertools log level (its log goes to a file in the temp directory). */
  executorLogLevel: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'SILENT';
  /** The noisy-neighbour phase, after the conversations (false: none). */
  noisyNeighbour: NoisyNeighbourOptions | false;
  /** Each workspace's share of the executor, as deployed (false: the executor without it, to compare). */
  fairShare: boolean;
  /** Progress lines go here. */
  log: (line: string) => void;
}

export const DEFAULT_SOAK_OPTIONS: Omit<SoakOptions, 'log'> = {
  conversations: 500,
  seed: 1,
  concurrency: 16,
  kills: 5,
  // Production keeps the visibility timeout far above the longest job (6 × the executor's 90 s); here
  // the longest job (a card timing out on all 4 attempts: 4 × 500 ms + ≤ 1.75 s of backoff, after
  // another card) stays under 5 s, so a job is received again only when it failed or its process died.
  visibilityTimeoutSeconds: 5,
  // As deployed: 5 runs after as many deferrals as the fair share may give a job.
  maxReceiveCount: JOB_MAX_RECEIVES,
  cardTimeoutMs: 500,
  brandFaultRate: 0.4,
  backgroundFaultRate: 0.3,
  channelFaultRate: 0.3,
  persistentRate: 0.4,
  turnTimeoutMs: 60_000,
  executorLogLevel: 'WARN',
  noisyNeighbour: DEFAULT_NOISY_NEIGHBOUR,
  fairShare: true,
};

export type Verdict = 'ok' | 'lost' | 'duplicated' | 'wrong' | 'not-run';

export interface TurnReport {
  conversation: number;
  scenario: string;
  channel: string;
  userId: string;
  turn: number;
  jobId: string;
  action: string;
  /** What the fault plan predicted. */
  expected: string[];
  /** Every outcome the flow could give the turn (turns that broke the invariant). */
  valid?: string[][];
  /** Whether the outcome seen is the one the fault plan predicted. */
  predicted: boolean;
  seen: Array<{ via: string; messages: string[]; late: boolean; foreign: boolean }>;
  verdict: Verdict;
  outcome: OutcomeKind;
  brandFaults: Record<string, BrandFault>;
  channelFault?: ChannelFault;
  state: string;
  deliveries: number;
  deliveredAt: TurnRecord['deliveredAt'];
  sentAtMs?: number;
  killedInFlight: number[];
  /** What each kill that took the job left behind: the outbox, and the calls the customer had seen. */
  atKills: KillSnapshot[];
  inDlq: boolean;
  outbox?: { sent: number; of: number; done: boolean; replyTokenSpent: boolean } | null;
  why?: string;
}

export interface DlqEntry {
  jobId: string;
  receiveCount: string | undefined;
  turn?: { conversation: number; turn: number; verdict: Verdict; explanation: string };
}

export interface SoakResult {
  options: Omit<SoakOptions, 'log'>;
  startedAt: string;
  durationMs: number;
  conversations: { total: number; line: number; messenger: number; byScenario: Record<string, number>; completed: number };
  turns: { total: number; sent: number };
  faults: {
    brand: { planned: Record<BrandFaultKind, number>; plannedPersistent: number; responsesServed: Record<BrandFaultKind, number> };
    channel: {
      planned: Partial<Record<ChannelFault, number>>;
      served: Partial<Record<ChannelFault, number>>;
      invalidReplyTokenAnswers: number;
    };
    kills: number;
    jobsInFlightAtKills: number;
  };
  outcomes: {
    ok: number;
    okByKind: Record<OutcomeKind, number>;
    okNotPredicted: number;
    lost: number;
    duplicated: number;
    duplicatedInCrashWindow: number;
    wrong: number;
    notRun: number;
    stuckOutsideDlq: number;
    dlq: number;
  };
  delivery: {
    lineReplies: number;
    linePushes: number;
    messengerSends: number;
    redeliveredJobs: number;
    turnLatencyMs: { p50: number; p90: number; p99: number; max: number };
  };
  unattributedCalls: number;
  executor: { processes: number; crashes: number; logFile: string };
  kills: KillRecord[];
  dlq: DlqEntry[];
  problems: TurnReport[];
  /** The noisy-neighbour phase: the quiet workspace's reply latency while another floods the executor. */
  noisyNeighbour?: NoisyNeighbourResult;
  /** Turns that ended on a valid outcome other than the one the fault plan predicted (the first 50). */
  notPredicted: TurnReport[];
  invariant: { holds: boolean; failures: string[] };
}

/** The soak executor's timeout: its longest job (4 attempts of a card timing out, after another card; or a noisy-neighbour turn) is under 5 s. */
const EXECUTOR_TIMEOUT_MS = 10_000;
const LINE_CHANNEL = { id: 'soak-line', secret: 'soak-line-secret', token: 'soak-line-token' };
const PAGE = { id: 'soak-page', secret: 'soak-app-secret', token: 'soak-page-token', verifyToken: 'soak-verify' };
const WORKSPACE = 'soak';
const FLOW_ID = 'soak';

export async function runSoak(options: SoakOptions): Promise<SoakResult> {
  const startedAt = Date.now();
  const log = options.log;
  if (
    options.noisyNeighbour &&
    options.noisyNeighbour.cards * options.noisyNeighbour.cardMs + 1_000 > options.visibilityTimeoutSeconds * 1000
  ) {
    // As on AWS, a job must end within the visibility timeout, or it is handed out again while it runs.
    throw new Error(
      `the noisy neighbour's turns (${options.noisyNeighbour.cards} × ${options.noisyNeighbour.cardMs} ms) need a visibility timeout over ${Math.ceil((options.noisyNeighbour.cards * options.noisyNeighbour.cardMs + 1_000) / 1000)} s`,
    );
  }
  const rng = createRng(options.seed);
  const plans = planConversations(rng, {
    conversations: options.conversations,
    lineChannelId: LINE_CHANNEL.id,
    messengerChannelId: PAGE.id,
    brandFaultRate: options.brandFaultRate,
    backgroundFaultRate: options.backgroundFaultRate,
    channelFaultRate: options.channelFaultRate,
    persistentRate: options.persistentRate,
    runTag: `s${options.seed}`,
  });
  // The kill schedule: after how many finished conversations (one kill at a random point of each equal
  // stretch between 10% and 90% of the run), and how long into an invocation.
  const killPoints = Array.from({ length: options.kills }, (_, i) =>
    Math.floor(options.conversations * (0.1 + (0.8 * (i + rng.next())) / options.kills)),
  );
  const killDelays = killPoints.map(() => rng.int(0, 300));

  const observer = new Observer();
  const turns: TurnRecord[] = [];
  for (const conversation of plans) {
    for (const plan of conversation.turns) {
      const turn: TurnRecord = {
        plan,
        conversation,
        state: 'planned',
        calls: [],
        channelFaultsServed: 0,
        deliveries: 0,
        deliveredAt: [],
        killedInFlight: [],
        atKills: [],
      };
      turns.push(turn);
      observer.register(turn);
    }
  }
  const brandFaults = new Map<string, BrandFault>();
  for (const turn of turns)
    for (const [blockId, fault] of Object.entries(turn.plan.brandFaults)) brandFaults.set(`${turn.plan.jobId}#${blockId}`, fault);

  let invalidReplyTokenAnswers = 0;
  const stack: LocalStack = await startLocalStack({
    port: 0,
    lineApiPort: 0,
    messengerApiPort: 0,
    brandApiPort: 0,
    logLevel: 'SILENT',
    visibilityTimeoutSeconds: options.visibilityTimeoutSeconds,
    maxReceiveCount: options.maxReceiveCount,
    startExecutor: false,
    lineStandIn: {
      onAnswered: (answer) => {
        if (answer.status === 400 && !answer.call) invalidReplyTokenAnswers += 1;
        observer.onLineAnswered(answer);
      },
      faultFor: observer.lineFaultFor,
    },
    messengerStandIn: { onAnswered: observer.onMessengerAnswered, faultFor: observer.messengerFaultFor },
  });
  const brand: FaultyBrand = await startFaultyBrand({
    signingSecret: DEMO_SIGNING_SECRET,
    faultFor: (key) => brandFaults.get(key),
    slowMs: Math.round(options.cardTimeoutMs * 0.4),
    lateMs: Math.round(options.cardTimeoutMs * 1.6),
  });

  // The soak's workspace: the flow, a LINE channel and a Messenger page running it, the signing secret.
  const { store } = stack;
  await store.secrets.put(WORKSPACE, SIGNING_SECRET_NAME, DEMO_SIGNING_SECRET);
  // The plan's outcomes are the flow's English texts; a new workspace would speak zh-TW.
  await store.workspaceSettings.put(WORKSPACE, { language: 'en' });
  await store.flows.putVersion(WORKSPACE, FLOW_ID, 1, soakFlow(brand.url, options.cardTimeoutMs));
  // The noisy neighbour: a workspace of its own, whose brand is slow.
  const slowBrand = options.noisyNeighbour ? await startSlowBrand(options.noisyNeighbour.cardMs) : undefined;
  if (options.noisyNeighbour && slowBrand) await setUpNoisyWorkspace(stack, slowBrand.url, options.noisyNeighbour);
  const activeFlows = [{ flowId: FLOW_ID, version: 1 }];
  await store.channels.put({
    workspaceId: WORKSPACE,
    kind: 'line',
    channelId: LINE_CHANNEL.id,
    name: 'Soak LINE',
    secret: LINE_CHANNEL.secret,
    accessToken: LINE_CHANNEL.token,
    activeFlows,
  });
  await store.channels.put({
    workspaceId: WORKSPACE,
    kind: 'messenger',
    channelId: PAGE.id,
    name: 'Soak page',
    secret: PAGE.secret,
    accessToken: PAGE.token,
    verifyToken: PAGE.verifyToken,
    activeFlows,
  });

  // The executor, in a child process, on the same emulators and stand-ins.
  const logDir = path.join(os.tmpdir(), 'callcard-soak');
  mkdirSync(logDir, { recursive: true });
  const logFile = path.join(logDir, `executor-seed${options.seed}.log`);
  const logFd = openSync(logFile, 'w');
  const completed = new Set<string>();
  const waiters = new Map<string, () => void>();
  const redelivered = new Set<string>();
  const supervisor = new ExecutorSupervisor(
    {
      region: 'us-east-1',
      dynamodbEndpoint: stack.endpoints.dynamodb,
      credentials: stack.credentials,
      sqsEndpoint: stack.endpoints.sqs,
      tableName: stack.table.name,
      queueUrl: stack.queueUrl,
      lineApiBaseUrl: stack.lineStandIn.url,
      messengerApiBaseUrl: stack.messengerStandIn.url,
      allowHttpHosts: [stack.lineStandIn.url, stack.messengerStandIn.url, brand.url, ...(slowBrand ? [slowBrand.url] : [])].map(
        (u) => new URL(u).host,
      ),
      batchSize: EXECUTOR_DEFAULTS.batchSize,
      concurrency: EXECUTOR_DEFAULTS.maxConcurrency,
      // The executor's timeout as its context reports it (middy ends an invocation there, as Lambda
      // would): above the longest job, as production's 90 s are.
      timeoutMs: EXECUTOR_TIMEOUT_MS,
      fairShare: options.fairShare,
      logLevel: options.executorLogLevel,
    },
    {
      onInvocationStart: (jobIds) => {
        for (const jobId of jobIds) {
          const turn = observer.byJob.get(jobId);
          if (!turn) continue;
          turn.deliveries += 1;
          turn.deliveredAt.push({ atMs: Date.now() - startedAt, process: supervisor.processes });
          if (turn.deliveries > 1) redelivered.add(jobId);
        }
      },
      onInvocationEnd: (succeeded) => {
        for (const jobId of succeeded) {
          completed.add(jobId);
          waiters.get(jobId)?.();
        }
      },
    },
    logFd,
    startedAt,
  );
  await supervisor.start();
  log(
    `soak: seed ${options.seed}, ${plans.length} conversations, ${turns.length} turns planned, ${options.concurrency} at once, ${options.kills} kill(s) planned; executor log: ${logFile}`,
  );

  // Kills, at their points in the run.
  let finishedConversations = 0;
  let nextKill = 0;
  let killing: Promise<void> = Promise.resolve();
  const maybeKill = (): void => {
    while (nextKill < killPoints.length && finishedConversations >= (killPoints[nextKill] ?? Infinity)) {
      const delay = killDelays[nextKill] ?? 0;
      nextKill += 1;
      killing = killing.then(async () => {
        const n = supervisor.kills.length + 1;
        const record = await supervisor.killMidBatch(delay, async (jobIds) => {
          await Promise.all(
            jobIds.map(async (jobId) => {
              const turn = observer.byJob.get(jobId);
              if (!turn) return;
              turn.killedInFlight.push(n);
              const outbox = await store.jobStates.get(jobId);
              turn.atKills.push({
                kill: n,
                outbox: outbox ? { sent: outbox.sent, of: outbox.deliveries.length, done: outbox.done } : null,
                callsSeen: turn.calls.length,
              });
            }),
          );
        });
        log(
          `  kill #${record.n} at ${(record.atMs / 1000).toFixed(1)} s: SIGKILL ${record.afterInvocationStartMs} ms into an invocation, ${record.jobsInFlight.length} job(s) in ${record.invocationsInFlight} invocation(s); new executor ready in ${record.restartMs} ms`,
        );
      });
    }
  };

  const waitForJob = async (turn: TurnRecord): Promise<boolean> => {
    const jobId = turn.plan.jobId;
    const deadline = Date.now() + options.turnTimeoutMs;
    let lastStoreCheck = Date.now();
    while (!completed.has(jobId)) {
      if (Date.now() > deadline) return false;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 1_000);
        waiters.set(jobId, () => {
          clearTimeout(timer);
          resolve();
        });
      });
      waiters.delete(jobId);
      // The completion report dies with a killed process: after a while, ask the store.
      if (!completed.has(jobId) && Date.now() - lastStoreCheck > 10_000) {
        lastStoreCheck = Date.now();
        if ((await store.jobStates.get(jobId))?.done) completed.add(jobId);
      }
    }
    return true;
  };

  const runTurn = async (turn: TurnRecord): Promise<boolean> => {
    const { plan, conversation } = turn;
    observer.begin(turn);
    const fault = plan.channelFault;
    if (plan.replyToken && (fault === 'invalidReplyToken' || fault === 'push500' || fault === 'push429'))
      stack.lineStandIn.expireReplyToken(plan.replyToken);
    turn.sentAt = Date.now();
    turn.state = 'sent';
    try {
      if (conversation.channel === 'line') {
        const body = lineWebhookBody(plan.action, {
          userId: conversation.userId,
          webhookEventId: plan.eventId,
          replyToken: plan.replyToken,
        });
        turn.webhookStatus = await postJson(`${stack.url}/webhooks/line/${conversation.channelId}`, body, {
          'x-line-signature': signLineBody(body, LINE_CHANNEL.secret),
        });
      } else {
        const body = messengerWebhookBody(plan.action, { psid: conversation.userId, pageId: conversation.channelId, mid: plan.eventId });
        turn.webhookStatus = await postJson(`${stack.url}/webhooks/messenger/${conversation.channelId}`, body, {
          'x-hub-signature-256': signMessengerBody(body, PAGE.secret),
        });
      }
    } catch {
      turn.webhookStatus = 0;
    }
    if (turn.webhookStatus !== 200) {
      turn.state = 'webhook-failed';
      observer.end(turn);
      return false;
    }
    const done = await waitForJob(turn);
    turn.completedAt = Date.now();
    turn.state = done ? 'completed' : 'timed-out';
    observer.end(turn);
    return done;
  };

  // Closed-loop conversations, `concurrency` at once.
  const queue = [...plans];
  const progressEvery = Math.max(10, Math.round(plans.length / 10));
  const worker = async (): Promise<void> => {
    for (let conversation = queue.shift(); conversation; conversation = queue.shift()) {
      for (const plan of conversation.turns) {
        const turn = observer.byJob.get(plan.jobId);
        if (!turn || !(await runTurn(turn))) break;
      }
      finishedConversations += 1;
      if (finishedConversations % progressEvery === 0)
        log(`  ${finishedConversations}/${plans.length} conversations (${((Date.now() - startedAt) / 1000).toFixed(1)} s)`);
      maybeKill();
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency, plans.length) }, worker));
  await killing;

  // The noisy neighbour, once the conversations are done (their kills too), and once the leases the
  // last kill left lapsed: until then the soak's workspace counts as holding them (docs/DEPLOY.md).
  const lastKill = supervisor.kills.at(-1);
  if (options.noisyNeighbour && lastKill) {
    const wait = startedAt + lastKill.atMs + LEASE_TTL_MS + 1_000 - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  }
  const noisyNeighbour = options.noisyNeighbour
    ? await runNoisyNeighbour(stack, observer, LINE_CHANNEL, {
        ...options.noisyNeighbour,
        fairShare: options.fairShare,
        runTag: `s${options.seed}`,
        log,
      })
    : undefined;
  if (noisyNeighbour) {
    const { quiet, noisy } = noisyNeighbour;
    log(
      `  noisy neighbour: ${quiet.answered} replies of the quiet workspace: p50 ${quiet.latencyMs.p50} ms, p99 ${quiet.latencyMs.p99} ms, max ${quiet.latencyMs.max} ms; the flood answered after ${(noisy.lastAnswerMs / 1000).toFixed(1)} s`,
    );
  }

  // Drain: nothing left in the queue (in flight included), then a grace period for anything late.
  log('  conversations done; waiting for the queue to drain');
  const drainDeadline = Date.now() + options.visibilityTimeoutSeconds * 1000 * (options.maxReceiveCount + 2) + 30_000;
  for (;;) {
    const { Attributes } = await stack.sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: stack.queueUrl,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    const left = Number(Attributes?.ApproximateNumberOfMessages ?? 0) + Number(Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0);
    if (left === 0 || Date.now() > drainDeadline) break;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  const { Attributes: finalQueue } = await stack.sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: stack.queueUrl, AttributeNames: ['ApproximateNumberOfMessages'] }),
  );
  const leftInQueue = Number(finalQueue?.ApproximateNumberOfMessages ?? 0);
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  await supervisor.stop();
  closeSync(logFd);

  // The DLQ: every message, read once (and removed, the stack is thrown away after).
  const dlqJobs: Array<{ jobId: string; receiveCount: string | undefined }> = [];
  for (;;) {
    const received = await stack.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: stack.dlqUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 60, AttributeNames: ['All'] }),
    );
    const messages = received.Messages ?? [];
    if (messages.length === 0) break;
    for (const message of messages) {
      let jobId = '?';
      try {
        jobId = String((JSON.parse(message.Body ?? '{}') as { jobId?: unknown }).jobId);
      } catch {
        // not a job
      }
      dlqJobs.push({ jobId, receiveCount: message.Attributes?.ApproximateReceiveCount });
    }
    await stack.sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: stack.dlqUrl,
        Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle ?? '' })),
      }),
    );
  }
  const inDlq = new Set(dlqJobs.map((d) => d.jobId));

  // Judge every turn, each conversation in order (a turn's valid outcomes depend on the earlier ones).
  const reports: TurnReport[] = [];
  for (const conversation of plans) {
    const state: ConversationState = {};
    for (const plan of conversation.turns) {
      const turn = observer.byJob.get(plan.jobId);
      if (turn) reports.push(await judge(turn, state, inDlq.has(plan.jobId), stack, startedAt));
    }
  }
  const dlq: DlqEntry[] = dlqJobs.map((entry) => {
    const report = reports.find((r) => r.jobId === entry.jobId);
    return {
      ...entry,
      ...(report
        ? { turn: { conversation: report.conversation, turn: report.turn, verdict: report.verdict, explanation: explainDlq(report) } }
        : {}),
    };
  });

  const durationMs = Date.now() - startedAt;
  await Promise.all([stack.stop(), brand.close(), slowBrand?.close()]);

  // Figures.
  const count = <T extends string>(values: T[]): Record<T, number> =>
    values.reduce((acc, v) => ({ ...acc, [v]: (acc[v] ?? 0) + 1 }), {} as Record<T, number>);
  const plannedBrand = Object.fromEntries(BRAND_FAULT_KINDS.map((k) => [k, 0])) as Record<BrandFaultKind, number>;
  let plannedPersistent = 0;
  for (const turn of turns) {
    if (turn.state === 'planned') continue;
    for (const fault of Object.values(turn.plan.brandFaults)) {
      plannedBrand[fault.kind] += 1;
      if (fault.persistent) plannedPersistent += 1;
    }
  }
  const plannedChannel = count(
    turns.filter((t) => t.state !== 'planned' && t.plan.channelFault).map((t) => t.plan.channelFault as ChannelFault),
  );
  const ok = reports.filter((r) => r.verdict === 'ok');
  const latencies = turns
    .filter((t) => t.state === 'completed' && t.sentAt && t.calls.length > 0)
    .map((t) => Math.max(...t.calls.map((c) => c.at)) - (t.sentAt ?? 0))
    .sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.max(0, Math.ceil((p / 100) * latencies.length) - 1))] ?? 0;
  const allCalls = turns.flatMap((t) => t.calls);
  // A turn whose job never completed is explained only by the DLQ (a failed webhook queued nothing: it is lost).
  const stuckOutsideDlq = reports.filter((r) => r.state === 'timed-out' && !r.inDlq).length + leftInQueue;
  const problems = reports.filter((r) => r.verdict !== 'ok' && r.verdict !== 'not-run');
  const lost = reports.filter((r) => r.verdict === 'lost').length;
  const duplicated = reports.filter((r) => r.verdict === 'duplicated').length;
  const wrong = reports.filter((r) => r.verdict === 'wrong').length;
  const notRun = reports.filter((r) => r.verdict === 'not-run').length;

  const failures: string[] = [];
  if (lost) failures.push(`${lost} turn(s) lost: the customer saw nothing`);
  const duplicatedInCrashWindow = reports.filter((r) => r.verdict === 'duplicated' && r.atKills.some(inCrashWindow)).length;
  if (duplicated) {
    failures.push(
      `${duplicated} turn(s) duplicated: the customer saw the outcome more than once (${duplicatedInCrashWindow} of them: a SIGKILL after the channel accepted the answer and before the outbox recorded it as sent)`,
    );
  }
  if (wrong) failures.push(`${wrong} turn(s) whose messages are none of the turn's valid outcomes`);
  if (stuckOutsideDlq) failures.push(`${stuckOutsideDlq} job(s) stuck outside the DLQ`);
  if (notRun) failures.push(`${notRun} turn(s) never sent (their conversation stopped at a failed turn)`);
  if (observer.unattributed.length) failures.push(`${observer.unattributed.length} channel call(s) to nobody the soak knows`);
  for (const entry of dlq)
    if (!entry.turn || entry.turn.verdict !== 'ok')
      failures.push(`DLQ message for ${entry.jobId} whose customer did not see exactly one outcome`);
  if (supervisor.crashes.length) failures.push(`${supervisor.crashes.length} executor process crash(es) nobody caused`);
  if (noisyNeighbour) failures.push(...noisyNeighbour.failures);

  return {
    options: stripLog(options),
    startedAt: new Date(startedAt).toISOString(),
    durationMs,
    conversations: {
      total: plans.length,
      line: plans.filter((p) => p.channel === 'line').length,
      messenger: plans.filter((p) => p.channel === 'messenger').length,
      byScenario: count(plans.map((p) => p.scenario)),
      completed: plans.filter((p) => p.turns.every((t) => observer.byJob.get(t.jobId)?.state === 'completed')).length,
    },
    turns: { total: turns.length, sent: turns.filter((t) => t.state !== 'planned').length },
    faults: {
      brand: { planned: plannedBrand, plannedPersistent, responsesServed: brand.served() },
      channel: { planned: plannedChannel, served: { ...observer.channelFaultsServed }, invalidReplyTokenAnswers },
      kills: supervisor.kills.length,
      jobsInFlightAtKills: supervisor.kills.reduce((sum, k) => sum + k.jobsInFlight.length, 0),
    },
    outcomes: {
      ok: ok.length,
      okByKind: Object.assign({ answer: 0, success: 0, 'failure-message': 0 }, count(ok.map((r) => r.outcome))),
      okNotPredicted: ok.filter((r) => !r.predicted).length,
      lost,
      duplicated,
      duplicatedInCrashWindow,
      wrong,
      notRun,
      stuckOutsideDlq,
      dlq: dlqJobs.length,
    },
    delivery: {
      lineReplies: allCalls.filter((c) => c.via === 'reply').length,
      linePushes: allCalls.filter((c) => c.via === 'push').length,
      messengerSends: allCalls.filter((c) => c.via === 'send').length,
      redeliveredJobs: redelivered.size,
      turnLatencyMs: { p50: pct(50), p90: pct(90), p99: pct(99), max: latencies[latencies.length - 1] ?? 0 },
    },
    unattributedCalls: observer.unattributed.length,
    executor: { processes: supervisor.processes, crashes: supervisor.crashes.length, logFile },
    kills: supervisor.kills,
    dlq,
    problems,
    ...(noisyNeighbour ? { noisyNeighbour } : {}),
    notPredicted: ok.filter((r) => !r.predicted).slice(0, 50),
    invariant: { holds: failures.length === 0, failures },
  };
}

function stripLog(options: SoakOptions): Omit<SoakOptions, 'log'> {
  const { log: _log, ...rest } = options;
  return rest;
}

/** Whether `seen` is `expected` with some of its messages repeated (and nothing else). */
export function isRepetition(seen: string[], expected: string[]): boolean {
  if (seen.length <= expected.length) return false;
  let next = 0;
  for (const message of seen) {
    if (message === expected[next]) next += 1;
    else if (!expected.slice(0, next).includes(message)) return false;
  }
  return next === expected.length;
}

async function judge(
  turn: TurnRecord,
  state: ConversationState,
  inDlq: boolean,
  stack: LocalStack,
  startedAt: number,
): Promise<TurnReport> {
  const { plan, conversation } = turn;
  const seenMessages = turn.calls.flatMap((c) => c.messages);
  const foreign = turn.calls.some((c) => c.foreign);
  const alternatives = plan.alternatives(state);
  const exact = alternatives.find((a) => sameList(seenMessages, a.messages));
  const repeated = exact ? undefined : alternatives.find((a) => isRepetition(seenMessages, a.messages));
  const matched = exact ?? repeated;
  let verdict: Verdict;
  let why: string | undefined;
  if (turn.state === 'planned') verdict = 'not-run';
  else if (seenMessages.length === 0) verdict = 'lost';
  else if (exact && !foreign) verdict = 'ok';
  else if (repeated) verdict = 'duplicated';
  else verdict = 'wrong';
  if (matched?.binds) state.memberId = matched.binds;
  if (verdict === 'duplicated') why = explainDuplicate(turn);
  if (foreign) why = 'a LINE call for this customer carried another turn’s reply token or retry key';
  if (turn.state === 'webhook-failed') why = `the webhook answered ${turn.webhookStatus ?? '?'}`;
  const stored =
    verdict === 'ok' && turn.state === 'completed' ? undefined : await stack.store.jobStates.get(plan.jobId).catch(() => undefined);
  return {
    conversation: conversation.id,
    scenario: conversation.scenario,
    channel: conversation.channel,
    userId: conversation.userId,
    turn: plan.index,
    jobId: plan.jobId,
    action: plan.action.type === 'text' ? `text ${JSON.stringify(plan.action.text)}` : `postback ${plan.action.data}`,
    expected: plan.expected,
    ...(verdict === 'ok' ? {} : { valid: alternatives.map((a) => a.messages) }),
    predicted: matched !== undefined && sameList(matched.messages, plan.expected),
    seen: turn.calls.map((c) => ({ via: c.via, messages: c.messages, late: c.late, foreign: c.foreign })),
    verdict,
    outcome: matched?.outcome ?? plan.outcome,
    brandFaults: plan.brandFaults,
    ...(plan.channelFault ? { channelFault: plan.channelFault } : {}),
    state: turn.state,
    deliveries: turn.deliveries,
    deliveredAt: turn.deliveredAt,
    ...(turn.sentAt ? { sentAtMs: turn.sentAt - startedAt } : {}),
    killedInFlight: turn.killedInFlight,
    atKills: turn.atKills,
    inDlq,
    ...(stored !== undefined || verdict !== 'ok'
      ? {
          outbox: stored
            ? { sent: stored.sent, of: stored.deliveries.length, done: stored.done, replyTokenSpent: stored.replyTokenSpent }
            : null,
        }
      : {}),
    ...(why ? { why } : {}),
  };
}

/** Where the second copy came from, from what the kills left behind. */
function explainDuplicate(turn: TurnRecord): string {
  if (turn.atKills.length === 0) return 'no kill took this job: not the crash window (look at the executor log)';
  const k = turn.atKills.find(inCrashWindow);
  if (!k)
    return `kill(s) ${turn.atKills.map((s) => `#${s.kill}: outbox ${JSON.stringify(s.outbox)}, ${s.callsSeen} call(s) seen`).join('; ')}: not the crash window (look at the executor log)`;
  const channel = turn.conversation.channel === 'line' ? 'LINE' : 'Meta';
  if (k.outbox === null) {
    return `kill #${k.kill} came after ${channel} accepted the answer but before the outbox was stored: the redelivered job ran the turn again${Object.keys(turn.plan.brandFaults).length ? ' (calling the brand again)' : ''} and, the reply token spent, sent its answer again`;
  }
  return `kill #${k.kill} came after ${channel} accepted ${k.callsSeen} request(s) while the outbox said sent ${k.outbox.sent} of ${k.outbox.of}, not done: the redelivered job resent what it could not know had landed`;
}

function explainDlq(report: TurnReport): string {
  const faults = [
    ...Object.entries(report.brandFaults).map(([block, f]) => `${block}: brand ${f.kind}${f.persistent ? ' (every attempt)' : ''}`),
    ...(report.channelFault ? [`channel: ${report.channelFault}`] : []),
    ...(report.killedInFlight.length ? [`in flight at kill(s) ${report.killedInFlight.map((k) => `#${k}`).join(', ')}`] : []),
  ];
  return `${report.channel} ${report.scenario} turn ${report.turn} (${report.action}), handed to the executor ${report.deliveries} time(s); ${faults.join('; ') || 'no fault planned'}; the customer ${report.verdict === 'ok' ? 'saw its one outcome' : `: ${report.verdict}`}`;
}

function sameList(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

export const ALL_CHANNEL_FAULTS: ChannelFault[] = [...LINE_FAULTS, ...MESSENGER_FAULTS];
export type { ConversationPlan };
