import type { Logger } from '@aws-lambda-powertools/logger';
import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import type { Channel } from '../../shared/channels/channel';
import { executeCallApi } from '../../shared/engine/callApi';
import { runTurn } from '../../shared/engine/runTurn';
import { matchTrigger } from '../../shared/engine/triggers';
import type { GuardedFetch } from '../../shared/http/guardedFetch';
import type { TurnJob } from '../../shared/jobs/job';
import type { CustomerRef } from '../../shared/store/customers';
import type { StoredFlowVersion } from '../../shared/store/flows';
import type { Delivery, JobState } from '../../shared/store/jobStates';
import type { Store } from '../../shared/store/store';
import type { ChannelSender } from './channelSender';

export interface ExecutorDeps {
  store: Store;
  fetch: GuardedFetch;
  logger: Logger;
  senderFor: (channel: Channel, job: TurnJob) => ChannelSender;
  metrics?: Metrics;
  now?: () => number;
}

/** A job that cannot succeed by retrying (its channel or flow is gone): logged and dropped. */
export class UnprocessableJobError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnprocessableJobError';
  }
}

/**
 * Run one conversation turn and deliver its messages. The turn's messages are stored (the job's
 * outbox) before the first send, so a retried job resends only what did not go out, and never calls
 * the brand or runs the flow a second time.
 */
export async function processTurnJob(job: TurnJob, deps: ExecutorDeps): Promise<void> {
  const now = deps.now ?? Date.now;
  const log = deps.logger;
  let state = await deps.store.jobStates.get(job.jobId);
  if (state?.done) {
    log.info('job already done', { jobId: job.jobId });
    return;
  }
  const channel = await deps.store.channels.get(job.channel.kind, job.channel.id);
  if (!channel) throw new UnprocessableJobError(`channel ${job.channel.kind}/${job.channel.id} no longer exists`);
  const sender = deps.senderFor(channel, job);
  const background: Promise<unknown>[] = [];

  if (!state) {
    const ref: CustomerRef = { channelKind: job.channel.kind, channelId: job.channel.id, userId: job.userId };
    const [customer, openSession, queuedFlow] = await Promise.all([
      deps.store.customers.get(ref),
      deps.store.customers.getSession(ref, now()),
      deps.store.flows.getVersion(job.workspaceId, job.flow.flowId, job.flow.version),
    ]);
    if (!queuedFlow) throw new UnprocessableJobError(`flow ${job.flow.flowId} v${job.flow.version} not found`);
    // A conversation finishes on the flow version it started on, unless a trigger starts it over.
    let flow: StoredFlowVersion = queuedFlow;
    let session = openSession;
    if (session && !matchTrigger(queuedFlow.flow, job.event, { includeFallback: false })) {
      if (session.flowId !== queuedFlow.flowId || session.version !== queuedFlow.version) {
        flow = (await deps.store.flows.getVersion(job.workspaceId, session.flowId, session.version)) ?? queuedFlow;
        if (flow === queuedFlow) session = undefined;
      }
    }
    // Only turns that reach a card need the workspace's secrets: read them once, on the first card.
    let secrets: Promise<Record<string, string>> | undefined;
    const workspaceSecrets = () => (secrets ??= deps.store.secrets.all(job.workspaceId));
    const customerId = `${job.channel.kind}:${job.channel.id}:${job.userId}`;
    let waitingShown = false;
    const result = await runTurn(
      {
        flow: flow.flow,
        flowRef: { flowId: flow.flowId, version: flow.version },
        event: job.event,
        session,
        customer: { id: job.userId, channel: job.channel.kind, attributes: customer?.attributes ?? {} },
      },
      {
        callApi: async (blockId, block, context) =>
          executeCallApi(
            { block, context, secrets: await workspaceSecrets(), idempotencyKey: `${job.jobId}#${blockId}`, profile: { id: job.userId, channel: job.channel.kind, attributes: customer?.attributes ?? {} } },
            {
              fetch: deps.fetch,
              onAttempt: async (attempt) => {
                deps.metrics?.addMetric(attempt.outcome === 'success' ? 'BrandCallSucceeded' : 'BrandCallFailed', MetricUnit.Count, 1);
                deps.metrics?.addMetric('BrandLatency', MetricUnit.Milliseconds, attempt.latencyMs);
                log.info('card call', { jobId: job.jobId, blockId, method: attempt.method, url: attempt.url, status: attempt.status, latencyMs: attempt.latencyMs, outcome: attempt.outcome, reason: attempt.reason, attempt: attempt.attempt });
                await deps.store.executionLog.append({
                  at: new Date(now()).toISOString(),
                  jobId: job.jobId,
                  workspaceId: job.workspaceId,
                  flowId: flow.flowId,
                  blockId,
                  customer: customerId,
                  ...attempt,
                  outcome: block.fireAndForget && attempt.outcome === 'success' ? 'fired' : attempt.outcome,
                });
              },
            },
          ),
        onWaiting: async () => {
          if (waitingShown) return;
          waitingShown = true;
          await sender.showWaiting().catch((error: unknown) => log.warn('could not show the waiting indicator', { jobId: job.jobId, error }));
        },
        // Nothing waits for a fire-and-forget call; its failure is logged, never thrown.
        background: (work) => background.push(work.catch((error: unknown) => log.warn('fire-and-forget card failed', { jobId: job.jobId, error }))),
        onTemplateError: (blockId, error) => log.warn('template could not render: failure path taken', { jobId: job.jobId, blockId, error: error.message }),
      },
    );
    const fresh: JobState = {
      jobId: job.jobId,
      deliveries: fitOutbox(sender.render(result.messages), log),
      sent: 0,
      replyTokenSpent: false,
      done: false,
      effects: { attributes: result.attributes, session: result.session, hadSession: openSession !== undefined },
    };
    state = await deps.store.jobStates.create(fresh);
    deps.metrics?.addMetric('Turns', MetricUnit.Count, 1);
    log.info('turn ran', { jobId: job.jobId, route: result.route, messages: result.messages.length, deliveries: state.deliveries.length });
  }
  if (state.effects) {
    // Set attributes by name and the session as a whole: applying them again on a retry is harmless.
    const ref: CustomerRef = { channelKind: job.channel.kind, channelId: job.channel.id, userId: job.userId };
    await deps.store.customers.setAttributes(ref, state.effects.attributes);
    if (state.effects.session) await deps.store.customers.putSession(ref, state.effects.session, now());
    else if (state.effects.hadSession) await deps.store.customers.clearSession(ref);
  }

  try {
    await deliverAll(job, state, sender, deps);
  } finally {
    // Fire-and-forget cards: the customer already has the messages; the outcome is only logged.
    await Promise.allSettled(background);
  }
}

