import { createHash, timingSafeEqual } from 'node:crypto';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Channel } from '../../shared/channels/channel';
import type { MessengerApp } from '../../shared/channels/messenger/messengerApp';
import { messengerAdapter } from '../../shared/channels/messenger/messengerAdapter';
import { isId } from '../../shared/domain/ids';
import { CHANNEL_CACHE_MS, lookUpChannel, type ChannelLookup } from '../../shared/intake/queueTurns';
import { receiveWebhook, type WebhookDeps, type WebhookRequest } from '../../shared/lambda/receiveWebhook';
import { forLog } from '../../shared/logging/logValues';
import type { WebhookStore } from '../../shared/store/webhookStore';
import { serveMessengerDelivery, type MessengerWebhookResponse, type PageFor } from './serveMessengerDelivery';

export type { MessengerWebhookResponse } from './serveMessengerDelivery';

/** A delivery at a page's URL: `channelId` is the page id. */
export type MessengerWebhookRequest = WebhookRequest;

/** The subscription check's answer: the challenge as plain text, or a JSON error. */
export type VerificationResponse = { statusCode: 200; text: string } | { statusCode: 403; body: { error: string } };

export type MessengerWebhookDeps = WebhookDeps;

/** Meta's challenge is a short number; anything much longer is not Meta and is not echoed back. */
const MAX_CHALLENGE_LENGTH = 256;

/** Who a subscription check is for, in its log line: a page (`channelId`) or an app (`appId`). */
export type VerificationSubject = { channelId: string | undefined } | { appId: string | undefined };

/**
 * Meta's subscription check: `GET ?hub.mode=subscribe&hub.verify_token=…&hub.challenge=…`. The
 * challenge is echoed only when the token equals the verify token of the page (or of the app, for an
 * app's URL, or of the page's app); one without a verify token can never be subscribed by guessing. An
 * unknown page or app (`holder` undefined) is answered exactly like a wrong verify token, so the answer
 * does not tell a prober which exist; `logger`, when given, records which it was.
 */
export function handleVerification(
  query: Record<string, string | undefined>,
  holder: Channel | MessengerApp | undefined,
  logger?: Pick<Logger, 'warn'>,
  subject: VerificationSubject = { channelId: holder && 'channelId' in holder ? holder.channelId : undefined },
): VerificationResponse {
  const mode = query['hub.mode'];
  const token = query['hub.verify_token'];
  const challenge = query['hub.challenge'];
  if (mode !== 'subscribe') return { statusCode: 403, body: { error: 'hub.mode must be subscribe' } };
  // Compared even for an unknown page, so that both take the same time.
  const matches = sameSecret(token ?? '', holder?.verifyToken ?? '');
  if (!holder || !holder.verifyToken || token === undefined || !matches) {
    const what = 'appId' in subject ? 'app' : 'channel';
    const id = 'appId' in subject ? subject.appId : subject.channelId;
    logger?.warn(
      holder
        ? 'refused Messenger subscription check: verify token does not match'
        : `refused Messenger subscription check: unknown ${what}`,
      {
        [what === 'app' ? 'appId' : 'channelId']: forLog(id),
      },
    );
    return { statusCode: 403, body: { error: 'verify token does not match' } };
  }
  if (!challenge || challenge.length > MAX_CHALLENGE_LENGTH)
    return { statusCode: 403, body: { error: 'missing or invalid hub.challenge' } };
  return { statusCode: 200, text: challenge };
}

/**
 * The whole subscription check for the page of the webhook URL: a page id no page can have is not looked
 * up (it could not be a table key), and the answer is {@link handleVerification}'s, logged. A page
 * registered under an app answers with its app's verify token. A check that passed is noted for the page
 * ({@link recordVerification}); nothing else is written.
 */
export async function handleVerificationRequest(
  channelId: string,
  query: Record<string, string | undefined>,
  deps: VerificationDeps,
): Promise<VerificationResponse> {
  const channel = isId(channelId) ? await deps.store.channels.get('messenger', channelId) : undefined;
  const holder = channel?.appId !== undefined ? await appOfPage(channel, deps.store) : channel;
  const result = handleVerification(query, holder, deps.logger, { channelId });
  if (result.statusCode === 200 && channel) await recordVerification('messenger', channel.channelId, channel.workspaceId, deps);
  return result;
}

/** What a subscription check needs: the store (its one write: {@link recordVerification}), the log, the clock. */
export type VerificationDeps = Pick<MessengerWebhookDeps, 'store' | 'logger' | 'now'>;

