import type { Flow } from '../../shared/flow/schema';
import { connectionSecrets } from '../../shared/connections/connection';
import {
  connectionUses,
  flowContractProblems,
  headerSecretUses,
  missingConnectionProblems,
  missingSecretProblems,
  unboundSecretProblems,
  validateFlow,
} from '../../shared/flow/validateFlow';
import { conflict, invalid, type Problem } from './adminError';
import type { AdminDeps } from './bindRoute';

/**
 * DynamoDB stores at most 32 levels of nested maps and lists in an item, and a flow sits a level
 * or two below the top: deeper documents (a JSON body template nested without end) are refused
 * here, as a 400 with a path, instead of failing at the write.
 */
export const MAX_FLOW_DEPTH = 24;

/** A flow document as saved: valid (every problem reported, paths under `flow.`), defaults applied. */
export function checkFlow(document: unknown): Flow {
  const depth = depthOf(document);
  if (depth > MAX_FLOW_DEPTH)
    throw invalid([{ path: 'flow', message: `nested ${depth} levels deep: at most ${MAX_FLOW_DEPTH}` }], 'invalid flow');
  const result = validateFlow(document);
  if (!result.ok)
    throw invalid(
      result.problems.map((p) => ({ path: p.path === '(root)' ? 'flow' : `flow.${p.path}`, message: p.message })),
      'invalid flow',
    );
  return result.flow;
}

/**
 * What a save should warn about without refusing it, paths under `flow.`: each header naming a secret
 * the workspace does not have yet (it may be set after the flow; publishing refuses it until then),
 * or a secret bound to no host (saved before allowedHosts was required: it still works, but any card
 * could send it anywhere).
 */
export async function flowWarnings(flow: Flow, workspaceId: string, deps: AdminDeps): Promise<Problem[]> {
  const [secrets, connections] = await Promise.all([
    secretProblems(flow, workspaceId, deps, true),
    connectionProblems(flow, workspaceId, deps),
  ]);
  return [...secrets, ...connections];
}

/**
 * Refuse to publish a saved version whose follow-ups read response fields its cards' contracts lack,
 * or whose headers name secrets the workspace does not have (its cards would fail on every call): a
 * 409 naming each path (and secret). A version that does not exist
 * passes here: the caller answers its 404.
 */
export async function requirePublishableSecrets(workspaceId: string, flowId: string, version: number, deps: AdminDeps): Promise<void> {
  const stored = await deps.store.flows.getVersion(workspaceId, flowId, version);
  if (!stored) return;
  // A version saved before saves checked response contracts: its follow-ups may read what a contract lacks.
  const unpromised = flowContractProblems(stored.flow).map((p) => ({ path: `flow.${p.path}`, message: p.message }));
  if (unpromised.length)
    throw conflict("the flow reads response fields its cards' contracts do not have: fix them and save a new version, then publish", {
      problems: unpromised,
    });
  const missing = await secretProblems(stored.flow, workspaceId, deps, false);
  if (missing.length)
    throw conflict('the flow uses secrets this workspace does not have: set them (PUT /admin/secrets/{name}), then publish', {
      problems: missing,
    });
  const unconnected = await connectionProblems(stored.flow, workspaceId, deps);
  if (unconnected.length)
    throw conflict(
      'the flow calls connections this workspace does not have, or whose secrets it lacks: create them (PUT /admin/connections/{name}), then publish',
      { problems: unconnected },
    );
}

/** Each card naming a connection the workspace lacks, or one whose secrets it lacks, at the card's path under `flow.`. */
async function connectionProblems(flow: Flow, workspaceId: string, deps: AdminDeps): Promise<Problem[]> {
  // Most flows name no connection: no read for them.
  const uses = connectionUses(flow);
  if (!uses.length) return [];
  const [connections, secrets] = await Promise.all([deps.store.connections.all(workspaceId), deps.store.secrets.list(workspaceId)]);
  const problems = missingConnectionProblems(flow, Object.keys(connections));
  const secretNames = new Set(secrets.map((secret) => secret.name));
  for (const use of uses) {
    const connection = Object.hasOwn(connections, use.connection) ? connections[use.connection] : undefined;
    const lacking = connection ? connectionSecrets(connection).filter((name) => !secretNames.has(name)) : [];
    for (const name of lacking)
      problems.push({
        path: use.path,
        message: `connection ${use.connection} names secret ${name}, which is not set in this workspace (PUT /admin/secrets/${name})`,
      });
  }
  return problems.map((p) => ({ path: `flow.${p.path}`, message: p.message }));
}

async function secretProblems(flow: Flow, workspaceId: string, deps: AdminDeps, unboundToo: boolean): Promise<Problem[]> {
  // Most flows name no secret: no read for them.
  if (!headerSecretUses(flow).length) return [];
  const secrets = await deps.store.secrets.list(workspaceId);
  const problems = missingSecretProblems(
    flow,
    secrets.map((s) => s.name),
  );
  if (unboundToo)
    problems.push(
      ...unboundSecretProblems(
        flow,
        secrets.filter((s) => !s.allowedHosts).map((s) => s.name),
      ),
    );
  return problems.map((p) => ({ path: `flow.${p.path}`, message: p.message }));
}

function depthOf(value: unknown, level = 0): number {
  // Stop counting past the limit: a hostile document may nest thousands of levels.
  if (level > MAX_FLOW_DEPTH || typeof value !== 'object' || value === null) return level;
  let deepest = level + 1;
  for (const child of Object.values(value)) deepest = Math.max(deepest, depthOf(child, level + 1));
  return deepest;
}
