import type * as z from 'zod';
import type { Channel } from '../../shared/channels/channel';
import { adapterFor, type ChannelKind } from '../../shared/channels/registry';
import type { Store } from '../../shared/store/store';
import { AdminError, conflict, invalid, notFound, type Problem } from './adminError';
import type { RouteHandler } from './bindRoute';
import { maskSecret } from './mask';
import type { AdminRoutes } from './routes';
import type { putChannelBody } from './schemas';

type PutChannelBody = z.infer<typeof putChannelBody>;

// The channel routes. Secrets and tokens are write-only: shown masked, kept when an update leaves them out.

/** `GET /admin/channels`: the workspace's channels, masked. */
export const listChannels: RouteHandler<AdminRoutes['listChannels']> = async (_input, { workspaceId, deps }) => {
  const channels = await deps.store.channels.listForWorkspace(workspaceId);
  const verified = await verificationsOf(channels, workspaceId, deps.store);
  return { channels: channels.map((channel) => channelView(channel, verified(channel))) };
};

/** `GET /admin/channels/{kind}/{channelId}`: one of the workspace's channels, masked. */
export const getChannel: RouteHandler<AdminRoutes['getChannel']> = async ({ params }, { workspaceId, deps }) => {
  const channel = await ownChannel(deps.store, workspaceId, params.kind, params.channelId);
  return channelView(channel, (await verificationsOf([channel], workspaceId, deps.store))(channel));
};

/** The channel, if it is the workspace's; 404 (naming `what`) otherwise, also for another workspace's channel. */
export async function ownChannel(
  store: Store,
  workspaceId: string,
  kind: ChannelKind,
  channelId: string,
  what = 'channel',
): Promise<Channel> {
  const channel = await store.channels.get(kind, channelId);
  if (channel?.workspaceId !== workspaceId) throw notFound(what);
  return channel;
}

/**
 * `PUT /admin/channels/{kind}/{channelId}`: add or update; 409 for an id of another workspace. A
 * Messenger page given an `appId` is registered under that app of the workspace: the app's secret and
 * verify token apply, so the page takes none of its own (and one under an app is refused its own: 409).
 */
export const putChannel: RouteHandler<AdminRoutes['putChannel']> = async ({ params, body }, { workspaceId, deps }) => {
  await checkChannelBody(params.kind, body, workspaceId, deps.store);
  const result = await deps.store.channels.save(workspaceId, params.kind, params.channelId, body, new Date(deps.now?.() ?? Date.now()));
  switch (result.outcome) {
    case 'taken':
      // Said the same way whoever owns it: whether an id is in use elsewhere is not this workspace's business.
      throw conflict('channel id not available');
    case 'underApp':
      throw conflict(
        `page ${params.channelId} is registered under Messenger app ${result.appId}: the app's secret and verify token verify it (change them with PUT /admin/messenger-apps/${result.appId})`,
      );
    case 'incomplete': {
      // What the kind's adapter says a new channel needs (under an app: only what the app does not give).
      const adapter = adapterFor(params.kind);
      const underApp = adapter.features.apps && body.appId !== undefined;
      const required = (underApp ? adapter.credentials.requiredUnderApp : undefined) ?? adapter.credentials.required;
      const problems: Problem[] = required
        .filter((field) => body[field] === undefined)
        .map((field) => ({
          path: field,
          message: `required for a new ${adapter.noun}${underApp ? ' under an app' : adapter.features.apps ? ' (or give appId)' : ''}`,
        }));
      throw problems.length ? invalid(problems) : new AdminError(409, { error: 'channel id not available' });
    }
    case 'created':
    case 'updated':
      deps.logger.info('channel saved', { workspaceId, kind: params.kind, channelId: params.channelId, outcome: result.outcome });
      return {
        ...channelView(result.channel, (await verificationsOf([result.channel], workspaceId, deps.store))(result.channel)),
        created: result.outcome === 'created',
      };
  }
};

/**
 * What a channel body may hold for its kind: a verify token and an app only for Messenger pages; a page
 * under an app has neither secret nor verify token of its own; and the app must be the workspace's.
 */
async function checkChannelBody(kind: ChannelKind, body: PutChannelBody, workspaceId: string, store: Store): Promise<void> {
  const { features } = adapterFor(kind);
  if (!features.apps) {
    // Neither apps nor verify tokens: the fields of channels that have them are refused (Messenger pages' today).
    const problems: Problem[] = (['verifyToken', 'appId'] as const)
      .filter((field) => body[field] !== undefined && !(field === 'verifyToken' ? features.verifyToken : features.apps))
      .map((field) => ({ path: field, message: `only Messenger pages have ${field === 'appId' ? 'an app' : 'a verify token'}` }));
    if (problems.length) throw invalid(problems);
    return;
  }
  if (body.appId === undefined) return;
  const own: Problem[] = (['secret', 'verifyToken'] as const)
    .filter((field) => body[field] !== undefined)
    .map((field) => ({
      path: field,
      message: `a page under an app has none of its own: the app's applies (PUT /admin/messenger-apps/${body.appId})`,
    }));
  if (own.length) throw invalid(own);
  const app = await store.messengerApps.get(body.appId);
  if (app?.workspaceId !== workspaceId) {
    throw invalid([
      {
        path: 'appId',
        message: `no Messenger app ${body.appId} in this workspace: add it first with PUT /admin/messenger-apps/${body.appId}`,
      },
    ]);
  }
}

/**
 * When each channel's webhook last passed a verification (LINE's Verify button; Meta's subscription
 * check at the page's URL or, for a page under an app, at the app's: the later of the two), as the
 * webhooks noted it (shared/store/webhookChecks.ts); undefined when never.
 */
async function verificationsOf(
  channels: readonly Channel[],
  workspaceId: string,
  store: Store,
): Promise<(channel: Channel) => string | undefined> {
  const subjects = channels.flatMap((c) => [
    { subject: c.kind, id: c.channelId },
    ...(adapterFor(c.kind).features.apps && c.appId !== undefined ? [{ subject: 'app' as const, id: c.appId }] : []),
  ]);
  const times = subjects.length ? await store.webhookChecks.verifiedAt(workspaceId, subjects) : new Map<string, string>();
  return (channel) => {
    const own = times.get(`${channel.kind}#${channel.channelId}`);
    const app = adapterFor(channel.kind).features.apps && channel.appId !== undefined ? times.get(`app#${channel.appId}`) : undefined;
    return own !== undefined && app !== undefined ? (own > app ? own : app) : (own ?? app);
  };
}

/** A channel as admins see it: never a secret, a token or a verify token in the clear; `verifiedAt` when its webhook passed a verification. */
export function channelView(channel: Channel, verifiedAt?: string) {
  return {
    kind: channel.kind,
    channelId: channel.channelId,
    name: channel.name,
    activeFlows: channel.activeFlows,
    ...(channel.secret !== undefined ? { secret: maskSecret(channel.secret) } : {}),
    accessToken: maskSecret(channel.accessToken),
    ...(channel.verifyToken !== undefined ? { verifyToken: maskSecret(channel.verifyToken) } : {}),
    ...(channel.appId !== undefined ? { appId: channel.appId } : {}),
    ...(verifiedAt !== undefined ? { verifiedAt } : {}),
  };
}
