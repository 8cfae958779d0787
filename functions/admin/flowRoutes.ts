import { flowJsonSchema } from '../../shared/flow/validateFlow';
import type { StoredFlowVersion } from '../../shared/store/flows';
import { conflict, notFound } from './adminError';
import type { PublicRouteHandler, RouteHandler } from './bindRoute';
import { checkFlow } from './checkFlow';
import type { AdminRoutes } from './routes';

// The flow routes: versions are immutable, saving is optimistic (a stale base is a 409), publishing moves channels.

/** `GET /admin/flows`: the workspace's flows by id, with their latest version. */
export const listFlows: RouteHandler<AdminRoutes['listFlows']> = async (_input, { workspaceId, deps }) => {
  const heads = await deps.store.flows.list(workspaceId);
  return { flows: heads.sort((a, b) => a.flowId.localeCompare(b.flowId)) };
};

/** `POST /admin/flows`: the first version of a new flow (1, or the next number of a deleted flow of that id); 409 when the id is taken. */
export const createFlow: RouteHandler<AdminRoutes['createFlow']> = async ({ body }, { workspaceId, deps }) => {
  const flow = checkFlow(body.flow);
  const now = new Date(deps.now?.() ?? Date.now());
  const version = await deps.store.flows.create(workspaceId, body.flowId, flow, now);
  if (version === undefined) throw conflict('flow already exists');
  return { flowId: body.flowId, version, createdAt: now.toISOString(), flow };
};

/** `POST /admin/flows/validate`: every problem of a flow, nothing saved. */
export const validateFlowDocument: RouteHandler<AdminRoutes['validateFlow']> = async ({ body }) => {
  checkFlow(body.flow);
  return { ok: true };
};

/** `GET /admin/flows/{flowId}`: the latest version. */
export const getFlow: RouteHandler<AdminRoutes['getFlow']> = async ({ params }, { workspaceId, deps }) => {
  const latest = await deps.store.flows.getLatest(workspaceId, params.flowId);
  if (!latest) throw notFound('flow');
  return versionView(latest);
};

/** `PUT /admin/flows/{flowId}`: version baseVersion + 1, or 409 with the latest version when the base is stale. */
export const updateFlow: RouteHandler<AdminRoutes['updateFlow']> = async ({ params, body }, { workspaceId, deps }) => {
  const flow = checkFlow(body.flow);
  const head = await deps.store.flows.getHead(workspaceId, params.flowId);
  if (!head) throw notFound('flow');
  // The put of baseVersion + 1 is conditional too: this check alone could race with a colleague's save.
  const stale = () => conflict('flow was changed since baseVersion: reload it, merge, and save again', { latestVersion: head.latestVersion });
  if (body.baseVersion !== head.latestVersion) throw stale();
  const version = body.baseVersion + 1;
  const now = new Date(deps.now?.() ?? Date.now());
  if (!(await deps.store.flows.putVersion(workspaceId, params.flowId, version, flow, now))) {
    const current = await deps.store.flows.getHead(workspaceId, params.flowId);
    throw conflict('flow was changed since baseVersion: reload it, merge, and save again', { latestVersion: current?.latestVersion ?? version });
  }
  return { flowId: params.flowId, version, createdAt: now.toISOString(), flow };
};

/** `DELETE /admin/flows/{flowId}`: the flow and all its versions; 409 while a channel runs it. */
export const deleteFlow: RouteHandler<AdminRoutes['deleteFlow']> = async ({ params }, { workspaceId, deps }) => {
  if (!(await deps.store.flows.getHead(workspaceId, params.flowId))) throw notFound('flow');
  const active = (await deps.store.channels.listForWorkspace(workspaceId)).filter((c) => c.activeFlow?.flowId === params.flowId);
  if (active.length) {
    throw conflict('flow is active on channels: publish another flow there first', { channels: active.map((c) => ({ kind: c.kind, channelId: c.channelId })) });
  }
  await deps.store.flows.delete(workspaceId, params.flowId);
  return { deleted: true };
};

/** `GET /admin/flows/{flowId}/versions`: newest first, without the documents. */
export const listFlowVersions: RouteHandler<AdminRoutes['listFlowVersions']> = async ({ params }, { workspaceId, deps }) => {
  const versions = await deps.store.flows.listVersions(workspaceId, params.flowId);
  if (!versions.length) throw notFound('flow');
  return { flowId: params.flowId, versions };
};

/** `GET /admin/flows/{flowId}/versions/{version}`. */
export const getFlowVersion: RouteHandler<AdminRoutes['getFlowVersion']> = async ({ params }, { workspaceId, deps }) => {
  const stored = await deps.store.flows.getVersion(workspaceId, params.flowId, params.version);
  if (!stored) throw notFound('flow version');
  return versionView(stored);
};

/** `POST /admin/flows/{flowId}/publish`: the version becomes the channels' active flow (also a rollback). */
export const publishFlow: RouteHandler<AdminRoutes['publishFlow']> = async ({ params, body }, { workspaceId, deps }) => {
  if (!(await deps.store.flows.getVersion(workspaceId, params.flowId, body.version))) throw notFound('flow version');
  const channels = [...new Map(body.channels.map((c) => [`${c.kind}#${c.channelId}`, c])).values()];
  // Every channel is checked before any moves: a typo in the list publishes nowhere, not halfway.
  for (const ref of channels) {
    const channel = await deps.store.channels.get(ref.kind, ref.channelId);
    if (channel?.workspaceId !== workspaceId) throw notFound(`channel ${ref.kind}/${ref.channelId}`);
  }
  for (const ref of channels) {
    const moved = await deps.store.channels.setActiveFlow(ref.kind, ref.channelId, workspaceId, { flowId: params.flowId, version: body.version });
    if (!moved) throw notFound(`channel ${ref.kind}/${ref.channelId}`);
  }
  deps.logger.info('flow published', { workspaceId, flowId: params.flowId, version: body.version, channels: channels.map((c) => `${c.kind}:${c.channelId}`) });
  return { flowId: params.flowId, version: body.version, channels };
};

/** `GET /admin/flow.schema.json`: the flow document JSON Schema. */
export const getFlowSchema: PublicRouteHandler<AdminRoutes['flowSchema']> = async () => flowJsonSchema();

function versionView(stored: StoredFlowVersion) {
  return { flowId: stored.flowId, version: stored.version, createdAt: stored.createdAt, flow: stored.flow };
}
