import type { RouteHandler } from './bindRoute';
import type { AdminRoutes } from './routes';

// The workspace's settings: read by the executor and dry runs before a card calls out.

/** `GET /admin/settings`: the defaults when none were saved. */
export const getSettings: RouteHandler<AdminRoutes['getSettings']> = async (_input, { workspaceId, deps }) => {
  const settings = await deps.store.workspaceSettings.get(workspaceId);
  return { allowedPorts: settings.allowedPorts };
};

/** `PUT /admin/settings`: replace the settings whole. */
export const putSettings: RouteHandler<AdminRoutes['putSettings']> = async ({ body }, { workspaceId, deps }) => {
  const saved = await deps.store.workspaceSettings.put(workspaceId, body, new Date(deps.now?.() ?? Date.now()));
  deps.logger.info('settings saved', { workspaceId, allowedPorts: saved.allowedPorts });
  return { allowedPorts: saved.allowedPorts };
};