/** Send what is not sent yet, in order, recording progress after each request. */
async function deliverAll(job: TurnJob, state: JobState, sender: ChannelSender, deps: ExecutorDeps): Promise<void> {
  const log = deps.logger;
  let progress = { replyTokenSpent: state.replyTokenSpent };
  for (let index = state.sent; index < state.deliveries.length; index += 1) {
    const delivery = state.deliveries[index];
    if (!delivery) break;
    const outcome = await sender.deliver(index, delivery, progress);
    progress = { replyTokenSpent: outcome.replyTokenSpent };
    await deps.store.jobStates.update(job.jobId, { sent: index + 1, replyTokenSpent: outcome.replyTokenSpent, done: false });
    log.info('delivered', { jobId: job.jobId, index, via: outcome.via });
  }
  await deps.store.jobStates.update(job.jobId, { sent: state.deliveries.length, replyTokenSpent: progress.replyTokenSpent, done: true });
}

/** A DynamoDB item holds 400 KB: an outbox stays well below, dropping trailing requests if it must. */
const MAX_OUTBOX_BYTES = 300_000;

function fitOutbox(deliveries: Delivery[], log: Logger): Delivery[] {
  const fitted = [...deliveries];
  while (fitted.length > 1 && Buffer.byteLength(JSON.stringify(fitted)) > MAX_OUTBOX_BYTES) fitted.pop();
  if (fitted.length < deliveries.length) log.warn('turn too large for one outbox: trailing messages dropped', { kept: fitted.length, dropped: deliveries.length - fitted.length });
  return fitted;
}
