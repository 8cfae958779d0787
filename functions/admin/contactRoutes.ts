import { liveBinding, type Binding } from '../../shared/domain/binding';
import type { ChannelKind } from '../../shared/domain/channelKinds';
import { maskAttributes, maskBinding, personalNames } from '../../shared/privacy/personalData';
import type { CustomerRef } from '../../shared/store/customers';
import type { Store } from '../../shared/store/store';
import { notFound } from './adminError';
import type { RouteHandler } from './bindRoute';
import { ownChannel } from './channelRoutes';
import { workspaceMasker } from './mask';
import type { AdminRoutes } from './routes';

// A customer's data, only through a channel of the key's workspace.

/** `GET /admin/contacts/{kind}/{channelId}/{userId}`: attributes and the open session, personal values masked. */
export const getContact: RouteHandler<AdminRoutes['getContact']> = async ({ params }, { workspaceId, deps }) => {
  const ref = await ownCustomer(deps.store, workspaceId, params.kind, params.channelId, params.userId);
  const now = deps.now?.() ?? Date.now();
  const [customer, session, mask, settings] = await Promise.all([
    deps.store.customers.get(ref, now),
    deps.store.customers.getSession(ref, now),
    workspaceMasker(deps.store, workspaceId),
    deps.store.workspaceSettings.get(workspaceId),
  ]);
  if ((!customer || customer.workspaceId !== workspaceId) && !session) throw notFound('contact');
  return {
    kind: params.kind,
    channelId: params.channelId,
    userId: params.userId,
    // Attributes a card saved from a brand's answer: secrets masked; personal ones (phone, email...) masked whole.
    attributes: mask.deep(maskAttributes(customer?.attributes ?? {}, personalNames(settings.personalAttributes))) as Record<
      string,
      unknown
    >,
    ...(customer ? { firstSeenAt: customer.firstSeenAt, lastInboundAt: customer.lastInboundAt } : {}),
    session: session
      ? {
          flowId: session.flowId,
          version: session.version,
          waitingOn: session.waitingOn,
          attempts: session.attempts,
          expiresAt: session.expiresAt,
        }
      : null,
    binding: bindingView(customer?.binding, now, settings.bindingLapseDays),
  };
};

/**
 * `GET /admin/contacts/{kind}/{channelId}/{userId}/export`: everything callcard keeps of the customer,
 * in clear (an access request: the customer's own data), the workspace's secrets masked: the profile
 * (attributes, binding), the open session, the execution log and the outboxes of their turns (the
 * messages sent and what each turn changed). A customer of whom nothing is kept gets empty parts.
 */
export const exportContact: RouteHandler<AdminRoutes['exportContact']> = async ({ params }, { workspaceId, deps }) => {
  const ref = await ownCustomer(deps.store, workspaceId, params.kind, params.channelId, params.userId);
  const now = deps.now?.() ?? Date.now();
  const customer = customerKey(ref);
  const [profile, session, logEntries, outboxes, mask] = await Promise.all([
    deps.store.customers.get(ref, now),
    deps.store.customers.getSession(ref, now),
    deps.store.executionLog.allForCustomer(workspaceId, customer, now),
    deps.store.jobStates.listForCustomer(workspaceId, customer, now),
    workspaceMasker(deps.store, workspaceId),
  ]);
  const own = profile?.workspaceId === workspaceId ? profile : undefined;
  deps.logger.info('contact exported', {
    workspaceId,
    kind: params.kind,
    channelId: params.channelId,
    logEntries: logEntries.length,
    outbox: outboxes.length,
  });
  // What a brand answered may hold a secret (an attribute it filled, a message): masked everywhere.
  return mask.deep({
    exportedAt: new Date(now).toISOString(),
    kind: params.kind,
    channelId: params.channelId,
    userId: params.userId,
    profile: own ? { attributes: own.attributes, firstSeenAt: own.firstSeenAt, lastInboundAt: own.lastInboundAt } : null,
    binding: own?.binding ?? null,
    session: session
      ? {
          flowId: session.flowId,
          version: session.version,
          waitingOn: session.waitingOn,
          attempts: session.attempts,
          trigger: session.trigger,
          expiresAt: session.expiresAt,
        }
      : null,
    logEntries: logEntries.map(({ workspaceId: _ws, ...entry }) => entry),
    outbox: outboxes.map((job) => ({
      jobId: job.jobId,
      deliveries: job.deliveries,
      sent: job.sent,
      done: job.done,
      ...(job.effects ? { effects: job.effects } : {}),
    })),
  }) as Awaited<ReturnType<RouteHandler<AdminRoutes['exportContact']>>>;
};

