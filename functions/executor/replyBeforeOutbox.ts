import type { TurnJob } from '../../shared/jobs/job';
import type { Delivery, JobState, JobStateRepository, OutboxOwner } from '../../shared/store/jobStates';
import type { ChannelSender, DeliveryProgress } from '../../shared/channels/sender';

/**
 * The reply of a new turn on a channel that refuses a second copy of a request (`safeBeforeRecord`:
 * LINE), sent while the turn's outbox is being stored rather than after it: nothing stands between
 * the brand's answer and the customer's reply (docs/DATA-MODEL.md, "Order of writes in a turn",
 * step 3). A reply token is single-use and a push carries `X-Line-Retry-Key`, so a retry of the job
 * cannot make the reply land twice, outbox or not.
 *
 * The latch: LINE may refuse the reply token (`recordRefusal`, before the push that replaces the reply
 * goes out). That refusal is written onto the outbox (`recordReplyRefused`, a conditional update of an
 * existing item), so it must wait until the outbox is stored, which the reply did not wait for. A retry
 * then knows the token was refused and pushes instead of replying again. `afterReply` (the writes held
 * until the reply is on its way) is released once the reply's request is started.
 *
 * Returns the stored outbox (another try's, if one stored it first) and the first delivery's progress,
 * for deliverAll to await (a failure of it is observed there).
 */
export async function replyWhileStoringOutbox(
  job: Pick<TurnJob, 'jobId' | 'replyToken'>,
  fresh: JobState,
  first: Delivery,
  sender: ChannelSender,
  jobStates: Pick<JobStateRepository, 'create' | 'recordReplyRefused'>,
  owner: OutboxOwner,
  afterReply: { release(): void },
): Promise<{ state: JobState; firstDelivery: Promise<DeliveryProgress> }> {
  // Resolved with the outbox's write once it has started; a refused token's record waits for it.
  let outboxStoring: (creating: Promise<JobState>) => void = () => undefined;
  const outboxStored = new Promise<JobState>((resolve) => {
    outboxStoring = resolve;
  });
  outboxStored.catch(() => undefined);
  const recordRefusal = async () => {
    await outboxStored;
    await jobStates.recordReplyRefused(job.jobId);
  };
  const firstDelivery = sender.deliver(0, first, { replyTokenSpent: false, replyRefused: false, recordRefusal });
  // Observed by deliverAll; the effects need not wait for the reply to land.
  firstDelivery.catch(() => undefined);
  // Let the reply's request reach the wire before the outbox's serialization takes the CPU.
  await new Promise((resolve) => setImmediate(resolve));
  afterReply.release();
  // Stored as spent: the reply with the token is on its way, so a retry must not use the token again.
  const creating = jobStates.create({ ...fresh, replyTokenSpent: job.replyToken !== undefined }, owner);
  outboxStoring(creating);
  return { state: await creating, firstDelivery };
}
