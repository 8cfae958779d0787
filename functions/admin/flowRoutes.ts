import { isDeepStrictEqual } from 'node:util';
import { flowJsonSchema } from '../../shared/flow/validateFlow';
import type { FlowDocument, StoredFlowVersion } from '../../shared/store/flows';
import { conflict, notFound, type Problem } from './adminError';
import type { PublicRouteHandler, RouteHandler } from './bindRoute';
import { checkFlow, flowWarnings, requirePublishableSecrets } from './checkFlow';
import { publishOnChannels, takeOffChannels, unpublishFromChannels } from './publishing';
import type { AdminRoutes } from './routes';

// The flow routes: versions are immutable, saving is optimistic (a stale base is a 409), publishing moves channels.

/** `GET /admin/flows`: the workspace's flows by id, with their latest version. */
export const listFlows: RouteHandler<AdminRoutes['listFlows']> = async (_input, { workspaceId, deps }) => {
  const heads = await deps.store.flows.list(workspaceId);
  return { flows: heads.sort((a, b) => a.flowId.localeCompare(b.flowId)) };
};

// A flow is stored and given back as the admin wrote it: validated (every object is strict, so
// nothing unknown gets in), without the defaults the validation fills in (`timeoutMs: 10000`,
// `retry: true`, `headers: {}`…). The runtime reads it with the defaults applied (FlowRepository.getVersion).

/**
 * `POST /admin/flows`: the first version of a new flow (1, or the next number of a deleted flow of that
 * id); 409 when the id is taken. Saved with `warnings` when a header names a secret not set yet.
 */
export const createFlow: RouteHandler<AdminRoutes['createFlow']> = async ({ body }, { workspaceId, deps }) => {
  const flow = checkFlow(body.flow);
  const written = asWritten(body.flow);
  const warnings = await flowWarnings(flow, workspaceId, deps);
  const now = new Date(deps.now?.() ?? Date.now());
  const version = await deps.store.flows.create(workspaceId, body.flowId, written, now);
  if (version === undefined) throw conflict('flow already exists');
  return { flowId: body.flowId, version, createdAt: now.toISOString(), flow: written, ...withWarnings(warnings) };
};

/** `POST /admin/flows/validate`: every problem of a flow, nothing saved; `warnings` as a save would give them. */
export const validateFlowDocument: RouteHandler<AdminRoutes['validateFlow']> = async ({ body }, { workspaceId, deps }) => {
  const flow = checkFlow(body.flow);
  return { ok: true, ...withWarnings(await flowWarnings(flow, workspaceId, deps)) };
};

/** `GET /admin/flows/{flowId}`: the latest version. */
export const getFlow: RouteHandler<AdminRoutes['getFlow']> = async ({ params }, { workspaceId, deps }) => {
  const latest = await deps.store.flows.getLatest(workspaceId, params.flowId);
  if (!latest) throw notFound('flow');
  return versionView(latest);
};

/**
 * `PUT /admin/flows/{flowId}`: version baseVersion + 1, or 409 with the latest version when the base is
 * stale. A document equal to the latest version (defaults applied) saves nothing: `unchanged: true`.
 */
export const updateFlow: RouteHandler<AdminRoutes['updateFlow']> = async ({ params, body }, { workspaceId, deps }) => {
  const flow = checkFlow(body.flow);
  const head = await deps.store.flows.getHead(workspaceId, params.flowId);
  if (!head) throw notFound('flow');
  const warnings = withWarnings(await flowWarnings(flow, workspaceId, deps));
  const latest =
    body.baseVersion <= head.latestVersion ? await deps.store.flows.getVersion(workspaceId, params.flowId, head.latestVersion) : undefined;
  // Equal to the latest, it overwrites nobody's change, even from an older base: nothing to save. Both
  // with defaults applied, so spelling out a default (or leaving one out) changes nothing.
  if (latest && isDeepStrictEqual(latest.flow, flow)) return { ...versionView(latest), unchanged: true, ...warnings };
  const written = asWritten(body.flow);
  // The put of baseVersion + 1 is conditional too: this check alone could race with a colleague's save.
  const stale = () =>
    conflict('flow was changed since baseVersion: reload it, merge, and save again', { latestVersion: head.latestVersion });
  if (body.baseVersion !== head.latestVersion) throw stale();
  const version = body.baseVersion + 1;
  const now = new Date(deps.now?.() ?? Date.now());
  if (!(await deps.store.flows.putVersion(workspaceId, params.flowId, version, written, now))) {
    const current = await deps.store.flows.getHead(workspaceId, params.flowId);
    throw conflict('flow was changed since baseVersion: reload it, merge, and save again', {
      latestVersion: current?.latestVersion ?? version,
    });
  }
  return { flowId: params.flowId, version, createdAt: now.toISOString(), flow: written, ...warnings };
};

