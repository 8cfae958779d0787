import { renderLineMessages } from '../../shared/channels/line/renderLineMessages';
import { renderMessengerMessages } from '../../shared/channels/messenger/renderMessengerMessages';
import type { ChannelKind, TurnJob } from '../../shared/jobs/job';
import type { ResolvedMessage } from '../../shared/messages/message';
import type { Delivery } from '../../shared/store/jobStates';
import type { SimulatorRepository } from '../../shared/store/simulator';
import type { ChannelSender } from './channelSender';

/**
 * The sender of a turn played in the console's chat simulator (`job.simulator`): the messages are
 * rendered exactly as for the channel (LINE or Messenger payloads) and kept for the console instead
 * of being sent; the waiting indicator is kept as an entry too. Nothing reaches LINE or Meta. Each
 * entry's key is fixed by the job and the message's index, so a retried job rewrites, never adds.
 */
export function createSimulatorSender(kind: ChannelKind, workspaceId: string, job: TurnJob, repository: SimulatorRepository): ChannelSender {
  const ref = { workspaceId, kind, channelId: job.channel.id, userId: job.userId };
  const at = { receivedAt: job.receivedAt, jobId: job.jobId };
  return {
    safeBeforeRecord: false,
    render(messages: ResolvedMessage[]): Delivery[] {
      const rendered: unknown[] = kind === 'line' ? renderLineMessages(messages) : renderMessengerMessages(messages);
      return rendered.map((message) => ({ messages: [message] }));
    },
    async showWaiting() {
      await repository.put(ref, { ...at, part: 'waiting' }, { from: 'waiting', at: Date.now(), jobId: job.jobId });
    },
    async deliver(index, delivery, context) {
      await repository.put(ref, { ...at, part: 'bot', index }, { from: 'bot', at: Date.now(), jobId: job.jobId, messages: delivery.messages });
      return { replyTokenSpent: context.replyTokenSpent, via: 'send' };
    },
  };
}
