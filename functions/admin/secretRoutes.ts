import { SIGNING_SECRET_NAME } from '../../shared/http/signRequest';
import { invalid, notFound } from './adminError';
import type { RouteHandler } from './bindRoute';
import { maskSecret } from './mask';
import type { AdminRoutes } from './routes';

// Named workspace secrets for card headers: written here, read only by cards (and dry runs), shown masked.

/** `GET /admin/secrets`: names, masked values and allowed hosts; a warning on each secret bound to no host. */
export const listSecrets: RouteHandler<AdminRoutes['listSecrets']> = async (_input, { workspaceId, deps }) => {
  const secrets = await deps.store.secrets.list(workspaceId);
  return {
    secrets: secrets.map((s) => ({
      name: s.name,
      value: maskSecret(s.value),
      ...(s.allowedHosts ? { allowedHosts: s.allowedHosts } : {}),
      ...(s.updatedAt ? { updatedAt: s.updatedAt } : {}),
      ...purposeOf(s.name),
      ...(s.allowedHosts || s.name === SIGNING_SECRET_NAME
        ? {}
        : {
            unbound: true as const,
            warning: `bound to no host: any card may send it anywhere, and a host echoing it back shows it. Bind it: PUT /admin/secrets/${s.name} with allowedHosts (the value may be left out)`,
          }),
    })),
  };
};

/**
 * `PUT /admin/secrets/{name}`: set (or replace) a secret and the hosts it may be sent to (required, but
 * for the signing secret, which is never sent); without a value, bind the stored one to those hosts.
 */
export const putSecret: RouteHandler<AdminRoutes['putSecret']> = async ({ params, body }, { workspaceId, deps }) => {
  const now = new Date(deps.now?.() ?? Date.now());
  const { allowedHosts } = body;
  let { value } = body;
  if (params.name === SIGNING_SECRET_NAME) {
    // The signing secret must be usable by Standard Webhooks, or every card of the workspace would fail.
    if (!value || !isWebhookSecret(value))
      throw invalid([{ path: 'value', message: 'a signing secret is whsec_ followed by the base64 of 24 to 64 random bytes' }]);
  } else if (!allowedHosts) {
    throw invalid([
      {
        path: 'allowedHosts',
        message:
          'required: the hosts this secret may be sent to (api.brand.example). Bound to none, any card could send it to a host that echoes it back',
      },
    ]);
  }
  if (value !== undefined) await deps.store.secrets.put(workspaceId, params.name, value, now, allowedHosts);
  else if (allowedHosts) value = await deps.store.secrets.bind(workspaceId, params.name, allowedHosts, now);
  if (value === undefined) throw invalid([{ path: 'value', message: 'required for a new secret' }]);
  deps.logger.info('secret saved', { workspaceId, name: params.name, allowedHosts: allowedHosts?.length ?? 'any' });
  return {
    name: params.name,
    value: maskSecret(value),
    ...(allowedHosts ? { allowedHosts } : {}),
    updatedAt: now.toISOString(),
    ...purposeOf(params.name),
  };
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
