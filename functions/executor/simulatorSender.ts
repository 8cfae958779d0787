import { adapterFor } from '../../shared/channels/registry';
import type { ChannelKind } from '../../shared/domain/channelKinds';
import type { TurnJob } from '../../shared/jobs/job';
import type { ResolvedMessage } from '../../shared/messages/message';
import type { Delivery } from '../../shared/store/jobStates';
import { SIMULATOR_TTL_SECONDS, type SimulatorRepository } from '../../shared/store/simulator';
import { expiresAfterDays, type WorkspaceSettings } from '../../shared/store/workspaceSettings';
import type { ChannelSender } from '../../shared/channels/sender';

/**
 * The sender of a turn played in the console's chat simulator (`job.simulator`): the messages are
 * rendered exactly as for the channel (LINE or Messenger payloads) and kept for the console instead
 * of being sent; the waiting indicator is kept as an entry too. Nothing reaches LINE or Meta. Each
 * entry's key is fixed by the job and the message's index, so a retried job rewrites, never adds.
 */
export function createSimulatorSender(
  kind: ChannelKind,
  workspaceId: string,
  job: TurnJob,
  repository: SimulatorRepository,
  settings?: WorkspaceSettings,
): ChannelSender {
  const ref = { workspaceId, kind, channelId: job.channel.id, userId: job.userId };
  // Kept the workspace's retention.simulatorDays from when each entry is written.
  const expiresAt = () =>
    settings ? expiresAfterDays(settings.retention.simulatorDays) : expiresAfterDays(SIMULATOR_TTL_SECONDS / 86_400);
  const at = { receivedAt: job.receivedAt, jobId: job.jobId };
  return {
    safeBeforeRecord: false,
    render(messages: ResolvedMessage[]): Delivery[] {
      return adapterFor(kind)
        .render(messages)
        .map((message) => ({ messages: [message] }));
    },
    async showWaiting() {
      await repository.put(ref, { ...at, part: 'waiting' }, { from: 'waiting', at: Date.now(), jobId: job.jobId }, expiresAt());
    },
    async deliver(index, delivery, context) {
      await repository.put(
        ref,
        { ...at, part: 'bot', index },
        { from: 'bot', at: Date.now(), jobId: job.jobId, messages: delivery.messages },
        expiresAt(),
      );
      return { replyTokenSpent: context.replyTokenSpent, via: 'send' };
    },
  };
}
