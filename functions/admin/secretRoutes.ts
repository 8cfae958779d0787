import { SIGNING_SECRET_NAME } from '../../shared/http/signRequest';
import { invalid, notFound } from './adminError';
import type { RouteHandler } from './bindRoute';
import { maskSecret } from './mask';
import type { AdminRoutes } from './routes';

// Named workspace secrets for card headers: written here, read only by cards (and dry runs), shown masked.

/** `GET /admin/secrets`: names, masked values and allowed hosts. */
export const listSecrets: RouteHandler<AdminRoutes['listSecrets']> = async (_input, { workspaceId, deps }) => {
  const secrets = await deps.store.secrets.list(workspaceId);
  return {
    secrets: secrets.map((s) => ({
      name: s.name,
      value: maskSecret(s.value),
      ...(s.allowedHosts ? { allowedHosts: s.allowedHosts } : {}),
      ...(s.updatedAt ? { updatedAt: s.updatedAt } : {}),
      ...purposeOf(s.name),
    })),
  };
};

/** `PUT /admin/secrets/{name}`: set (or replace) a secret, and the hosts it may be sent to (any when left out). */
export const putSecret: RouteHandler<AdminRoutes['putSecret']> = async ({ params, body }, { workspaceId, deps }) => {
  const now = new Date(deps.now?.() ?? Date.now());
  // The signing secret must be usable by Standard Webhooks, or every card of the workspace would fail.
  if (params.name === SIGNING_SECRET_NAME && !isWebhookSecret(body.value)) {
    throw invalid([{ path: 'value', message: 'a signing secret is whsec_ followed by the base64 of 24 to 64 random bytes' }]);
  }
  await deps.store.secrets.put(workspaceId, params.name, body.value, now, body.allowedHosts);
  deps.logger.info('secret saved', { workspaceId, name: params.name, allowedHosts: body.allowedHosts?.length ?? 'any' });
  return { name: params.name, value: maskSecret(body.value), ...(body.allowedHosts ? { allowedHosts: body.allowedHosts } : {}), updatedAt: now.toISOString(), ...purposeOf(params.name) };
};

/** `DELETE /admin/secrets/{name}`. */
export const deleteSecret: RouteHandler<AdminRoutes['deleteSecret']> = async ({ params }, { workspaceId, deps }) => {
  if (!(await deps.store.secrets.delete(workspaceId, params.name))) throw notFound('secret');
  deps.logger.info('secret deleted', { workspaceId, name: params.name });
  return { deleted: true };
};

/**
 * `purpose: 'signing'` on the signing secret: it signs callcard's calls and is never sent, so a header
 * picker leaves it out (a flow naming it is refused). Other secrets are for card headers: no field.
 */
function purposeOf(name: string): { purpose?: 'signing' } {
  return name === SIGNING_SECRET_NAME ? { purpose: 'signing' } : {};
}

function isWebhookSecret(value: string): boolean {
  const match = /^whsec_([A-Za-z0-9+/]+={0,2})$/.exec(value);
  if (!match?.[1]) return false;
  const bytes = Buffer.from(match[1], 'base64').length;
  return bytes >= 24 && bytes <= 64;
}
