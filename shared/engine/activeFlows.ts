import * as z from 'zod';
import { flowRefSchema, type FlowRef } from '../domain/flowRef';
import { normalizeText, triggerKeys, type RunningFlow } from './triggers';

// A channel's active set: every flow published to it, one version each. Pure: the admin API decides
// with these, the store only writes the result.

/** Two flows of one channel that would answer the same trigger: `keyword:hot`, `postback:my_tickets`, `follow`, `fallback`. */
export const triggerConflictSchema = z.object({
  trigger: z.string(),
  /** The flow already active first, then the one being published. */
  flows: z.tuple([flowRefSchema, flowRefSchema]),
});
export type TriggerConflict = z.infer<typeof triggerConflictSchema>;

/** The set with `ref` published: another version of the same flow is replaced in place (an upgrade or a rollback keeps its place); a new flow goes last. */
export function withFlow(active: readonly FlowRef[], ref: FlowRef): FlowRef[] {
  const next = { flowId: ref.flowId, version: ref.version };
  return active.some((f) => f.flowId === ref.flowId) ? active.map((f) => (f.flowId === ref.flowId ? next : f)) : [...active, next];
}

/** The set without any version of `flowId`. */
export function withoutFlow(active: readonly FlowRef[], flowId: string): FlowRef[] {
  return active.filter((f) => f.flowId !== flowId);
}

/** `demo v1`: a flow version as admins read it. */
export function describeFlowRef(ref: FlowRef): string {
  return `${ref.flowId} v${ref.version}`;
}

/**
 * The triggers `candidate` would share with the flows already on a channel (other versions of the
 * candidate's own flow are left out: publishing replaces them). Shared are: the same key (see
 * {@link triggerKeys}); and a `contains` keyword found inside another flow's keyword, since a
 * customer typing that keyword would match both (`hot` contains vs `hot deals` exact).
 */
export function triggerConflicts(candidate: RunningFlow, active: readonly RunningFlow[]): TriggerConflict[] {
  const conflicts = new Map<string, TriggerConflict>();
  const candidateKeys = keysOf(candidate);
  for (const other of active) {
    if (other.flowId === candidate.flowId) continue;
    const pair: [FlowRef, FlowRef] = [refOf(other), refOf(candidate)];
    const otherKeys = keysOf(other);
    for (const key of candidateKeys.keys) {
      if (otherKeys.keys.has(key) || overlaps(key, otherKeys.contains))
        conflicts.set(`${other.flowId}\u0000${key}`, { trigger: key, flows: pair });
    }
    for (const key of otherKeys.keys) {
      if (!conflicts.has(`${other.flowId}\u0000${key}`) && overlaps(key, candidateKeys.contains))
        conflicts.set(`${other.flowId}\u0000${key}`, { trigger: key, flows: pair });
    }
  }
  return [...conflicts.values()];
}

/** A flow's trigger keys, and its `contains` keywords (normalized). */
function keysOf(running: RunningFlow): { keys: Set<string>; contains: string[] } {
  const keys = new Set(running.flow.triggers.flatMap(triggerKeys));
  const contains = running.flow.triggers.flatMap((t) =>
    t.type === 'keyword' && t.match === 'contains' ? t.keywords.map(normalizeText) : [],
  );
  return { keys, contains };
}

/** Whether a message equal to this keyword key would also match one of these `contains` keywords. */
function overlaps(key: string, contains: readonly string[]): boolean {
  if (!key.startsWith('keyword:')) return false;
  const text = key.slice('keyword:'.length);
  return contains.some((keyword) => text.includes(keyword));
}

function refOf(running: RunningFlow): FlowRef {
  return { flowId: running.flowId, version: running.version };
}
