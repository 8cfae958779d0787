import {
  aggregateHealth,
  alertState,
  CONTRACT_ALERT_MINUTES,
  FAILURE_KINDS,
  windowRange,
  type CardAlert,
  type CardAlertRule,
} from '../../shared/health/cardHealth';
import type { Store } from '../../shared/store/store';
import { conflict, notFound } from './adminError';
import type { RouteHandler } from './bindRoute';
import type { AdminRoutes } from './routes';

// Card health and alerts (issue 21): a card's calls, outcomes and latency over a window, from its own
// partition of the execution log's per-card index (a workspace only ever reads its own cards, and one
// card's volume is capped per query); its alert rules live in the workspace's settings.

/** The most cards of a workspace with alert rules. */
const MAX_ALERTS = 100;

/** `GET /admin/health?flowId=&blockId=&window=`. */
export const getHealth: RouteHandler<AdminRoutes['getHealth']> = async ({ query }, { workspaceId, deps }) => {
  const now = deps.now?.() ?? Date.now();
  const { from } = windowRange(query.window, now);
  const [head, settings, read] = await Promise.all([
    deps.store.flows.getHead(workspaceId, query.flowId),
    deps.store.workspaceSettings.get(workspaceId),
    deps.store.executionLog.forHealth(
      workspaceId,
      query.flowId,
      query.blockId,
      new Date(Math.min(from, now - 60 * 60_000)).toISOString(),
      now,
    ),
  ]);
  if (!head) throw notFound('flow');
  const rule = ruleOf(settings.alerts, query.flowId, query.blockId);
  const all = aggregateHealth(read.entries, query.window, now);
  // One version's buckets and totals; the list of versions stays whole (to choose another).
  const shown =
    query.version === undefined
      ? all
      : aggregateHealth(
          read.entries.filter((entry) => entry.version === query.version),
          query.window,
          now,
        );
  return {
    flowId: query.flowId,
    blockId: query.blockId,
    window: query.window,
    ...(query.version !== undefined ? { version: query.version } : {}),
    kinds: [...FAILURE_KINDS],
    ...shown,
    versions: all.versions,
    complete: read.complete,
    ...(rule ? { alert: { rule, state: alertState(rule, read.entries, now) } } : {}),
  };
};

/** `GET /admin/alerts`: every rule of the workspace with its state now. */
export const listAlerts: RouteHandler<AdminRoutes['listAlerts']> = async (_input, { workspaceId, deps }) => {
  const now = deps.now?.() ?? Date.now();
  const settings = await deps.store.workspaceSettings.get(workspaceId);
  return { alerts: await Promise.all(settings.alerts.map((alert) => viewOf(deps.store, workspaceId, alert, now))) };
};

/**
 * `PUT /admin/alerts/{flowId}/{blockId}`: the card's rules replaced; `{}` removes them. A rule needs a
 * Call an API card of the flow's latest version; removing needs nothing (the card may be gone).
 */
export const putAlert: RouteHandler<AdminRoutes['putAlert']> = async ({ params, body }, { workspaceId, deps }) => {
  const now = deps.now?.() ?? Date.now();
  const rule: CardAlertRule = {
    ...(body.failureRate ? { failureRate: body.failureRate } : {}),
    ...(body.contract ? { contract: true } : {}),
  };
  const setting = rule.failureRate !== undefined || rule.contract === true;
  const [latest, current] = await Promise.all([
    setting ? deps.store.flows.getLatest(workspaceId, params.flowId) : undefined,
    deps.store.workspaceSettings.get(workspaceId),
  ]);
  if (setting && !latest) throw notFound('flow');
  if (setting && latest?.flow.blocks[params.blockId]?.type !== 'callApi') throw notFound('card');
  const others = current.alerts.filter((alert) => alert.flowId !== params.flowId || alert.blockId !== params.blockId);
  const kept = setting ? [...others, { flowId: params.flowId, blockId: params.blockId, ...rule }] : others;
  if (kept.length > MAX_ALERTS) throw conflict(`at most ${MAX_ALERTS} cards of a workspace have alert rules`);
  await deps.store.workspaceSettings.put(workspaceId, { ...current, alerts: kept }, new Date(now));
  deps.logger.info('alert rules saved', { workspaceId, flowId: params.flowId, blockId: params.blockId, rule });
  return viewOf(deps.store, workspaceId, { flowId: params.flowId, blockId: params.blockId, ...rule }, now);
};

function ruleOf(alerts: readonly CardAlert[], flowId: string, blockId: string): CardAlertRule | undefined {
  const found = alerts.find((alert) => alert.flowId === flowId && alert.blockId === blockId);
  if (!found) return undefined;
  return { ...(found.failureRate ? { failureRate: found.failureRate } : {}), ...(found.contract ? { contract: true } : {}) };
}

/** A rule and its state, from the card's entries of the longest time a rule looks at. */
async function viewOf(store: Store, workspaceId: string, alert: CardAlert, now: number) {
  const { flowId, blockId } = alert;
  const rule = ruleOf([alert], flowId, blockId) ?? {};
  const minutes = Math.max(rule.failureRate?.minutes ?? 0, CONTRACT_ALERT_MINUTES);
  const read = await store.executionLog.forHealth(workspaceId, flowId, blockId, new Date(now - minutes * 60_000).toISOString(), now);
  return { flowId, blockId, rule, state: alertState(rule, read.entries, now) };
}
