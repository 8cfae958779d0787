import type { RouteHandler } from './bindRoute';
import type { AdminRoutes } from './routes';

// The workspace's settings: read by the executor on every turn (the language of callcard's own texts)
// and by dry runs, and before a card calls out (the ports it may call).

/** `GET /admin/settings`: the defaults when none were saved. */
export const getSettings: RouteHandler<AdminRoutes['getSettings']> = async (_input, { workspaceId, deps }) => {
  const { allowedPorts, language } = await deps.store.workspaceSettings.get(workspaceId);
  return { allowedPorts, language };
};

/** `PUT /admin/settings`: the fields given replace theirs; those left out keep their saved value. */
export const putSettings: RouteHandler<AdminRoutes['putSettings']> = async ({ body }, { workspaceId, deps }) => {
  const current = await deps.store.workspaceSettings.get(workspaceId);
  const saved = await deps.store.workspaceSettings.put(
    workspaceId,
    { allowedPorts: body.allowedPorts ?? current.allowedPorts, language: body.language ?? current.language },
    new Date(deps.now?.() ?? Date.now()),
  );
  deps.logger.info('settings saved', { workspaceId, allowedPorts: saved.allowedPorts, language: saved.language });
  return { allowedPorts: saved.allowedPorts, language: saved.language };
};
