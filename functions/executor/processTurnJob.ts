import type { Logger } from '@aws-lambda-powertools/logger';
import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import type { Channel } from '../../shared/channels/channel';
import { ENV } from '../../shared/config/env';
import type { Connections } from '../../shared/connections/connection';
import { OAuth2Tokens } from '../../shared/connections/oauth2';
import { RateCap } from '../../shared/connections/rateCap';
import type { Session } from '../../shared/domain/session';
import { processBrandBreakers, type BrandBreakers } from '../../shared/engine/brandBreakers';
import type { CardAttempt } from '../../shared/engine/callApi';
import { processCardCache, type CardCache } from '../../shared/engine/cardCache';
import { runCard, type TurnCustomer } from '../../shared/engine/runCard';
import { runTurn } from '../../shared/engine/runTurn';
import { matchTrigger } from '../../shared/engine/triggers';
import { isPersonalCard, type Flow } from '../../shared/flow/schema';
import { failureKind, type CardAlert } from '../../shared/health/cardHealth';
import type { GuardedFetch } from '../../shared/http/guardedFetch';
import type { CallbackTimeouts } from '../../shared/jobs/callbackTimeouts';
import { conversationKey, type TurnJob } from '../../shared/jobs/job';
import { bindAttributeNames, personalMasker, personalNames, personalValues, type PersonalSource } from '../../shared/privacy/personalData';
import type { Customer, CustomerRef } from '../../shared/store/customers';
import type { StoredFlowVersion } from '../../shared/store/flows';
import type { Delivery, JobState, OutboxOwner } from '../../shared/store/jobStates';
import type { Store } from '../../shared/store/store';
import { expiresAfterDays, type WorkspaceSettings } from '../../shared/store/workspaceSettings';
import type { ChannelSender, DeliveryProgress } from '../../shared/channels/sender';
import { replyWhileStoringOutbox } from './replyBeforeOutbox';
import { callbackUrl, newCallbackId } from '../../shared/callbacks/callback';

export interface ExecutorDeps {
  store: Store;
  fetch: GuardedFetch;
  logger: Logger;
  /** The turn's sender; `settings` tell the simulator's how long its entries are kept. */
  senderFor: (channel: Channel, job: TurnJob, settings?: WorkspaceSettings) => ChannelSender;
  metrics?: Metrics;
  now?: () => number;
  /** Circuit breakers per workspace and origin: the process's own unless given (tests give their own). */
  breakers?: BrandBreakers;
  /** Answers of cacheable cards: the process's own unless given. */
  cardCache?: CardCache;
  /** Access tokens of OAuth 2.0 connections: the process's own (over the table, shared with the other instances) unless given. */
  tokens?: OAuth2Tokens;
  /** The slots of rate-capped connections: the process's own (over the table) unless given. */
  rateCap?: RateCap;
  /**
   * Where brands call back (`PUBLIC_API_URL`) and where callback timeouts are scheduled. Without it a
   * card with `callback` runs as one without (its 202 a plain success), as in the simulator.
   */
  callbacks?: { publicApiUrl: string; timeouts: CallbackTimeouts };
}

/** A job that cannot succeed by retrying (its channel or flow is gone): logged and dropped. */
export class UnprocessableJobError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnprocessableJobError';
  }
}

/** Which delivery of the job this is: SQS's receive count of its message (1 on the first). */
export interface JobAttempt {
  receiveCount: number;
  /**
   * Resolves when the turn may run: its workspace's share of the executor (fairShare.ts), asked for
   * beside the turn's reads and awaited once they are in, before anything is called or written.
   * Throws DeferredJobError when the job is to wait in the queue instead.
   */
  admit?: () => Promise<void>;
}

