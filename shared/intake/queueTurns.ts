import type { Logger } from '@aws-lambda-powertools/logger';
import type { Channel, ChannelOf } from '../channels/channel';
import type { ChannelKind, ChatType } from '../domain/channelKinds';
import type { FlowRef } from '../domain/flowRef';
import type { InboundEvent } from '../domain/inboundEvents';
import type { Session } from '../domain/session';
import { flowListensBeyondTriggers, linksOn, matchActiveFlows, type RunningFlow } from '../engine/triggers';
import { turnJobProblem, type TurnJob } from '../jobs/job';
import type { JobQueue } from '../jobs/jobQueue';
import { forLog } from '../logging/logValues';
import type { WebhookStore } from '../store/webhookStore';

/** One customer event a webhook verified and understood. */
export interface InboundTurn {
  /** LINE `webhookEventId` or Messenger `mid`: the dedupe key. */
  eventId: string;
  /** The conversation: the customer, or (LINE) the group or room. */
  userId: string;
  /** The kind of chat the conversation is. @default 'user' */
  chat?: ChatType;
  /** In a group or room, the member who spoke, when the channel names them. */
  speakerId?: string;
  event: InboundEvent;
  replyToken?: string;
  /** Played in the console's chat simulator: answered into the console, never to the channel. */
  simulator?: true;
}

export interface QueueTurnsDeps {
  store: WebhookStore;
  queue: JobQueue;
  logger: Logger;
}

/** A customer's open session, read once per webhook delivery (perhaps started before the signature was checked). */
export type SessionReads = (userId: string) => Promise<Session | undefined>;

/** At most this many customers' sessions are read before a delivery's signature holds. */
const EARLY_SESSION_READS = 5;

/**
 * Start reading the sessions of the customers a delivery names, beside the channel read: a read has
 * no side effect, so it may start before the signature is checked (a forged request costs at most
 * {@link EARLY_SESSION_READS} reads and writes nothing). Others are read when asked for.
 */
export function readSessions(
  store: WebhookStore,
  kind: ChannelKind,
  channelId: string,
  userIds: Iterable<string>,
  receivedAt: number,
): SessionReads {
  const reads = new Map<string, Promise<Session | undefined>>();
  const read = (userId: string) => store.customers.getSession({ channelKind: kind, channelId, userId }, receivedAt);
  for (const userId of userIds) {
    if (reads.size >= EARLY_SESSION_READS) break;
    if (reads.has(userId)) continue;
    const pending = read(userId);
    // Observed here so an unused read (a forged request) never becomes an unhandled rejection.
    pending.catch(() => undefined);
    reads.set(userId, pending);
  }
  return (userId) => reads.get(userId) ?? read(userId);
}

/**
 * How long a webhook trusts a channel it read. Changes the admin makes (publish, secret, token) reach
 * a warm webhook on AWS within this time; locally the admin and the webhooks share one store and see
 * them at once. A delivery whose signature fails against the remembered secret is checked again
 * against a fresh read, so a rotated secret never refuses a genuine delivery.
 */
export const CHANNEL_CACHE_MS = 10_000;

export type ChannelLookup<C extends Channel = Channel> =
  { status: 'unknown' } | { status: 'forged'; channel: C } | { status: 'verified'; channel: C; sessions: SessionReads | undefined };

/**
 * Find a delivery's channel and check its signature with `verify`. A channel read in the last
 * {@link CHANNEL_CACHE_MS} costs no round trip; otherwise it is read beside the sessions of the
 * customers the (still unverified) delivery names, so that both take one round trip.
 */
