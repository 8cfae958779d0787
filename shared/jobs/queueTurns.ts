import type { Logger } from '@aws-lambda-powertools/logger';
import type { Channel } from '../channels/channel';
import { flowListensBeyondTriggers, matchTrigger } from '../engine/triggers';
import type { Store } from '../store/store';
import type { InboundEvent, TurnJob } from './job';
import type { JobQueue } from './jobQueue';

/** One customer event a webhook verified and understood. */
export interface InboundTurn {
  /** LINE `webhookEventId` or Messenger `mid`: the dedupe key. */
  eventId: string;
  userId: string;
  event: InboundEvent;
  replyToken?: string;
}

export interface QueueTurnsDeps {
  store: Store;
  queue: JobQueue;
  logger: Logger;
}

/**
 * The part of every webhook after its signature holds: for each new event the channel's active flow can
 * answer, claim the event id (a redelivery is queued once), record the customer, and queue a turn job
 * pinned to the flow version active now. Returns how many jobs were queued.
 */
export async function queueTurns(channel: Channel, turns: InboundTurn[], receivedAt: number, deps: QueueTurnsDeps): Promise<number> {
  if (turns.length === 0) return 0;
  const flow = channel.activeFlow ? await deps.store.flows.getVersion(channel.workspaceId, channel.activeFlow.flowId, channel.activeFlow.version) : undefined;
  if (!flow) {
    deps.logger.info('no active flow for channel: events ignored', { channelId: channel.channelId, events: turns.length });
    return 0;
  }
  const scope = `${channel.kind}#${channel.channelId}`;
  let queued = 0;
  for (const turn of turns) {
    // Only a trigger, a waiting question or a fallback can answer: other events need no job. A question
    // may also wait on an older flow version (conversations finish on the version they started on).
    const ref = { channelKind: channel.kind, channelId: channel.channelId, userId: turn.userId };
    const answerable =
      matchTrigger(flow.flow, turn.event, { includeFallback: true }) !== undefined ||
      flowListensBeyondTriggers(flow.flow) ||
      (await deps.store.customers.getSession(ref, receivedAt)) !== undefined;
    if (!answerable) continue;
    if (!(await deps.store.events.claim(scope, turn.eventId, receivedAt))) {
      deps.logger.info('duplicate event ignored', { channelId: channel.channelId, eventId: turn.eventId });
      continue;
    }
    const job: TurnJob = {
      v: 1,
      jobId: `${channel.kind}:${channel.channelId}:${turn.eventId}`,
      workspaceId: channel.workspaceId,
      channel: { kind: channel.kind, id: channel.channelId },
      userId: turn.userId,
      event: turn.event,
      ...(turn.replyToken ? { replyToken: turn.replyToken } : {}),
      // The reply token's life (LINE) and the 24-hour window (Messenger) are counted from here.
      receivedAt,
      flow: { flowId: flow.flowId, version: flow.version },
    };
    try {
      await deps.store.customers.touch({ workspaceId: channel.workspaceId, channelKind: channel.kind, channelId: channel.channelId, userId: turn.userId }, new Date(receivedAt));
      await deps.queue.send(job);
      queued += 1;
    } catch (error) {
      // Give the event back so the channel's redelivery of this request is not dropped as a duplicate.
      await deps.store.events.release(scope, turn.eventId).catch(() => undefined);
      throw error;
    }
  }
  return queued;
}