/**
 * Run one conversation turn and deliver its messages, with as little as possible between the
 * customer and the brand and between the brand and the reply:
 *
 * 1. One round of reads, all at once: the job's outbox (a retry), the channel, the customer, the
 *    session and the workspace's settings (the language of callcard's own texts, the ports cards may
 *    call) in one BatchGetItem, beside the workspace's secrets when the flow has cards, and beside
 *    the workspace's lease on the executor (its fair share: a turn refused one is deferred before
 *    anything is called or written). Flow versions come from memory.
 * 2. The turn: the loading indicator is started beside the brand call, never before it.
 * 3. The reply. On LINE it goes out while the outbox is being stored: a reply token is single-use and
 *    a push carries `X-Line-Retry-Key`, so no request of a LINE turn can land twice. Messenger has
 *    no such key: there the outbox is stored first, so a retry resends only what did not go out.
 * 4. The turn's effects (profile, attributes, session), the rest of the messages and the execution
 *    log, concurrently; then the outbox is marked done. A retry finds the outbox, re-applies the same
 *    effects and sends only what is not sent: the brand is never called twice for a stored turn.
 *
 * docs/DATA-MODEL.md ("Order of writes") says why each write is where it is.
 */
export async function processTurnJob(job: TurnJob, deps: ExecutorDeps, attempt: JobAttempt = { receiveCount: 1 }): Promise<void> {
  const now = deps.now ?? Date.now;
  const log = deps.logger;
  const ref: CustomerRef = { channelKind: job.channel.kind, channelId: job.channel.id, userId: job.userId };
  const cachedFlow = deps.store.flows.peekVersion(job.workspaceId, job.flow.flowId, job.flow.version);
  // Secrets are read beside everything else when the flow has a card, so the brand call never waits on
  // them; the settings (the language of callcard's own texts, the ports cards may call) come in the
  // turn's BatchGetItem.
  const withCards = cachedFlow !== undefined && hasCards(cachedFlow.flow);
  const secretsRead = withCards ? deps.store.secrets.all(job.workspaceId) : undefined;
  secretsRead?.catch(() => undefined);
  // The workspace's connections likewise, beside the rest, when a card of the flow names one.
  const connectionsRead =
    cachedFlow !== undefined && namesConnections(cachedFlow.flow) ? deps.store.connections.all(job.workspaceId) : undefined;
  connectionsRead?.catch(() => undefined);
  const [{ jobState: stored, channel, customer, session: openSession, settings }, queuedFlow] = await Promise.all([
    deps.store.turnReads.load(job.jobId, job.workspaceId, job.channel, ref, now()),
    cachedFlow ?? deps.store.flows.getVersion(job.workspaceId, job.flow.flowId, job.flow.version),
  ]);
  if (stored?.done) {
    log.info('job already done', { jobId: job.jobId });
    return;
  }
  if (!channel) throw new UnprocessableJobError(`channel ${job.channel.kind}/${job.channel.id} no longer exists`);
  // Nothing was called or written yet: a deferred job leaves no trace.
  await attempt.admit?.();
  const sender = deps.senderFor(channel, job, settings);
  const background: Promise<unknown>[] = [];
  const writes = new AfterReply();

  try {
    let state = stored;
    let firstDelivery: Promise<DeliveryProgress> | undefined;
    if (!state) {
      if (!queuedFlow) throw new UnprocessableJobError(`flow ${job.flow.flowId} v${job.flow.version} not found`);
      const turn = await runJobTurn(job, deps, {
        queuedFlow,
        customer,
        openSession,
        sender,
        background,
        writes,
        secretsRead,
        connectionsRead,
        settings,
      });
      const fresh: JobState = {
        jobId: job.jobId,
        deliveries: fitOutbox(sender.render(turn.result.messages), log),
        sent: 0,
        replyTokenSpent: false,
        replyRefused: false,
        echoed: [],
        done: false,
        effects: {
          attributes: turn.result.attributes,
          session: turn.result.session,
          hadSession: turn.session !== undefined,
          ...(turn.result.binding !== undefined ? { binding: turn.result.binding } : {}),
        },
      };
      deps.metrics?.addMetric('Turns', MetricUnit.Count, 1);
      log.info('turn ran', {
        jobId: job.jobId,
        conversation: `${job.channel.kind}:${job.channel.id}:${job.userId}`,
        ...(job.chat ? { chat: job.chat } : {}),
        route: turn.result.route,
        ...(turn.result.refused ? { refusedUnverified: turn.result.refused } : {}),
        ...(turn.result.binding !== undefined
          ? { binding: turn.result.binding ? `bound (${turn.result.binding.method})` : 'unbound' }
          : {}),
        messages: turn.result.messages.length,
        deliveries: fresh.deliveries.length,
      });
      const first = fresh.deliveries[0];
      if (first && sender.safeBeforeRecord) {
        // The loading call started beside the brand call; it lands before the reply that ends it.
        await turn.waiting;
        // The reply goes out while the outbox is stored (a refused token's record waits for it): replyBeforeOutbox.ts.
        ({ state, firstDelivery } = await replyWhileStoringOutbox(
          job,
          fresh,
          first,
          sender,
          deps.store.jobStates,
          outboxOwner(job),
          writes,
        ));
      } else {
        await turn.waiting;
        state = await deps.store.jobStates.create(fresh, outboxOwner(job));
      }
    } else if (attempt.receiveCount > 1) {
      log.info('job retried from its outbox', { jobId: job.jobId, sent: state.sent, of: state.deliveries.length });
    }
    writes.release();
    const [, progress] = await Promise.all([
      applyEffects(job, state, deps, { now, profileExists: !stored && customer !== undefined, settings }),
      deliverAll(job, state, sender, deps, firstDelivery),
    ]);
    await deps.store.jobStates.update(job.jobId, { sent: state.deliveries.length, replyTokenSpent: progress.replyTokenSpent, done: true });
  } finally {
    // Fire-and-forget cards and log entries: the customer already has the messages; outcomes are only logged.
    await Promise.allSettled(background);
    await writes.settle();
  }
}

