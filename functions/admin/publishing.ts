import type { Channel } from '../../shared/channels/channel';
import type { ChannelKind } from '../../shared/domain/channelKinds';
import type { FlowRef } from '../../shared/domain/flowRef';
import { describeFlowRef, triggerConflicts, withFlow, withoutFlow, type TriggerConflict } from '../../shared/engine/activeFlows';
import type { RunningFlow } from '../../shared/engine/triggers';
import { conflict, notFound, type AdminError } from './adminError';
import type { AdminDeps } from './bindRoute';

// Publishing and unpublishing: a channel's active set changes by one flow at a time, every channel of
// a request is checked before any changes, and each change is conditioned on the set read.

export interface ChannelRef {
  kind: ChannelKind;
  channelId: string;
}

/** One channel's active flows before and after a publish or unpublish. */
export interface ActiveFlowsChange extends ChannelRef {
  before: FlowRef[];
  after: FlowRef[];
}

/** A trigger two flows would share on one channel, as the 409 lists it. */
export type ChannelTriggerConflict = TriggerConflict & { channel: ChannelRef };

/** How often a channel whose set another admin changed meanwhile is read and planned again. */
const MAX_ATTEMPTS = 5;

/**
 * Publish `flow` on the channels: another version of it already there is replaced (an upgrade or a
 * rollback), otherwise it joins the channel's other flows. Refused with 409 and every shared trigger
 * (`keyword:hot`, `postback:my_tickets`, `follow`, `fallback`) when it would share one with a flow of
 * a channel; nothing moves then.
 */
export async function publishOnChannels(
  workspaceId: string,
  flow: RunningFlow,
  channels: readonly ChannelRef[],
  deps: AdminDeps,
): Promise<ActiveFlowsChange[]> {
  const ref = { flowId: flow.flowId, version: flow.version };
  // The flow must exist, read now (a version read earlier is kept in memory after its flow is deleted).
  if (!(await flowExists(workspaceId, ref, deps))) throw notFound('flow version');
  const changes = await changeActiveFlows<ChannelTriggerConflict[]>(workspaceId, channels, deps, {
    plan: async (channel) => {
      const others = await runningFlows(
        workspaceId,
        channel.activeFlows.filter((f) => f.flowId !== flow.flowId),
        deps,
      );
      const conflicts = triggerConflicts(flow, others).map((c) => ({ ...c, channel: refOf(channel) }));
      return conflicts.length ? { ok: false, problem: conflicts } : { ok: true, after: withFlow(channel.activeFlows, ref) };
    },
    refuse: (problems) => {
      const conflicts = problems.flat();
      const listed = conflicts
        .map((c) => `${c.trigger} (${describeFlowRef(c.flows[0])} on ${c.channel.kind}:${c.channel.channelId})`)
        .join(', ');
      return conflict(
        `${describeFlowRef(ref)} would share triggers with flows active on the channel: ${listed}. Unpublish one of them there or change its triggers`,
        { conflicts },
      );
    },
  });
  // Read again after the writes: a delete that ran meanwhile may have missed the channels just
  // written (it takes the flow off those it finds, after deleting it). Then this publish undoes itself.
  if (!(await flowExists(workspaceId, ref, deps))) {
    await takeOffChannels(workspaceId, flow.flowId, deps, changes);
    throw notFound('flow version');
  }
  return changes;
}

/**
 * After a flow is deleted: take it off every channel of the workspace where it is active. The delete
 * refuses a flow active on a channel, but a publish racing it may have landed after that check; either
 * this finds the channel so, or the publish finds the flow gone and undoes itself (`publishOnChannels`),
 * so no channel keeps a flow that does not exist. Each write is conditioned on the set read.
 */
export async function takeOffChannels(workspaceId: string, flowId: string, deps: AdminDeps, only?: readonly ChannelRef[]): Promise<void> {
  for (const { kind, channelId } of only ?? (await deps.store.channels.listForWorkspace(workspaceId))) {
    // Read consistently and written on the set read: again while another change lands in between.
    for (let attempt = 0; attempt < MAX_ATTEMPTS * 2; attempt += 1) {
      const channel = await deps.store.channels.get(kind, channelId, { consistent: true });
      if (channel?.workspaceId !== workspaceId || !channel.activeFlows.some((f) => f.flowId === flowId)) break;
      if (
        (await deps.store.channels.setActiveFlows(
          kind,
          channelId,
          workspaceId,
          withoutFlow(channel.activeFlows, flowId),
          channel.activeFlowsRevision ?? 0,
        )) !== 'stale'
      )
        break;
    }
  }
}

