import type { Flow } from '../../shared/flow/schema';
import { validateFlow } from '../../shared/flow/validateFlow';
import { invalid } from './adminError';

/**
 * DynamoDB stores at most 32 levels of nested maps and lists in an item, and a flow sits a level
 * or two below the top: deeper documents (a JSON body template nested without end) are refused
 * here, as a 400 with a path, instead of failing at the write.
 */
export const MAX_FLOW_DEPTH = 24;

/** A flow document as saved: valid (every problem reported, paths under `flow.`), defaults applied. */
export function checkFlow(document: unknown): Flow {
  const depth = depthOf(document);
  if (depth > MAX_FLOW_DEPTH) throw invalid([{ path: 'flow', message: `nested ${depth} levels deep: at most ${MAX_FLOW_DEPTH}` }], 'invalid flow');
  const result = validateFlow(document);
  if (!result.ok) throw invalid(result.problems.map((p) => ({ path: p.path === '(root)' ? 'flow' : `flow.${p.path}`, message: p.message })), 'invalid flow');
  return result.flow;
}

function depthOf(value: unknown, level = 0): number {
  // Stop counting past the limit: a hostile document may nest thousands of levels.
  if (level > MAX_FLOW_DEPTH || typeof value !== 'object' || value === null) return level;
  let deepest = level + 1;
  for (const child of Object.values(value)) deepest = Math.max(deepest, depthOf(child, level + 1));
  return deepest;
}