/** LINE's loading animation lasts at most 60 s: shown that long (or the callback's timeout, if shorter) while a brand works. */
const CALLBACK_LOADING_MAX_SECONDS = 60;

interface TurnParts {
  queuedFlow: StoredFlowVersion;
  customer: Customer | undefined;
  openSession: Session | undefined;
  sender: ChannelSender;
  background: Promise<unknown>[];
  writes: AfterReply;
  secretsRead: Promise<Record<string, string>> | undefined;
  connectionsRead: Promise<Connections> | undefined;
  settings: WorkspaceSettings;
}

/** Run the flow for this job: the version it is pinned to, or the one the open conversation started on. */
async function runJobTurn(job: TurnJob, deps: ExecutorDeps, parts: TurnParts) {
  const log = deps.logger;
  const now = deps.now ?? Date.now;
  const { queuedFlow, customer, sender, background, writes } = parts;
  const callbacks = deps.callbacks;
  // A conversation finishes on the flow version it started on, unless a trigger starts it over.
  let flow: StoredFlowVersion = queuedFlow;
  let session = parts.openSession;
  if (session && !matchTrigger(queuedFlow.flow, job.event, { includeFallback: false, chat: job.chat })) {
    if (session.flowId !== queuedFlow.flowId || session.version !== queuedFlow.version) {
      flow = (await deps.store.flows.getVersion(job.workspaceId, session.flowId, session.version)) ?? queuedFlow;
      if (flow === queuedFlow) session = undefined;
    }
  }
  let secrets = parts.secretsRead;
  const workspaceSecrets = () => (secrets ??= deps.store.secrets.all(job.workspaceId));
  let connections = parts.connectionsRead;
  const workspaceConnections = () => (connections ??= deps.store.connections.all(job.workspaceId));
  const customerId = `${job.channel.kind}:${job.channel.id}:${job.userId}`;
  let waiting: Promise<void> = Promise.resolve();
  let waitingShown = false;
  const { language, allowedPorts, bindingLapseDays } = parts.settings;
  // Personal values (phone, member id...) never reach the execution log or its log line in clear.
  const personal = personalNames(parts.settings.personalAttributes, bindAttributeNames(flow.flow.blocks));
  let cardRuns = 0;
  const turnCustomer: TurnCustomer = {
    id: job.userId,
    channel: job.channel.kind,
    attributes: customer?.attributes ?? {},
    binding: customer?.binding,
  };
  const result = await runTurn(
    {
      flow: flow.flow,
      flowRef: { flowId: flow.flowId, version: flow.version },
      event: job.event,
      session,
      customer: turnCustomer,
      // Whether the customer's binding is live now, and when one made now lapses.
      now: now(),
      bindingLapseDays,
      language,
      ...(job.chat ? { chat: job.chat } : {}),
      ...(job.speakerId ? { speakerId: job.speakerId } : {}),
    },
    {
      callApi: async (blockId, block, context, budget) => {
        // Card runs of this turn, counted: each run keeps its own execution log entries.
        cardRuns += 1;
        const run = cardRuns;
        const [secrets, connections] = await Promise.all([
          workspaceSecrets(),
          block.request.connection !== undefined ? workspaceConnections() : undefined,
        ]);
        return runCard(
          // What is left of the customer message's budget (TURN_BUDGET): past it, the card fails with reason `budget`.
          { blockId, block, context, budget },
          {
            customer: turnCustomer,
            secrets,
            // Published flows on channels call their connections' production; the console's simulator, staging.
            connections,
            environment: job.simulator ? 'staging' : 'production',
            allowedPorts,
            idempotencyPrefix: job.jobId,
          },
          {
            fetch: deps.fetch,
            workspaceId: job.workspaceId,
            tokens: deps.tokens ?? (processTokens ??= new OAuth2Tokens({ fetch: deps.fetch, store: deps.store.connectionTokens })),
            rateCap: deps.rateCap ?? (processRateCap ??= new RateCap({ windows: deps.store.rateWindows, inFlight: deps.store.inFlight })),
            breakers: deps.breakers ?? processBrandBreakers,
            cache: deps.cardCache ?? processCardCache,
            onAttempt: (given) => {
              // The customer's personal values as the card saw them (answers of this turn included); a
              // personal card's query values all masked: what it asked is about the customer.
              const mask = personalMasker(
                personalValues(
                  {
                    attributes: context.attributes as PersonalSource['attributes'],
                    binding: (context.binding as PersonalSource['binding']) ?? customer?.binding,
                  },
                  personal,
                ),
              );
              const attempt = {
                ...given,
                url: mask.url(given.url, { everyQueryValue: isPersonalCard(flow.flow, block) }),
                ...(given.reason !== undefined ? { reason: mask.text(given.reason) } : {}),
                ...(given.warning !== undefined ? { warning: mask.text(given.warning) } : {}),
              };
              addAttemptMetrics(deps.metrics, attempt);
              addCardAlertMetrics(
                deps.metrics,
                parts.settings.alerts,
                { workspaceId: job.workspaceId, flowId: flow.flowId, blockId },
                attempt,
                process.env[ENV.cardAlertsDeployment],
              );
              log.info('card call', {
                jobId: job.jobId,
                blockId,
                run,
                method: attempt.method,
                url: attempt.url,
                status: attempt.status,
                latencyMs: attempt.latencyMs,
                outcome: attempt.outcome,
                reason: attempt.reason,
                warning: attempt.warning,
                attempt: attempt.attempt,
              });
              // When the attempt ended, though written once the reply is on its way, never before it.
              const at = new Date(now()).toISOString();
              writes.add(() =>
                deps.store.executionLog
                  .append(
                    {
                      at,
                      jobId: job.jobId,
                      workspaceId: job.workspaceId,
                      flowId: flow.flowId,
                      version: flow.version,
                      blockId,
                      customer: customerId,
                      ...attempt,
                      run,
                      outcome: block.fireAndForget && attempt.outcome === 'success' ? 'fired' : attempt.outcome,
                    },
                    expiresAfterDays(parts.settings.retention.logDays, now()),
                  )
                  .catch((error: unknown) => log.warn('could not write the execution log', { jobId: job.jobId, blockId, error })),
              );
            },
          },
        );
      },
      onWaiting: () => {
        if (waitingShown) return;
        waitingShown = true;
        // Beside the brand call, not before it: the reply waits for it only if the brand was faster.
        waiting = sender
          .showWaiting()
          .catch((error: unknown) => log.warn('could not show the waiting indicator', { jobId: job.jobId, error }));
      },
      // Nothing waits for a fire-and-forget call; its failure is logged, never thrown.
      background: (work) =>
        background.push(work.catch((error: unknown) => log.warn('fire-and-forget card failed', { jobId: job.jobId, error }))),
      onTemplateError: (blockId, error) =>
        log.warn('template could not render: failure path taken', { jobId: job.jobId, blockId, error: error.message }),
      // A linkAccount block's button on LINE: a link token for this customer, issued by the channel.
      ...(sender.issueLinkToken ? { linkToken: () => sender.issueLinkToken?.() ?? Promise.reject(new Error('no link token')) } : {}),
      onLinkTokenError: (blockId, error) =>
        log.warn('link token not issued: failure path taken', {
          jobId: job.jobId,
          blockId,
          error: error instanceof Error ? error.message : String(error),
        }),
      // A card waiting for the brand's callback (never in the simulator, whose turns reach no brand's callback).
      ...(callbacks && !job.simulator
        ? {
            newCallback: () => {
              const id = newCallbackId();
              return { id, url: callbackUrl(callbacks.publicApiUrl, job.workspaceId, id) };
            },
          }
        : {}),
    },
  );
  if (result.callback && callbacks) {
    // The brand took the work (202): the callback is stored and its timeout scheduled before the turn
    // is recorded, so a brand that calls back at once finds it (its resume job then queues behind
    // this one in the conversation's FIFO group). No Lambda waits for it.
    const wait = result.callback;
    await deps.store.callbacks.put({
      workspaceId: job.workspaceId,
      callbackId: wait.id,
      channel: job.channel,
      userId: job.userId,
      ...(job.chat ? { chat: job.chat } : {}),
      flow: { flowId: flow.flowId, version: flow.version },
      blockId: wait.blockId,
      jobId: job.jobId,
      // Nothing said yet: the resume answers with this turn's reply token while it lives (LINE), then pushes.
      ...(result.messages.length === 0 && job.replyToken ? { replyToken: job.replyToken } : {}),
      receivedAt: job.receivedAt,
      deadline: now() + wait.timeoutSeconds * 1000,
    });
    await callbacks.timeouts.schedule({ workspaceId: job.workspaceId, callbackId: wait.id }, wait.timeoutSeconds);
    log.info("waiting for the brand's callback", {
      jobId: job.jobId,
      blockId: wait.blockId,
      callbackId: wait.id,
      timeoutSeconds: wait.timeoutSeconds,
    });
    // The customer sees the bot working meanwhile (LINE: up to 60 s; the callback's answer ends it).
    const shown = waiting;
    waiting = shown
      .then(() => sender.showWaiting(Math.min(CALLBACK_LOADING_MAX_SECONDS, wait.timeoutSeconds)))
      .catch((error: unknown) => log.warn('could not show the waiting indicator', { jobId: job.jobId, error }));
  }
  return { result, session, waiting };
}