/** Whether the flow exists now with this version (its head read consistently, never from memory). */
async function flowExists(workspaceId: string, ref: FlowRef, deps: AdminDeps): Promise<boolean> {
  const head = await deps.store.flows.getHead(workspaceId, ref.flowId);
  return head !== undefined && ref.version <= head.latestVersion;
}

/**
 * Take `flowId` off the channels. Refused with 409 (naming the channels) when it is not active on one
 * of them: most likely a mistaken channel or flow, and nothing moves then. Conversations it started
 * finish on their version.
 */
export async function unpublishFromChannels(
  workspaceId: string,
  flowId: string,
  channels: readonly ChannelRef[],
  deps: AdminDeps,
): Promise<ActiveFlowsChange[]> {
  return changeActiveFlows<ChannelRef>(workspaceId, channels, deps, {
    plan: async (channel) =>
      channel.activeFlows.some((f) => f.flowId === flowId)
        ? { ok: true, after: withoutFlow(channel.activeFlows, flowId) }
        : { ok: false, problem: refOf(channel) },
    refuse: (notActive) =>
      conflict(`flow ${flowId} is not active on ${notActive.map((c) => `${c.kind}:${c.channelId}`).join(', ')}: nothing was unpublished`, {
        channels: notActive,
      }),
  });
}

interface ChangePlan<P> {
  /** The channel's next active set, or why it cannot change. */
  plan(channel: Channel): Promise<{ ok: true; after: FlowRef[] } | { ok: false; problem: P }>;
  /** The answer when some channels cannot change. */
  refuse(problems: P[]): AdminError;
}

/**
 * Change each channel's active flows as planned. Every channel is read and planned before any is
 * written, so a typo or a refusal changes nothing. Each write is conditioned on the set read; a
 * channel another admin changed meanwhile is read and planned again (and may then be refused, with
 * the channels before it already changed: two admins publishing clashing flows at the same moment).
 */
async function changeActiveFlows<P>(
  workspaceId: string,
  refs: readonly ChannelRef[],
  deps: AdminDeps,
  { plan, refuse }: ChangePlan<P>,
): Promise<ActiveFlowsChange[]> {
  const unique = [...new Map(refs.map((r) => [`${r.kind}#${r.channelId}`, { kind: r.kind, channelId: r.channelId }])).values()];
  const planned: Array<{ channel: Channel; after: FlowRef[] }> = [];
  const problems: P[] = [];
  for (const ref of unique) {
    const channel = await readChannel(workspaceId, ref, deps);
    const result = await plan(channel);
    if (result.ok) planned.push({ channel, after: result.after });
    else problems.push(result.problem);
  }
  if (problems.length) throw refuse(problems);

  const changes: ActiveFlowsChange[] = [];
  for (let { channel, after } of planned) {
    for (let attempt = 1; ; attempt += 1) {
      const outcome = await deps.store.channels.setActiveFlows(
        channel.kind,
        channel.channelId,
        workspaceId,
        after,
        channel.activeFlowsRevision ?? 0,
      );
      if (outcome === 'missing') throw notFound(`channel ${channel.kind}/${channel.channelId}`);
      if (outcome === 'set') break;
      if (attempt >= MAX_ATTEMPTS) throw conflict(`the active flows of ${channel.kind}:${channel.channelId} keep changing: try again`);
      channel = await readChannel(workspaceId, refOf(channel), deps);
      const result = await plan(channel);
      if (!result.ok) throw refuse([result.problem]);
      after = result.after;
    }
    changes.push({ ...refOf(channel), before: channel.activeFlows, after });
  }
  return changes;
}

/** One of the workspace's channels, read consistently (a conditional write follows); 404 otherwise. */
async function readChannel(workspaceId: string, ref: ChannelRef, deps: AdminDeps): Promise<Channel> {
  const channel = await deps.store.channels.get(ref.kind, ref.channelId, { consistent: true });
  if (channel?.workspaceId !== workspaceId) throw notFound(`channel ${ref.kind}/${ref.channelId}`);
  return channel;
}

/** The documents of flow versions (from memory once read); a version gone missing is left out. */
async function runningFlows(workspaceId: string, refs: readonly FlowRef[], deps: AdminDeps): Promise<RunningFlow[]> {
  const stored = await Promise.all(refs.map((ref) => deps.store.flows.getVersion(workspaceId, ref.flowId, ref.version)));
  return stored.filter((flow) => flow !== undefined);
}

function refOf(channel: ChannelRef): ChannelRef {
  return { kind: channel.kind, channelId: channel.channelId };
}
