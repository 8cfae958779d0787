import { channelKindSchema } from '../../shared/domain/channelKinds';
import { personalMasker, personalNames, personalValues, type PersonalMasker } from '../../shared/privacy/personalData';
import { InvalidCursorError } from '../../shared/store/cursor';
import type { ExecutionLogQuery } from '../../shared/store/executionLog';
import type { Store } from '../../shared/store/store';
import { invalid, notFound } from './adminError';
import type { RouteHandler } from './bindRoute';
import { customerKey, ownCustomer } from './contactRoutes';
import { workspaceMasker } from './mask';
import type { AdminRoutes } from './routes';

/** The execution log of Call an API cards: by customer or by card, newest first, a page at a time. */
export const listLogs: RouteHandler<AdminRoutes['listLogs']> = async ({ query }, { workspaceId, deps }) => {
  let logQuery: ExecutionLogQuery;
  if (query.customer !== undefined) {
    // The query schema holds `kind:channelId:userId` to a charset without ':' inside the ids.
    const [kind, channelId, userId] = query.customer.split(':');
    const channelKind = channelKindSchema.safeParse(kind);
    if (!channelKind.success || channelId === undefined || userId === undefined)
      throw invalid([{ path: 'query.customer', message: 'kind:channelId:userId' }]);
    const ref = await ownCustomer(deps.store, workspaceId, channelKind.data, channelId, userId);
    logQuery = { customer: customerKey(ref) };
  } else if (query.flowId !== undefined && query.blockId !== undefined) {
    if (!(await deps.store.flows.getHead(workspaceId, query.flowId))) throw notFound('flow');
    logQuery = {
      flowId: query.flowId,
      blockId: query.blockId,
      ...(query.from !== undefined ? { from: query.from } : {}),
      ...(query.to !== undefined ? { to: query.to } : {}),
      ...(query.version !== undefined ? { version: query.version } : {}),
    };
  } else {
    throw invalid([{ path: 'query', message: 'give either customer, or flowId and blockId' }]);
  }
  try {
    const [page, mask, settings] = await Promise.all([
      deps.store.executionLog.page(workspaceId, logQuery, { limit: query.limit ?? 50, ...(query.cursor ? { cursor: query.cursor } : {}) }),
      workspaceMasker(deps.store, workspaceId),
      deps.store.workspaceSettings.get(workspaceId),
    ]);
    // Entries are stored with personal values masked; older ones (and values a customer gave since) are
    // masked again here with each customer's current personal values.
    const personal = await personalMaskers(
      deps.store,
      workspaceId,
      new Set(page.items.map((entry) => entry.customer)),
      personalNames(settings.personalAttributes),
    );
    // A URL may be made of what a brand answered before (an attribute it filled): secrets masked.
    const entries = page.items.map((entry) => {
      const own = personal.get(entry.customer);
      const text = (value: string) => mask.text(own ? own.text(value) : value);
      return { ...entry, url: text(entry.url), ...(entry.reason ? { reason: text(entry.reason) } : {}) };
    });
    return { entries, ...(page.cursor ? { cursor: page.cursor } : {}) };
  } catch (error) {
    if (error instanceof InvalidCursorError)
      throw invalid([{ path: 'query.cursor', message: 'invalid cursor: pass the cursor of the previous page unchanged' }]);
    throw error;
  }
};

/** The personal masker of each customer (`kind:channelId:userId`) of a log page, from their profile as it is now. */
async function personalMaskers(
  store: Store,
  workspaceId: string,
  customers: Set<string>,
  names: ReadonlySet<string>,
): Promise<Map<string, PersonalMasker>> {
  const found = await Promise.all(
    [...customers].map(async (customer) => {
      const [kind, channelId, userId] = customer.split(':');
      const channelKind = channelKindSchema.safeParse(kind);
      if (!channelKind.success || !channelId || !userId) return undefined;
      const profile = await store.customers.get({ channelKind: channelKind.data, channelId, userId });
      return profile && profile.workspaceId === workspaceId
        ? ([customer, personalMasker(personalValues(profile, names))] as const)
        : undefined;
    }),
  );
  return new Map(found.filter((entry) => entry !== undefined));
}
