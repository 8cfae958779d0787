import { notFound } from './adminError';
import type { RouteHandler } from './bindRoute';
import { maskSecret } from './mask';
import type { AdminRoutes } from './routes';

// Named workspace secrets for card headers: written here, read only by cards (and dry runs), shown masked.

/** `GET /admin/secrets`: names and masked values. */
export const listSecrets: RouteHandler<AdminRoutes['listSecrets']> = async (_input, { workspaceId, deps }) => {
  const secrets = await deps.store.secrets.list(workspaceId);
  return { secrets: secrets.map((s) => ({ name: s.name, value: maskSecret(s.value), ...(s.updatedAt ? { updatedAt: s.updatedAt } : {}) })) };
};

/** `PUT /admin/secrets/{name}`: set (or replace) a secret. */
export const putSecret: RouteHandler<AdminRoutes['putSecret']> = async ({ params, body }, { workspaceId, deps }) => {
  const now = new Date(deps.now?.() ?? Date.now());
  await deps.store.secrets.put(workspaceId, params.name, body.value, now);
  deps.logger.info('secret saved', { workspaceId, name: params.name });
  return { name: params.name, value: maskSecret(body.value), updatedAt: now.toISOString() };
};

/** `DELETE /admin/secrets/{name}`. */
export const deleteSecret: RouteHandler<AdminRoutes['deleteSecret']> = async ({ params }, { workspaceId, deps }) => {
  if (!(await deps.store.secrets.delete(workspaceId, params.name))) throw notFound('secret');
  deps.logger.info('secret deleted', { workspaceId, name: params.name });
  return { deleted: true };
};