/** `DELETE /admin/flows/{flowId}`: the flow and all its versions; 409 while a channel runs it. */
export const deleteFlow: RouteHandler<AdminRoutes['deleteFlow']> = async ({ params }, { workspaceId, deps }) => {
  if (!(await deps.store.flows.getHead(workspaceId, params.flowId))) throw notFound('flow');
  const active = (await deps.store.channels.listForWorkspace(workspaceId)).filter((c) =>
    c.activeFlows.some((f) => f.flowId === params.flowId),
  );
  if (active.length) {
    throw conflict('flow is active on channels: unpublish it there first', {
      channels: active.map((c) => ({ kind: c.kind, channelId: c.channelId })),
    });
  }
  await deps.store.flows.delete(workspaceId, params.flowId);
  // A publish that raced the check above is taken off again (publishing.ts, takeOffChannels).
  await takeOffChannels(workspaceId, params.flowId, deps);
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

/**
 * `POST /admin/flows/{flowId}/publish`: the version joins each channel's active flows, or replaces the
 * flow's version there (also a rollback); 409 with every trigger it would share with another flow there.
 */
export const publishFlow: RouteHandler<AdminRoutes['publishFlow']> = async ({ params, body }, { workspaceId, deps }) => {
  await requirePublishableSecrets(workspaceId, params.flowId, body.version, deps);
  const stored = await deps.store.flows.getVersion(workspaceId, params.flowId, body.version);
  if (!stored) throw notFound('flow version');
  const channels = await publishOnChannels(workspaceId, stored, body.channels, deps);
  deps.logger.info('flow published', {
    workspaceId,
    flowId: params.flowId,
    version: body.version,
    channels: channels.map((c) => `${c.kind}:${c.channelId}`),
  });
  return { flowId: params.flowId, version: body.version, channels };
};

/** `POST /admin/flows/{flowId}/unpublish`: the flow leaves the channels' active flows; 409 where it is not active. */
export const unpublishFlow: RouteHandler<AdminRoutes['unpublishFlow']> = async ({ params, body }, { workspaceId, deps }) => {
  if (!(await deps.store.flows.getHead(workspaceId, params.flowId))) throw notFound('flow');
  const channels = await unpublishFromChannels(workspaceId, params.flowId, body.channels, deps);
  deps.logger.info('flow unpublished', { workspaceId, flowId: params.flowId, channels: channels.map((c) => `${c.kind}:${c.channelId}`) });
  return { flowId: params.flowId, channels };
};

/** `GET /admin/flow.schema.json`: the flow document JSON Schema. */
export const getFlowSchema: PublicRouteHandler<AdminRoutes['flowSchema']> = async () => flowJsonSchema();

/** `warnings` for an answer, left out when there are none. */
function withWarnings(warnings: Problem[]): { warnings?: Problem[] } {
  return warnings.length ? { warnings } : {};
}

/** A document `checkFlow` passed, as sent: valid, so it has its name. */
const asWritten = (document: Record<string, unknown>): FlowDocument => document as FlowDocument;

/** A version as the admin API gives it: its document as saved, not the runtime's defaulted copy. */
function versionView(stored: StoredFlowVersion) {
  return { flowId: stored.flowId, version: stored.version, createdAt: stored.createdAt, flow: stored.document };
}