/**
 * The turn's changes to the customer: the profile (last inbound time, attributes set by name) and the
 * session as a whole. Applying them again on a retry is harmless.
 */
async function applyEffects(
  job: TurnJob,
  state: JobState,
  deps: ExecutorDeps,
  options: { now: () => number; profileExists: boolean; settings: WorkspaceSettings },
): Promise<void> {
  if (!state.effects) return;
  const ref: CustomerRef = { channelKind: job.channel.kind, channelId: job.channel.id, userId: job.userId };
  const { attributes, session, hadSession, binding } = state.effects;
  // An unfollow or a leave only ends the conversation: the customer did not write. Nor did they for a
  // brand's callback (its job carries the waiting turn's receipt time): its profile is written only
  // for what the resumed card changed, so a late callback never brings an erased customer back.
  const customerWrote =
    job.event.type !== 'closed' && (job.event.type !== 'callback' || Object.keys(attributes).length > 0 || binding !== undefined);
  await Promise.all([
    // An idle customer's profile expires retention.idleCustomerDays after their last turn (each turn moves it
    // on); a simulated customer's with its conversation, retention.simulatorDays.
    customerWrote
      ? deps.store.customers.recordTurn(
          { ...ref, workspaceId: job.workspaceId },
          attributes,
          new Date(job.receivedAt),
          options.profileExists,
          binding,
          expiresAfterDays(
            job.simulator ? options.settings.retention.simulatorDays : options.settings.retention.idleCustomerDays,
            job.receivedAt,
          ),
        )
      : undefined,
    session
      ? deps.store.customers.putSession(ref, session, options.now())
      : hadSession
        ? deps.store.customers.clearSession(ref)
        : undefined,
  ]);
}

