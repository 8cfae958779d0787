import type { WorkspaceSettings } from '../../shared/store/workspaceSettings';
import type { RouteHandler } from './bindRoute';
import type { AdminRoutes } from './routes';

// The workspace's settings: read by the executor on every turn (the language of callcard's own texts,
// when verified bindings lapse, which attributes are personal, how long what it writes is kept) and by
// dry runs, and before a card calls out (the ports it may call).

/** The settings as the API shows them: `bindingLapseDays` only when set. */
const view = ({ allowedPorts, language, bindingLapseDays, personalAttributes, retention }: WorkspaceSettings) => ({
  allowedPorts,
  language,
  ...(bindingLapseDays !== undefined ? { bindingLapseDays } : {}),
  personalAttributes,
  retention,
});

/** `GET /admin/settings`: the defaults when none were saved. */
export const getSettings: RouteHandler<AdminRoutes['getSettings']> = async (_input, { workspaceId, deps }) =>
  view(await deps.store.workspaceSettings.get(workspaceId));

/** `PUT /admin/settings`: the fields given replace theirs; those left out keep their saved value (`bindingLapseDays: null` clears it). */
export const putSettings: RouteHandler<AdminRoutes['putSettings']> = async ({ body }, { workspaceId, deps }) => {
  const current = await deps.store.workspaceSettings.get(workspaceId);
  const bindingLapseDays = body.bindingLapseDays === null ? undefined : (body.bindingLapseDays ?? current.bindingLapseDays);
  const saved = await deps.store.workspaceSettings.put(
    workspaceId,
    {
      allowedPorts: body.allowedPorts ?? current.allowedPorts,
      language: body.language ?? current.language,
      ...(bindingLapseDays !== undefined ? { bindingLapseDays } : {}),
      personalAttributes: body.personalAttributes ?? current.personalAttributes,
      // Each retention field given replaces its own; those left out keep theirs.
      retention: { ...current.retention, ...definedOf(body.retention ?? {}) },
      // Changed by PUT /admin/alerts/{flowId}/{blockId} only.
      alerts: current.alerts,
    },
    new Date(deps.now?.() ?? Date.now()),
  );
  deps.logger.info('settings saved', {
    workspaceId,
    allowedPorts: saved.allowedPorts,
    language: saved.language,
    bindingLapseDays: saved.bindingLapseDays ?? null,
    personalAttributes: saved.personalAttributes,
    retention: saved.retention,
  });
  return view(saved);
};

/** The fields that are set (an optional field left out is absent, never undefined over a saved value). */
function definedOf<T extends Record<string, unknown>>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
