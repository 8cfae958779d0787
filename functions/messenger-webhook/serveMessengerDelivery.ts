import type { Logger } from '@aws-lambda-powertools/logger';
import type { Channel } from '../../shared/channels/channel';
import { echoProblem, type EchoReceipt } from '../../shared/channels/messenger/echoReceipt';
import type { DeliveryEvent } from '../../shared/channels/adapter';
import { messengerAdapter } from '../../shared/channels/messenger/messengerAdapter';
import { queueTurns, type InboundTurn, type SessionReads } from '../../shared/intake/queueTurns';
import type { JobQueue } from '../../shared/jobs/jobQueue';
import { NOT_JSON } from '../../shared/lambda/apiGateway';
import { forLog } from '../../shared/logging/logValues';
import type { WebhookStore } from '../../shared/store/webhookStore';

export interface MessengerWebhookResponse {
  statusCode: number;
  body: Record<string, unknown>;
}

export interface ServeDeps {
  store: WebhookStore;
  queue: JobQueue;
  logger: Logger;
}

/**
 * Which page serves the events a delivery addresses to `pageId` (undefined: the body named none), or why
 * none does. Asked once per page of a delivery.
 */
export type PageFor = (pageId: string | undefined) => Promise<{ page: Channel; sessions?: SessionReads } | { skip: string }>;

/** The events and echo receipts of one page's part of a delivery. */
interface PagePart {
  page: Channel;
  sessions: SessionReads | undefined;
  turns: InboundTurn[];
  receipts: EchoReceipt[];
}

/**
 * Serve a Messenger delivery whose signature holds: each event and echo goes to the page it addresses,
 * as `pageFor` finds it (the URL's own page, or a page of the URL's app); events of a page that is not
 * served are skipped with the logged reason. Each page's events are queued as turns for its channel
 * and active flows; each echo of callcard's own message marks its delivery as landed. Only a body that
 * is not a Messenger webhook at all is a 400.
 */
export async function serveMessengerDelivery(
  json: unknown,
  receivedAt: number,
  pageFor: PageFor,
  deps: ServeDeps,
  logKeys: Record<string, string>,
): Promise<MessengerWebhookResponse> {
  if (json === NOT_JSON) return { statusCode: 400, body: { error: 'body is not valid JSON' } };
  const parsed = messengerAdapter.parseDelivery(json);
  if (!parsed.ok) return { statusCode: 400, body: parsed.answer };

  const parts = new Map<string | undefined, Promise<PagePart | { skip: string }>>();
  const partOf = (pageId: string | undefined) => {
    let part = parts.get(pageId);
    if (!part) {
      part = pageFor(pageId).then((found) =>
        'skip' in found ? found : { page: found.page, sessions: found.sessions, turns: [], receipts: [] },
      );
      parts.set(pageId, part);
    }
    return part;
  };
  const skipped = new Map<string | undefined, { reason: string; events: number }>();
  for (const action of parsed.events) {
    if (action.kind === 'skip') {
      logSkip(action, deps.logger, logKeys);
      continue;
    }
    const pageId = action.to;
    const part = await partOf(pageId);
    if ('skip' in part) {
      skipped.set(pageId, { reason: part.skip, events: (skipped.get(pageId)?.events ?? 0) + 1 });
      continue;
    }
    if (action.kind === 'echo') {
      const problem = echoProblem(action.claim, part.page);
      if (problem) deps.logger.debug("skipped Messenger echo: not a receipt of callcard's", { ...logKeys, pageId, reason: problem });
      else part.receipts.push(action.claim.receipt);
    } else part.turns.push(action.turn);
  }
  for (const [pageId, { reason, events }] of skipped)
    deps.logger.warn('Messenger events for a page not served here skipped', { ...logKeys, pageId: forLog(pageId), events, reason });

  // The sender checks the 24-hour window against the receive time. The window really opened at the
  // person's message, a moment (or, for a redelivery, longer) before; Meta's own window error covers the gap.
  const served = (await Promise.all(parts.values())).filter((part): part is PagePart => !('skip' in part));
  const [counts] = await Promise.all([
    Promise.all(served.map((part) => queueTurns(part.page, part.turns, receivedAt, deps, part.sessions))),
    recordEchoes(
      served.flatMap((part) => part.receipts),
      deps,
    ),
  ]);
  return { statusCode: 200, body: { ok: true, queued: counts.reduce((a, b) => a + b, 0) } };
}

/** A skipped event, logged with its reason: a warning when it broke the webhook's bounds, else a debug line. */
function logSkip(action: Extract<DeliveryEvent, { kind: 'skip' }>, logger: Logger, logKeys: Record<string, string>): void {
  if (action.malformed) logger.warn('skipped malformed Messenger event', { ...logKeys, eventId: action.eventId, reason: action.reason });
  else logger.debug('skipped Messenger event', { ...logKeys, eventId: action.eventId, reason: action.reason });
}

/**
 * Meta's echoes of callcard's own messages: each marks its delivery as landed in the job's outbox, so a
 * retried job does not send it again (see echoReceipt.ts). The same receipt twice in a delivery is
 * written once; one the outbox does not take (gone, not a delivery it sent, already there) is noted.
 */
async function recordEchoes(receipts: EchoReceipt[], deps: ServeDeps): Promise<void> {
  const distinct = new Map(receipts.map((receipt) => [`${receipt.index}:${receipt.jobId}`, receipt]));
  await Promise.all(
    [...distinct.values()].map(async ({ jobId, index }) => {
      const recorded = await deps.store.jobStates.recordEcho(jobId, index);
      deps.logger.debug(
        recorded ? 'Messenger echo recorded' : 'Messenger echo not recorded: no outbox, not a delivery it sent, or already recorded',
        { jobId: forLog(jobId), index },
      );
    }),
  );
}