export async function lookUpChannel<K extends ChannelKind>(
  store: WebhookStore,
  kind: K,
  channelId: string,
  userIds: () => string[],
  receivedAt: number,
  verify: (channel: ChannelOf<K>) => boolean,
): Promise<ChannelLookup<ChannelOf<K>>> {
  const remembered = store.channels.peek(kind, channelId, CHANNEL_CACHE_MS, receivedAt);
  if (remembered && verify(remembered)) return { status: 'verified', channel: remembered, sessions: undefined };
  const sessions = readSessions(store, kind, channelId, userIds(), receivedAt);
  const channel = await store.channels.get(kind, channelId);
  if (!channel) return { status: 'unknown' };
  if (!verify(channel)) return { status: 'forged', channel };
  return { status: 'verified', channel, sessions };
}

/**
 * The part of every webhook after its signature holds: for each new event one of the channel's active
 * flows (or the customer's open conversation) can answer, queue a turn job pinned to that flow version
 * (see {@link flowForTurn}), and claim the event id so a redelivery is counted once. Returns how many
 * jobs were queued.
 *
 * The claim and the send go out together (one round trip, not two): a duplicate's job is sent with the
 * same deduplication id, which SQS drops within 5 minutes, and after that the executor finds the job's
 * outbox done. A conversation's turns are sent in order; conversations at once.
 */
export async function queueTurns(
  channel: Channel,
  turns: InboundTurn[],
  receivedAt: number,
  deps: QueueTurnsDeps,
  sessions?: SessionReads,
): Promise<number> {
  if (turns.length === 0) return 0;
  const flows = await activeFlowVersions(channel, deps);
  // Nothing published: only open conversations (started before an unpublish) can still be answered.
  if (!flows.length)
    deps.logger.info('no active flow for channel: only open conversations are answered', {
      channelId: channel.channelId,
      events: turns.length,
    });
  const sessionOf = sessions ?? readSessions(deps.store, channel.kind, channel.channelId, [], receivedAt);
  const scope = `${channel.kind}#${channel.channelId}`;

  const queueOne = async (turn: InboundTurn): Promise<boolean> => {
    // Only a trigger, a waiting question or a fallback can answer: other events need no job.
    const flow = await flowForTurn(flows, turn, sessionOf, channel.kind);
    if (!flow) {
      if (turn.event.type === 'closed')
        deps.logger.info(`${turn.event.by}: no open conversation to close`, { channelId: channel.channelId, eventId: turn.eventId });
      if (turn.event.type === 'accountLink')
        deps.logger.info(
          `account link (${turn.event.result}): no conversation waits on it and no active flow links accounts on ${channel.kind}`,
          { channelId: channel.channelId, eventId: turn.eventId },
        );
      return false;
    }
    const job: TurnJob = {
      v: 1,
      jobId: `${channel.kind}:${channel.channelId}:${turn.eventId}`,
      workspaceId: channel.workspaceId,
      channel: { kind: channel.kind, id: channel.channelId },
      userId: turn.userId,
      ...(turn.chat && turn.chat !== 'user' ? { chat: turn.chat } : {}),
      ...(turn.speakerId ? { speakerId: turn.speakerId } : {}),
      event: turn.event,
      ...(turn.replyToken ? { replyToken: turn.replyToken } : {}),
      // The reply token's life (LINE) and the 24-hour window (Messenger) are counted from here.
      receivedAt,
      flow: { flowId: flow.flowId, version: flow.version },
      ...(turn.simulator ? { simulator: true as const } : {}),
    };
    // The webhooks bound every field at the edge; this is the last check before SQS, which refuses a
    // message over 256 KiB (a 500 the channel would redeliver for ever): such an event is skipped.
    const problem = turnJobProblem(job);
    if (problem) {
      deps.logger.warn('event skipped: its turn job cannot be queued', {
        channelId: channel.channelId,
        eventId: forLog(turn.eventId, 128),
        problem,
      });
      return false;
    }
    const [claim, send] = await Promise.allSettled([deps.store.events.claim(scope, turn.eventId, receivedAt), deps.queue.send(job)]);
    if (send.status === 'rejected') {
      // Give the event back so the channel's redelivery of this request is not dropped as a duplicate.
      if (claim.status === 'fulfilled' && claim.value) await deps.store.events.release(scope, turn.eventId).catch(() => undefined);
      throw send.reason;
    }
    if (claim.status === 'rejected') throw claim.reason;
    if (!claim.value) {
      deps.logger.info('duplicate event ignored', { channelId: channel.channelId, eventId: turn.eventId });
      return false;
    }
    return true;
  };

  const conversations = new Map<string, InboundTurn[]>();
  for (const turn of turns) conversations.set(turn.userId, [...(conversations.get(turn.userId) ?? []), turn]);
  const counts = await Promise.all(
    [...conversations.values()].map(async (conversation) => {
      let queued = 0;
      for (const turn of conversation) if (await queueOne(turn)) queued += 1;
      return queued;
    }),
  );
  return counts.reduce((a, b) => a + b, 0);
}

