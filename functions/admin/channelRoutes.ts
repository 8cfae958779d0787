import type { Channel } from '../../shared/channels/channel';
import { AdminError, conflict, invalid, notFound, type Problem } from './adminError';
import type { RouteHandler } from './bindRoute';
import { maskSecret } from './mask';
import type { AdminRoutes } from './routes';

// The channel routes. Secrets and tokens are write-only: shown masked, kept when an update leaves them out.

/** `GET /admin/channels`: the workspace's channels, masked. */
export const listChannels: RouteHandler<AdminRoutes['listChannels']> = async (_input, { workspaceId, deps }) => {
  const channels = await deps.store.channels.listForWorkspace(workspaceId);
  return { channels: channels.map(channelView) };
};

/** `GET /admin/channels/{kind}/{channelId}`: one of the workspace's channels, masked. */
export const getChannel: RouteHandler<AdminRoutes['getChannel']> = async ({ params }, { workspaceId, deps }) => {
  const channel = await deps.store.channels.get(params.kind, params.channelId);
  if (channel?.workspaceId !== workspaceId) throw notFound('channel');
  return channelView(channel);
};

/** `PUT /admin/channels/{kind}/{channelId}`: add or update; 409 for an id of another workspace. */
export const putChannel: RouteHandler<AdminRoutes['putChannel']> = async ({ params, body }, { workspaceId, deps }) => {
  if (params.kind === 'line' && body.verifyToken !== undefined) {
    throw invalid([{ path: 'verifyToken', message: 'only Messenger pages have a verify token' }]);
  }
  const result = await deps.store.channels.save(workspaceId, params.kind, params.channelId, body, new Date(deps.now?.() ?? Date.now()));
  switch (result.outcome) {
    case 'taken':
      // Said the same way whoever owns it: whether an id is in use elsewhere is not this workspace's business.
      throw conflict('channel id not available');
    case 'incomplete': {
      const required = params.kind === 'messenger' ? (['secret', 'accessToken', 'verifyToken'] as const) : (['secret', 'accessToken'] as const);
      const problems: Problem[] = required.filter((field) => body[field] === undefined).map((field) => ({ path: field, message: `required for a new ${params.kind === 'line' ? 'LINE channel' : 'Messenger page'}` }));
      throw problems.length ? invalid(problems) : new AdminError(409, { error: 'channel id not available' });
    }
    case 'created':
    case 'updated':
      deps.logger.info('channel saved', { workspaceId, kind: params.kind, channelId: params.channelId, outcome: result.outcome });
      return { ...channelView(result.channel), created: result.outcome === 'created' };
  }
};

/** A channel as admins see it: never a secret, a token or a verify token in the clear. */
export function channelView(channel: Channel) {
  return {
    kind: channel.kind,
    channelId: channel.channelId,
    name: channel.name,
    activeFlows: channel.activeFlows,
    secret: maskSecret(channel.secret),
    accessToken: maskSecret(channel.accessToken),
    ...(channel.verifyToken !== undefined ? { verifyToken: maskSecret(channel.verifyToken) } : {}),
  };
}