/**
 * Send what is not sent yet, in order. Progress is recorded after each request but the last, whose
 * record is the one that marks the job done. `first` is delivery 0 when it already went out.
 */
async function deliverAll(
  job: TurnJob,
  state: JobState,
  sender: ChannelSender,
  deps: ExecutorDeps,
  first?: Promise<DeliveryProgress>,
): Promise<{ replyTokenSpent: boolean }> {
  const log = deps.logger;
  let progress = { replyTokenSpent: state.replyTokenSpent };
  const total = state.deliveries.length;
  const recordRefusal = () => deps.store.jobStates.recordReplyRefused(job.jobId);
  for (let index = state.sent; index < total; index += 1) {
    const delivery = state.deliveries[index];
    if (!delivery) break;
    if (state.echoed.includes(index)) {
      // Meta echoed it back to the page before this retry: it landed (see echoReceipt.ts).
      log.info('delivered', { jobId: job.jobId, index, via: 'echoed' });
      continue;
    }
    const context = { replyTokenSpent: progress.replyTokenSpent, replyRefused: state.replyRefused, recordRefusal };
    const outcome = index === 0 && first ? await first : await sender.deliver(index, delivery, context);
    if (outcome.via === 'earlier-reply')
      log.warn('reply token already spent by an earlier try of this job: its reply landed, nothing resent', { jobId: job.jobId, index });
    progress = { replyTokenSpent: outcome.replyTokenSpent };
    if (index + 1 < total)
      await deps.store.jobStates.update(job.jobId, { sent: index + 1, replyTokenSpent: outcome.replyTokenSpent, done: false });
    log.info('delivered', { jobId: job.jobId, index, via: outcome.via });
  }
  return progress;
}

