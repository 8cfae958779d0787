import type { ChannelKind } from '../../shared/jobs/job';
import { liveBinding, type Binding, type CustomerRef } from '../../shared/store/customers';
import type { Store } from '../../shared/store/store';
import { notFound } from './adminError';
import type { RouteHandler } from './bindRoute';
import { ownChannel } from './channelRoutes';
import { workspaceMasker } from './mask';
import type { AdminRoutes } from './routes';

// A customer's data, only through a channel of the key's workspace.

/** `GET /admin/contacts/{kind}/{channelId}/{userId}`: attributes and the open session. */
export const getContact: RouteHandler<AdminRoutes['getContact']> = async ({ params }, { workspaceId, deps }) => {
  const ref = await ownCustomer(deps.store, workspaceId, params.kind, params.channelId, params.userId);
  const [customer, session, mask] = await Promise.all([deps.store.customers.get(ref), deps.store.customers.getSession(ref, deps.now?.() ?? Date.now()), workspaceMasker(deps.store, workspaceId)]);
  if ((!customer || customer.workspaceId !== workspaceId) && !session) throw notFound('contact');
  return {
    kind: params.kind,
    channelId: params.channelId,
    userId: params.userId,
    // Attributes a card saved from a brand's answer: secrets masked.
    attributes: mask.deep(customer?.attributes ?? {}) as Record<string, unknown>,
    ...(customer ? { firstSeenAt: customer.firstSeenAt, lastInboundAt: customer.lastInboundAt } : {}),
    session: session ? { flowId: session.flowId, version: session.version, waitingOn: session.waitingOn, attempts: session.attempts, expiresAt: session.expiresAt } : null,
    binding: await bindingView(deps.store, workspaceId, customer?.binding, deps.now?.() ?? Date.now()),
  };
};

/** A customer's binding as the admin sees it: with whether it has lapsed (by its lapsesAt or the workspace's current setting). */
async function bindingView(store: Store, workspaceId: string, binding: Binding | undefined, now: number) {
  if (!binding) return null;
  const { bindingLapseDays } = await store.workspaceSettings.get(workspaceId);
  return { ...binding, lapsed: liveBinding(binding, now, bindingLapseDays) === undefined };
}

/** `DELETE /admin/contacts/{kind}/{channelId}/{userId}/binding`: the brand unlinks the customer. */
export const unbindContact: RouteHandler<AdminRoutes['unbindContact']> = async ({ params }, { workspaceId, deps }) => {
  const ref = await ownCustomer(deps.store, workspaceId, params.kind, params.channelId, params.userId);
  // Only a profile of this workspace: a channel id is the workspace's, so its customers are too.
  const unbound = await deps.store.customers.unbind(ref);
  deps.logger.info('contact unbound', { workspaceId, kind: params.kind, channelId: params.channelId, unbound });
  return { unbound };
};

/** Erasure on request: the profile, the open session and the customer's execution log. Deleting nothing is not an error. */
export const deleteContact: RouteHandler<AdminRoutes['deleteContact']> = async ({ params }, { workspaceId, deps }) => {
  const ref = await ownCustomer(deps.store, workspaceId, params.kind, params.channelId, params.userId);
  const removed = await eraseCustomer(deps.store, workspaceId, ref);
  deps.logger.info('contact erased', { workspaceId, kind: params.kind, channelId: params.channelId, ...removed });
  return { deleted: removed };
};

/** A customer's profile, open session and execution log, deleted (the chat simulator's start-over too). */
export async function eraseCustomer(store: Store, workspaceId: string, ref: CustomerRef): Promise<{ profile: boolean; session: boolean; logEntries: number }> {
  const [removed, logEntries] = await Promise.all([store.customers.delete(ref), store.executionLog.deleteForCustomer(workspaceId, customerKey(ref))]);
  return { ...removed, logEntries };
}

/** The customer reference, if the channel is the workspace's; 404 otherwise (also for other workspaces' channels). */
export async function ownCustomer(store: Store, workspaceId: string, kind: ChannelKind, channelId: string, userId: string): Promise<CustomerRef> {
  await ownChannel(store, workspaceId, kind, channelId, 'contact');
  return { channelKind: kind, channelId, userId };
}

/** How the execution log names a customer: `line:demo-line:U123`. */
export function customerKey(ref: CustomerRef): string {
  return `${ref.channelKind}:${ref.channelId}:${ref.userId}`;
}