/** The channel's active flow versions, in the set's order (from memory once read: versions never change). */
async function activeFlowVersions(channel: Channel, deps: QueueTurnsDeps): Promise<RunningFlow[]> {
  const stored = await Promise.all(
    channel.activeFlows.map((ref) => deps.store.flows.getVersion(channel.workspaceId, ref.flowId, ref.version)),
  );
  return stored.filter((flow, i): flow is NonNullable<typeof flow> => {
    if (!flow) deps.logger.warn('active flow version not found: skipped', { channelId: channel.channelId, flow: channel.activeFlows[i] });
    return flow !== undefined;
  });
}

/**
 * The flow version a turn's job runs, or undefined when nothing can answer the event. A trigger of an
 * active flow picks its flow (in a group or room also one that answers one-to-one only: the turn then
 * says so). Otherwise, in a one-to-one chat, the job goes to the flow with the fallback, or to one with
 * questions, without reading the session: the executor gives an open conversation priority over the
 * fallback and finishes it on its own version. Only when no active flow listens beyond its triggers is
 * the session read, and the job pinned to the version the conversation started on (which may since
 * have been replaced or unpublished). In a group or room, where members mostly talk to each other, a
 * message no trigger and no group fallback takes is queued only when the group has a conversation open.
 * An unfollow or a leave is queued only to close an open conversation, on its version. An account
 * link goes to {@link flowForAccountLink}.
 */
async function flowForTurn(
  flows: readonly RunningFlow[],
  turn: InboundTurn,
  sessionOf: SessionReads,
  kind: ChannelKind,
): Promise<FlowRef | undefined> {
  const chat = turn.chat ?? 'user';
  if (turn.event.type === 'accountLink') return flowForAccountLink(flows, turn.event.result, kind, await sessionOf(turn.userId));
  const matched =
    turn.event.type === 'closed'
      ? undefined
      : (matchActiveFlows(flows, turn.event, { includeFallback: true, chat })?.flow ??
        (chat === 'user' ? flows.find((f) => flowListensBeyondTriggers(f.flow)) : undefined));
  if (matched) return { flowId: matched.flowId, version: matched.version };
  const session = await sessionOf(turn.userId);
  return session ? { flowId: session.flowId, version: session.version } : undefined;
}

/**
 * The flow version an account-link event runs: the open conversation's (it waits on the link block),
 * else the first active flow with a linkAccount block that links on the channel (the link came after
 * the conversation ended).
 * An unlink removes the customer's binding whatever the flows, so it runs on any: the conversation's,
 * else the first active flow.
 */
function flowForAccountLink(
  flows: readonly RunningFlow[],
  result: 'ok' | 'failed' | 'unlinked',
  kind: ChannelKind,
  session: Session | undefined,
): FlowRef | undefined {
  if (session) return { flowId: session.flowId, version: session.version };
  const flow =
    flows.find((f) => Object.values(f.flow.blocks).some((block) => linksOn(block, kind))) ?? (result === 'unlinked' ? flows[0] : undefined);
  return flow ? { flowId: flow.flowId, version: flow.version } : undefined;
}