/** Bookkeeping writes held until the reply is on its way, then started; all settled before the job ends. */
class AfterReply {
  private readonly held: Array<() => Promise<unknown>> = [];
  private readonly started: Promise<unknown>[] = [];
  private open = false;

  add(work: () => Promise<unknown>): void {
    if (this.open) this.started.push(work());
    else this.held.push(work);
  }

  release(): void {
    this.open = true;
    for (const work of this.held.splice(0)) this.started.push(work());
  }

  settle(): Promise<unknown> {
    this.release();
    return Promise.allSettled(this.started);
  }
}

/** Whether a flow has a card the customer may wait on (then its turns may need the workspace's secrets). */
function hasCards(flow: Flow): boolean {
  return Object.values(flow.blocks).some((block) => block.type === 'callApi');
}

/** The process's access tokens of OAuth 2.0 connections, made at the first card that needs one. */
let processTokens: OAuth2Tokens | undefined;
/** The process's view of rate-capped connections' slots (the table counts them fleet-wide). */
let processRateCap: RateCap | undefined;

/** Whether a card of the flow names a connection (then its turns read the workspace's connections). */
function namesConnections(flow: Flow): boolean {
  return Object.values(flow.blocks).some((block) => block.type === 'callApi' && block.request.connection !== undefined);
}

