import { randomUUID } from 'node:crypto';
import { fromPayload } from '../../shared/channels/messenger/payload';
import type { InboundEvent } from '../../shared/domain/inboundEvents';
import { queueTurns } from '../../shared/intake/queueTurns';
import type { SimulatorRef } from '../../shared/store/simulator';
import { expiresAfterDays } from '../../shared/store/workspaceSettings';
import { AdminError } from './adminError';
import type { AdminDeps, RouteHandler } from './bindRoute';
import { ownChannel } from './channelRoutes';
import { eraseCustomer } from './contactRoutes';
import { workspaceMasker } from './mask';
import type { AdminRoutes } from './routes';

// The console's chat simulator: a simulated customer (`sim-…`) of one of the workspace's channels talks
// to the flows published there. Its events go the webhooks' way (queueTurns: the same trigger matching,
// the same jobs queue, the same executor running the real flow and calling the brand for real); only
// the answers differ: the executor keeps them for the console (shared/store/simulator.ts) instead of
// sending them to LINE or Meta. So it works the same against a deployed stack as locally.

/** `POST /admin/simulator/{kind}/{channelId}/{userId}`: the simulated customer types, taps or follows. */
export const simulatorSend: RouteHandler<AdminRoutes['simulatorSend']> = async ({ params, body }, { workspaceId, deps }) => {
  const jobs = jobsOf(deps);
  const [channel, { retention }] = await Promise.all([
    ownChannel(deps.store, workspaceId, params.kind, params.channelId),
    deps.store.workspaceSettings.get(workspaceId),
  ]);
  const receivedAt = deps.now?.() ?? Date.now();
  const eventId = `sim-${randomUUID()}`;
  // queueTurns names the job so: the customer's entry sorts just before the turn's answers.
  const jobId = `${channel.kind}:${channel.channelId}:${eventId}`;
  const ref = refOf(workspaceId, params);
  const event: InboundEvent = body.event.type === 'payload' ? fromPayload(body.event.payload) : body.event;
  const key = await deps.store.simulator.put(
    ref,
    { receivedAt, jobId, part: 'customer' },
    { from: 'customer', at: receivedAt, jobId, event },
    expiresAfterDays(retention.simulatorDays, receivedAt),
  );
  const queued = await queueTurns(channel, [{ eventId, userId: params.userId, event, simulator: true }], receivedAt, {
    store: deps.store,
    queue: jobs,
    logger: deps.logger,
  });
  deps.logger.info('simulator turn', { workspaceId, kind: params.kind, channelId: params.channelId, jobId, answered: queued > 0 });
  return { jobId, key, answered: queued > 0 };
};

/** `GET /admin/simulator/{kind}/{channelId}/{userId}?after=`: the conversation, oldest first. */
export const simulatorRead: RouteHandler<AdminRoutes['simulatorRead']> = async ({ params, query }, { workspaceId, deps }) => {
  await ownChannel(deps.store, workspaceId, params.kind, params.channelId);
  const [entries, mask] = await Promise.all([
    deps.store.simulator.list(refOf(workspaceId, params), query.after),
    workspaceMasker(deps.store, workspaceId),
  ]);
  // The bot's messages may hold what a brand answered: the workspace's secrets masked, across messages too.
  const said = mask.deep(entries.map((entry) => (entry.from === 'bot' ? entry.messages : []))) as unknown[][];
  return { entries: entries.map((entry, i) => (entry.from === 'bot' ? { ...entry, messages: said[i] ?? [] } : entry)) };
};

/** `DELETE /admin/simulator/{kind}/{channelId}/{userId}`: start over: the conversation, the simulated customer's profile, session and log. */
export const simulatorClear: RouteHandler<AdminRoutes['simulatorClear']> = async ({ params }, { workspaceId, deps }) => {
  await ownChannel(deps.store, workspaceId, params.kind, params.channelId);
  const customer = { channelKind: params.kind, channelId: params.channelId, userId: params.userId };
  const { simulatorEntries, ...removed } = await eraseCustomer(deps.store, workspaceId, customer);
  return { deleted: { entries: simulatorEntries, ...removed } };
};

type Params = { kind: SimulatorRef['kind']; channelId: string; userId: string };
const refOf = (workspaceId: string, params: Params): SimulatorRef => ({
  workspaceId,
  kind: params.kind,
  channelId: params.channelId,
  userId: params.userId,
});

function jobsOf(deps: AdminDeps) {
  if (!deps.jobs) throw new AdminError(503, { error: 'the simulator needs the jobs queue (JOBS_QUEUE_URL)' });
  return deps.jobs;
}