/**
 * Note that a subscription check passed (the challenge is being echoed), for the admin's channel and app
 * answers (`verifiedAt`). Only a passed check writes: a wrong verify token leaves nothing. A failed write
 * is logged and the check still answered: the subscription itself is Meta's.
 */
export async function recordVerification(
  subject: 'messenger' | 'app',
  id: string,
  workspaceId: string,
  deps: VerificationDeps,
): Promise<void> {
  await deps.store.webhookChecks.record(subject, id, workspaceId, new Date((deps.now ?? Date.now)())).catch((error: unknown) => {
    deps.logger.warn('Messenger subscription check passed but was not recorded', {
      [subject === 'app' ? 'appId' : 'channelId']: id,
      error,
    });
  });
}

/**
 * Take one Messenger webhook delivery at a page's URL: verify `X-Hub-Signature-256` over the raw bytes
 * before anything else (shared/lambda/receiveWebhook.ts, with the page's app secret or its app's), then
 * queue one turn job per new event of this page that one of its active flows answers. Another page's entries are skipped with a
 * logged reason (the app's URL serves every page of an app: handleMessengerAppWebhook.ts). Nothing is written
 * before the signature holds, so a forged request leaves no trace. An unknown page is answered exactly
 * like a bad signature (401), so the answer does not tell a prober which pages exist; the log says
 * which. A signed event that breaks its bounds (ids, text, payloads) is skipped and logged, and the
 * rest of the delivery is served; only a body that is not a Messenger webhook at all is a 400.
 */
export async function handleMessengerWebhook(
  request: MessengerWebhookRequest,
  deps: MessengerWebhookDeps,
): Promise<MessengerWebhookResponse> {
  return receiveWebhook(request, deps, {
    adapter: messengerAdapter,
    lookUp: (verify, conversationIds, receivedAt) => lookUpPage(request.channelId, verify, conversationIds, receivedAt, deps.store),
    async serve(json, { channel, sessions }, receivedAt) {
      // One app can be subscribed to several pages, but a PSID only means something to its own page: another
      // page's event cannot be answered with this page's token (the app's URL serves each page its own).
      const pageFor: PageFor = async (pageId) =>
        pageId === undefined || pageId === channel.channelId
          ? { page: channel, sessions }
          : {
              skip: `another page's event at page ${channel.channelId}'s URL: point the app's callback URL at /webhooks/messenger/apps/<appId> to serve each of its pages`,
            };
      return serveMessengerDelivery(json, receivedAt, pageFor, deps, { channelId: channel.channelId });
    },
  });
}

/**
 * The page of a page URL, its signature checked: with the page's own app secret, or, for a page
 * registered under an app, the app's (remembered for {@link CHANNEL_CACHE_MS} like the page; read
 * again when a remembered one does not verify, so a rotated secret never refuses a genuine delivery).
 */
async function lookUpPage(
  channelId: string,
  verifyWith: (secret: string | undefined) => boolean,
  userIds: () => string[],
  receivedAt: number,
  store: WebhookStore,
): Promise<ChannelLookup> {
  const rememberedApp = (page: Channel) =>
    ownApp(page, page.appId === undefined ? undefined : store.messengerApps.peek(page.appId, CHANNEL_CACHE_MS, receivedAt));
  const found = await lookUpChannel(store, 'messenger', channelId, userIds, receivedAt, (page) =>
    verifyWith(page.appId === undefined ? page.secret : rememberedApp(page)?.secret),
  );
  if (found.status !== 'forged' || found.channel.appId === undefined) return found;
  const app = await appOfPage(found.channel, store);
  return verifyWith(app?.secret) ? { status: 'verified', channel: found.channel, sessions: undefined } : found;
}

/** The app a page is registered under, read now; undefined unless it is an app of the page's own workspace. */
async function appOfPage(page: Channel, store: WebhookStore): Promise<MessengerApp | undefined> {
  return page.appId === undefined ? undefined : ownApp(page, await store.messengerApps.get(page.appId));
}

/** The app, when it is one of the page's own workspace (remembered or read, the same rule). */
function ownApp(page: Channel, app: MessengerApp | undefined): MessengerApp | undefined {
  return app?.workspaceId === page.workspaceId ? app : undefined;
}

/** Compares digests, so neither the content nor the length of the expected token leaks through timing. */
function sameSecret(given: string, expected: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();
  return timingSafeEqual(digest(given), digest(expected));
}