/** Whose outbox a job's is: listed under its customer (gsi1) for erasure and export. */
function outboxOwner(job: TurnJob): OutboxOwner {
  return { workspaceId: job.workspaceId, customer: conversationKey(job) };
}

/** A DynamoDB item holds 400 KB: an outbox stays well below, dropping trailing requests if it must. */
const MAX_OUTBOX_BYTES = 300_000;

function fitOutbox(deliveries: Delivery[], log: Logger): Delivery[] {
  const fitted = [...deliveries];
  while (fitted.length > 1 && Buffer.byteLength(JSON.stringify(fitted)) > MAX_OUTBOX_BYTES) fitted.pop();
  if (fitted.length < deliveries.length)
    log.warn('turn too large for one outbox: trailing messages dropped', {
      kept: fitted.length,
      dropped: deliveries.length - fitted.length,
    });
  return fitted;
}

/** A brand call's metrics; a call answered without the brand (circuit open, cache) has its own. */
export function addAttemptMetrics(metrics: Metrics | undefined, attempt: CardAttempt): void {
  if (!metrics) return;
  switch (attempt.reason) {
    case 'circuit_open':
      metrics.addMetric('BrandCircuitOpen', MetricUnit.Count, 1);
      return;
    case 'cache_hit':
      metrics.addMetric('BrandCacheHit', MetricUnit.Count, 1);
      return;
    case 'stale_if_error':
      metrics.addMetric('BrandCacheServedStale', MetricUnit.Count, 1);
      return;
    default:
      metrics.addMetric(attempt.outcome === 'success' ? 'BrandCallSucceeded' : 'BrandCallFailed', MetricUnit.Count, 1);
      metrics.addMetric('BrandLatency', MetricUnit.Milliseconds, attempt.latencyMs);
  }
}

/**
 * The metrics the deployment's card alarms watch (infra/stacks/appStack.ts), for a card with alert rules
 * only: a custom metric costs per dimension value, so cards nobody watches add none. Each attempt of a
 * card with a failure-rate rule gives `CardFailureMargin` (dimensions deployment, workspace, card, minutes): 100 − X
 * when it failed, −X when it did not, so its average over the rule's minutes is above 0 exactly when more
 * than X % of the calls failed (one Metrics Insights alarm per window serves every card, each with its
 * own X). A contract failure of a card with the contract rule gives `CardContractFailures` (deployment, workspace, card).
 */
export function addCardAlertMetrics(
  metrics: Metrics | undefined,
  alerts: readonly CardAlert[],
  card: { workspaceId: string; flowId: string; blockId: string },
  attempt: CardAttempt,
  deployment?: string,
): void {
  if (!metrics || alerts.length === 0) return;
  const rule = alerts.find((alert) => alert.flowId === card.flowId && alert.blockId === card.blockId);
  if (!rule) return;
  const failed = attempt.outcome === 'failure';
  // `deployment` (the stack, CARD_ALERTS_DEPLOYMENT): the alarms of one stage read only its own executor's.
  const dimensions = { ...(deployment ? { deployment } : {}), workspace: card.workspaceId, card: `${card.flowId}/${card.blockId}` };
  if (rule.failureRate) {
    const single = metrics.singleMetric();
    single.addDimensions({ ...dimensions, minutes: String(rule.failureRate.minutes) });
    single.addMetric('CardFailureMargin', MetricUnit.NoUnit, (failed ? 100 : 0) - rule.failureRate.percent);
  }
  if (rule.contract && failed && failureKind(attempt.reason, attempt.status) === 'contract') {
    const single = metrics.singleMetric();
    single.addDimensions(dimensions);
    single.addMetric('CardContractFailures', MetricUnit.Count, 1);
  }
}
