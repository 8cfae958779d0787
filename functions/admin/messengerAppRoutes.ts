import { adapterFor } from '../../shared/channels/registry';
import type { Channel } from '../../shared/channels/channel';
import type { MessengerApp } from '../../shared/channels/messenger/messengerApp';
import { conflict, invalid, notFound, type Problem } from './adminError';
import type { RouteHandler } from './bindRoute';
import { maskSecret } from './mask';
import type { AdminRoutes } from './routes';

// The Messenger app routes: one Meta app, many pages. The app's secret and verify token are write-only,
// shown masked, kept when an update leaves them out.

/** `GET /admin/messenger-apps`: the workspace's Messenger apps, masked, each with its pages. */
export const listMessengerApps: RouteHandler<AdminRoutes['listMessengerApps']> = async (_input, { workspaceId, deps }) => {
  const [apps, channels] = await Promise.all([
    deps.store.messengerApps.listForWorkspace(workspaceId),
    deps.store.channels.listForWorkspace(workspaceId),
  ]);
  const verified = apps.length
    ? await deps.store.webhookChecks.verifiedAt(
        workspaceId,
        apps.map((app) => ({ subject: 'app' as const, id: app.appId })),
      )
    : new Map<string, string>();
  return { apps: apps.map((app) => messengerAppView(app, channels, verified.get(`app#${app.appId}`))) };
};

/** `GET /admin/messenger-apps/{appId}`: one of the workspace's apps, masked, with its pages. */
export const getMessengerApp: RouteHandler<AdminRoutes['getMessengerApp']> = async ({ params }, { workspaceId, deps }) => {
  const app = await deps.store.messengerApps.get(params.appId);
  if (app?.workspaceId !== workspaceId) throw notFound('Messenger app');
  const [channels, verified] = await Promise.all([
    deps.store.channels.listForWorkspace(workspaceId),
    deps.store.webhookChecks.verifiedAt(workspaceId, [{ subject: 'app', id: app.appId }]),
  ]);
  return messengerAppView(app, channels, verified.get(`app#${app.appId}`));
};

/** `PUT /admin/messenger-apps/{appId}`: add or update; a new app needs its secret and verify token; 409 for an id of another workspace. */
export const putMessengerApp: RouteHandler<AdminRoutes['putMessengerApp']> = async ({ params, body }, { workspaceId, deps }) => {
  const result = await deps.store.messengerApps.save(workspaceId, params.appId, body, new Date(deps.now?.() ?? Date.now()));
  switch (result.outcome) {
    case 'taken':
      // Said the same way whoever owns it, as for channel ids.
      throw conflict('app id not available');
    case 'incomplete': {
      const problems: Problem[] = (['secret', 'verifyToken'] as const)
        .filter((field) => body[field] === undefined)
        .map((field) => ({ path: field, message: 'required for a new Messenger app' }));
      throw problems.length ? invalid(problems) : conflict('app id not available');
    }
    case 'created':
    case 'updated': {
      deps.logger.info('Messenger app saved', { workspaceId, appId: params.appId, outcome: result.outcome });
      const [channels, verified] =
        result.outcome === 'created'
          ? [[], new Map<string, string>()]
          : await Promise.all([
              deps.store.channels.listForWorkspace(workspaceId),
              deps.store.webhookChecks.verifiedAt(workspaceId, [{ subject: 'app', id: params.appId }]),
            ]);
      return { ...messengerAppView(result.app, channels, verified.get(`app#${params.appId}`)), created: result.outcome === 'created' };
    }
  }
};

/**
 * An app as admins see it: its secret and verify token masked, its pages (of this workspace) by id, and
 * `verifiedAt` when Meta's subscription check last passed at its URL.
 */
export function messengerAppView(app: MessengerApp, channels: readonly Channel[], verifiedAt?: string) {
  return {
    appId: app.appId,
    name: app.name,
    secret: maskSecret(app.secret),
    verifyToken: maskSecret(app.verifyToken),
    pages: channels.filter((c) => adapterFor(c.kind).features.apps && c.appId === app.appId).map((c) => c.channelId),
    webhookPath: `/webhooks/messenger/apps/${app.appId}`,
    ...(verifiedAt !== undefined ? { verifiedAt } : {}),
  };
}