/** A customer's binding as the admin sees it: member id and attributes masked, with whether it has lapsed (by its lapsesAt or the workspace's current setting). */
function bindingView(binding: Binding | undefined, now: number, bindingLapseDays: number | undefined) {
  if (!binding) return null;
  return { ...maskBinding(binding), lapsed: liveBinding(binding, now, bindingLapseDays) === undefined };
}

/** `DELETE /admin/contacts/{kind}/{channelId}/{userId}/binding`: the brand unlinks the customer. */
export const unbindContact: RouteHandler<AdminRoutes['unbindContact']> = async ({ params }, { workspaceId, deps }) => {
  const ref = await ownCustomer(deps.store, workspaceId, params.kind, params.channelId, params.userId);
  // Only a profile of this workspace: a channel id is the workspace's, so its customers are too.
  const unbound = await deps.store.customers.unbind(ref);
  deps.logger.info('contact unbound', { workspaceId, kind: params.kind, channelId: params.channelId, unbound });
  return { unbound };
};

/**
 * Erasure on request: the profile (with the binding), the open session, the execution log, the outboxes
 * of the customer's turns and (a simulated customer's) the simulator's conversation. Deleting nothing is not an error.
 */
export const deleteContact: RouteHandler<AdminRoutes['deleteContact']> = async ({ params }, { workspaceId, deps }) => {
  const ref = await ownCustomer(deps.store, workspaceId, params.kind, params.channelId, params.userId);
  const removed = await eraseCustomer(deps.store, workspaceId, ref);
  deps.logger.info('contact erased', { workspaceId, kind: params.kind, channelId: params.channelId, ...removed });
  return { deleted: removed };
};

/** What erasing a customer removed. */
export interface Erased {
  profile: boolean;
  binding: boolean;
  session: boolean;
  logEntries: number;
  outbox: number;
  simulatorEntries: number;
}

/** A customer's profile, binding, open session, execution log, outboxes and simulator conversation, deleted (the chat simulator's start-over too). */
export async function eraseCustomer(store: Store, workspaceId: string, ref: CustomerRef): Promise<Erased> {
  const customer = customerKey(ref);
  const [removed, logEntries, outbox, simulatorEntries] = await Promise.all([
    store.customers.delete(ref),
    store.executionLog.deleteForCustomer(workspaceId, customer),
    store.jobStates.deleteForCustomer(workspaceId, customer),
    store.simulator.clear({ workspaceId, kind: ref.channelKind, channelId: ref.channelId, userId: ref.userId }),
  ]);
  return { ...removed, logEntries, outbox, simulatorEntries };
}

/** The customer reference, if the channel is the workspace's; 404 otherwise (also for other workspaces' channels). */
export async function ownCustomer(
  store: Store,
  workspaceId: string,
  kind: ChannelKind,
  channelId: string,
  userId: string,
): Promise<CustomerRef> {
  await ownChannel(store, workspaceId, kind, channelId, 'contact');
  return { channelKind: kind, channelId, userId };
}

/** How the execution log names a customer: `line:demo-line:U123`. */
export function customerKey(ref: CustomerRef): string {
  return `${ref.channelKind}:${ref.channelId}:${ref.userId}`;
}
