import { ENVIRONMENTS, forEnvironment, type Connection, type Environment } from '../../shared/connections/connection';
import { connectionUses } from '../../shared/flow/validateFlow';
import { requestHost } from '../../shared/templating/secretHosts';
import { conflict, notFound, type Problem } from './adminError';
import type { AdminDeps, RouteHandler } from './bindRoute';
import type { AdminRoutes } from './routes';

// Connections (issue 20): the brand APIs a workspace's cards call by name. Their secrets stay in
// /admin/secrets (write-only): a connection only names them, so it is shown whole.

/** `GET /admin/connections`. */
export const listConnections: RouteHandler<AdminRoutes['listConnections']> = async (_input, { workspaceId, deps }) => {
  const [connections, secrets] = await Promise.all([deps.store.connections.list(workspaceId), deps.store.secrets.list(workspaceId)]);
  return { connections: connections.map((stored) => ({ ...stored, ...warningsOf(stored.connection, secrets) })) };
};

/** `GET /admin/connections/{name}`. */
export const getConnection: RouteHandler<AdminRoutes['getConnection']> = async ({ params }, { workspaceId, deps }) => {
  const [stored, secrets] = await Promise.all([deps.store.connections.get(workspaceId, params.name), deps.store.secrets.list(workspaceId)]);
  if (!stored) throw notFound('connection');
  return { ...stored, ...warningsOf(stored.connection, secrets) };
};

/** `PUT /admin/connections/{name}`: saved as given (validated by the route); what would make its cards fail comes back as warnings. */
export const putConnection: RouteHandler<AdminRoutes['putConnection']> = async ({ params, body }, { workspaceId, deps }) => {
  const now = new Date(deps.now?.() ?? Date.now());
  const [stored, secrets] = await Promise.all([
    deps.store.connections.put(workspaceId, params.name, body, now),
    deps.store.secrets.list(workspaceId),
  ]);
  deps.logger.info('connection saved', { workspaceId, name: params.name, auth: stored.connection.auth.type });
  return { ...stored, ...warningsOf(stored.connection, secrets) };
};

/** `DELETE /admin/connections/{name}`: refused while a flow published on a channel has a card that calls it. */
export const deleteConnection: RouteHandler<AdminRoutes['deleteConnection']> = async ({ params }, { workspaceId, deps }) => {
  const users = await publishedUsers(workspaceId, params.name, deps);
  if (users.length)
    throw conflict('a published flow calls this connection: unpublish the flow, or change its cards, then delete it', { problems: users });
  if (!(await deps.store.connections.delete(workspaceId, params.name))) throw notFound('connection');
  deps.logger.info('connection deleted', { workspaceId, name: params.name });
  return { deleted: true };
};

/** The cards of flows active on the workspace's channels that name the connection, as problems with their paths. */
async function publishedUsers(workspaceId: string, name: string, deps: AdminDeps): Promise<Problem[]> {
  const channels = await deps.store.channels.listForWorkspace(workspaceId);
  const active = new Map<string, { flowId: string; version: number }>();
  for (const channel of channels) for (const ref of channel.activeFlows) active.set(`${ref.flowId}@${ref.version}`, ref);
  const problems: Problem[] = [];
  for (const ref of active.values()) {
    const stored = await deps.store.flows.getVersion(workspaceId, ref.flowId, ref.version);
    if (!stored) continue;
    for (const use of connectionUses(stored.flow)) {
      if (use.connection === name)
        problems.push({ path: `flows.${ref.flowId}.versions.${ref.version}.${use.path}`, message: `calls connection ${name}` });
    }
  }
  return problems;
}

/** Secrets the connection names that the workspace lacks, or that may not go to the host they are for. */
function warningsOf(connection: Connection, secrets: Array<{ name: string; allowedHosts?: string[] }>): { warnings?: Problem[] } {
  const warnings: Problem[] = [];
  const base = (environment: Environment) => requestHost(forEnvironment(connection.baseUrl, environment));
  const uses: Array<{
    path: string;
    values: { production: string; staging?: string | undefined } | undefined;
    host: (environment: Environment) => string | undefined;
  }> = [];
  const { auth, tls } = connection;
  if (auth.type === 'header') uses.push({ path: 'auth.secret', values: auth.secret, host: base });
  if (auth.type === 'oauth2ClientCredentials')
    uses.push({
      path: 'auth.clientSecret',
      values: auth.clientSecret,
      host: (environment) => requestHost(forEnvironment(auth.tokenUrl, environment)),
    });
  if (tls) for (const part of ['certificate', 'key', 'ca'] as const) uses.push({ path: `tls.${part}`, values: tls[part], host: base });
  for (const use of uses) {
    for (const environment of ENVIRONMENTS) {
      const name = use.values?.[environment];
      if (name === undefined) continue;
      const secret = secrets.find((candidate) => candidate.name === name);
      const host = use.host(environment);
      const path = `${use.path}.${environment}`;
      if (!secret)
        warnings.push({
          path,
          message: `secret ${name} is not set in this workspace (PUT /admin/secrets/${name}): its cards fail until it is`,
        });
      else if (secret.allowedHosts && !secret.allowedHosts.includes(host ?? '')) {
        warnings.push({
          path,
          message: `secret ${name} may not be sent to ${host ?? 'this URL'} (its allowedHosts: ${secret.allowedHosts.join(', ')}): its cards fail until it may`,
        });
      }
    }
  }
  return warnings.length ? { warnings } : {};
}
