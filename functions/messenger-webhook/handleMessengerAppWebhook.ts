import type { Channel } from '../../shared/channels/channel';
import type { MessengerApp } from '../../shared/channels/messenger/messengerApp';
import { messengerAdapter } from '../../shared/channels/messenger/messengerAdapter';
import { isId } from '../../shared/domain/ids';
import { CHANNEL_CACHE_MS } from '../../shared/intake/queueTurns';
import { headerValue, parseJson } from '../../shared/lambda/apiGateway';
import { forLog } from '../../shared/logging/logValues';
import type { WebhookStore } from '../../shared/store/webhookStore';
import {
  handleVerification,
  recordVerification,
  type MessengerWebhookDeps,
  type VerificationDeps,
  type VerificationResponse,
} from './handleMessengerWebhook';
import { serveMessengerDelivery, type MessengerWebhookResponse, type PageFor } from './serveMessengerDelivery';

/** A delivery to an app's URL, `/webhooks/messenger/apps/{appId}`. */
export interface MessengerAppWebhookRequest {
  /** The Meta app id of the webhook URL. */
  appId: string;
  rawBody: Buffer;
  headers: Record<string, string | undefined>;
}

/** At most this many pages of a delivery are read before its signature holds (Meta batches a few at most). */
const EARLY_PAGE_READS = 10;

/**
 * Take one Messenger webhook delivery at an app's URL: Meta posts there for every page the app is
 * subscribed to, and one POST may carry entries of several pages. `X-Hub-Signature-256` is checked over
 * the raw bytes with the app's secret before anything is written; an unknown app is answered exactly
 * like a bad signature (401), the log says which. Then each entry's events and echoes go to their own
 * page (its channel, its active flows, its page access token when answered): a page that is not
 * registered under this app in the app's workspace is skipped with a logged reason, the others served.
 */
export async function handleMessengerAppWebhook(
  request: MessengerAppWebhookRequest,
  deps: MessengerWebhookDeps,
): Promise<MessengerWebhookResponse> {
  const receivedAt = (deps.now ?? Date.now)();
  const signature = headerValue(request.headers, messengerAdapter.signatureHeader);
  const refused: MessengerWebhookResponse = {
    statusCode: 401,
    body: { error: signature === undefined ? `missing ${messengerAdapter.signatureHeader}` : 'invalid signature' },
  };
  const logKeys = { appId: forLog(request.appId) };
  if (!isId(request.appId)) {
    deps.logger.warn('rejected Messenger webhook: not an app id', { ...logKeys, hasSignature: signature !== undefined });
    return refused;
  }
  // Parsed now, trusted only once the signature holds: the pages it names are read beside the app
  // (reads only; nothing is written before the check).
  const json = parseJson(request.rawBody);
  const pages = pageReader(deps.store, entryPageIds(json), receivedAt);
  const verify = (app: MessengerApp) => messengerAdapter.verifySignature(request.rawBody, app.secret, signature);
  const remembered = deps.store.messengerApps.peek(request.appId, CHANNEL_CACHE_MS, receivedAt);
  // A remembered app that does not verify is read again: its secret may have been rotated.
  const app = remembered && verify(remembered) ? remembered : await deps.store.messengerApps.get(request.appId);
  if (!app) {
    deps.logger.warn('rejected Messenger webhook: unknown app', { ...logKeys, hasSignature: signature !== undefined });
    return refused;
  }
  if (!verify(app)) {
    deps.logger.warn('rejected Messenger webhook: bad or missing signature', { ...logKeys, hasSignature: signature !== undefined });
    return refused;
  }
  const pageFor: PageFor = async (pageId) => {
    if (pageId === undefined) return { skip: 'the event names no page' };
    const page = await pages(pageId);
    if (!page) return { skip: 'page not registered in callcard' };
    const problem = pageProblem(page, app);
    return problem ? { skip: problem } : { page };
  };
  return serveMessengerDelivery(json, receivedAt, pageFor, deps, logKeys);
}

/**
 * Meta's subscription check at an app's URL: the challenge comes back only for the app's verify token;
 * an unknown app (or an app id no app can have) is answered like a wrong token, the log says which. A
 * check that passed is noted for the app ({@link recordVerification}).
 */
export async function handleAppVerificationRequest(
  appId: string,
  query: Record<string, string | undefined>,
  deps: VerificationDeps,
): Promise<VerificationResponse> {
  const app = isId(appId) ? await deps.store.messengerApps.get(appId) : undefined;
  const result = handleVerification(query, app, deps.logger, { appId });
  if (result.statusCode === 200 && app) await recordVerification('app', app.appId, app.workspaceId, deps);
  return result;
}

/** Why a page does not take the events of an app's delivery, or undefined when it does. */
function pageProblem(page: Channel, app: MessengerApp): string | undefined {
  if (page.appId !== app.appId || page.workspaceId !== app.workspaceId) {
    return `page not registered under this app (PUT /admin/channels/messenger/${page.channelId} with appId ${app.appId}, in the app's workspace)`;
  }
  return undefined;
}

/**
 * Reads of a delivery's pages, each at most once: the first {@link EARLY_PAGE_READS} start at once
 * (beside the app's read), the others when asked for; a page read in the last {@link CHANNEL_CACHE_MS}
 * costs no round trip.
 */
function pageReader(store: WebhookStore, pageIds: string[], receivedAt: number): (pageId: string) => Promise<Channel | undefined> {
  const reads = new Map<string, Promise<Channel | undefined>>();
  const read = (pageId: string) => {
    let pending = reads.get(pageId);
    if (!pending) {
      const remembered = store.channels.peek('messenger', pageId, CHANNEL_CACHE_MS, receivedAt);
      pending = remembered ? Promise.resolve(remembered) : store.channels.get('messenger', pageId);
      // Observed here so an unused read (a forged request) never becomes an unhandled rejection.
      pending.catch(() => undefined);
      reads.set(pageId, pending);
    }
    return pending;
  };
  for (const pageId of pageIds.slice(0, EARLY_PAGE_READS)) void read(pageId);
  return read;
}

/** The page ids of a Messenger delivery's entries, as far as the unverified body says, each once. */
function entryPageIds(json: unknown): string[] {
  const entries = (json as { entry?: unknown } | null)?.entry;
  if (!Array.isArray(entries)) return [];
  const ids = entries.map((entry: unknown) => (entry as { id?: unknown } | null)?.id).filter(isId);
  return [...new Set(ids)];
}
