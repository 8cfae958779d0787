import { createSenderFor } from '../../functions/executor/senders';
import { processTurnJob, type ExecutorDeps } from '../../functions/executor/processTurnJob';
import { startLocalStack, type LocalStack } from '../../local/localStack';
import { createGuardedFetch } from '../../shared/http/guardedFetch';
import type { TurnJob } from '../../shared/jobs/job';
import { createLogger } from '../../shared/logging/logger';
import type { JobStateRepository } from '../../shared/store/jobStates';

/**
 * The crash window the soak found: a job killed after the channel accepted its answer and before the
 * outbox recorded it (here an error stands where a SIGKILL stops the process), then redelivered by SQS.
 * Each customer must receive the answer exactly once: on LINE by asking again with the reply token
 * (spent within its minute = our reply landed), on Messenger by Meta's echo of the message.
 */
describe('a job killed after its answer landed is redelivered without a second answer', () => {
  let stack: LocalStack;
  let deps: ExecutorDeps;
  let dieBeforeDone = true;

  beforeAll(async () => {
    stack = await startLocalStack({
      port: 0,
      lineApiPort: 0,
      messengerApiPort: 0,
      brandApiPort: 0,
      logLevel: 'SILENT',
      startExecutor: false,
    });
    const fetch = createGuardedFetch({
      allowHttpHosts: [stack.lineStandIn.url, stack.messengerStandIn.url, stack.brandApi.url].map((u) => new URL(u).host),
    });
    const logger = createLogger('executor', { logLevel: 'SILENT' });
    // The store, except that a dying run stops where it would mark the outbox done.
    const jobStates: JobStateRepository = Object.create(stack.store.jobStates) as JobStateRepository;
    jobStates.update = async (jobId, progress) => {
      if (progress.done && dieBeforeDone) throw new Error('the executor died here');
      return stack.store.jobStates.update(jobId, progress);
    };
    deps = {
      store: { ...stack.store, jobStates },
      fetch,
      logger,
      senderFor: createSenderFor({ lineApiBaseUrl: stack.lineStandIn.url, messengerApiBaseUrl: stack.messengerStandIn.url, fetch, logger }),
    };
  }, 60_000);

  afterAll(async () => {
    await stack?.stop();
  });

  let n = 0;
  function jobFor(kind: 'line' | 'messenger'): TurnJob {
    n += 1;
    const channelId = kind === 'line' ? stack.demo.lineChannelId : stack.demo.messengerPageId;
    return {
      v: 1,
      jobId: `${kind}:${channelId}:crash-window-${n}`,
      workspaceId: stack.demo.workspaceId,
      channel: { kind, id: channelId },
      userId: kind === 'line' ? `Ucrash${n}` : `PSID-crash-${n}`,
      event: { type: 'text', text: 'register' },
      ...(kind === 'line' ? { replyToken: `crash-window-token-${n}` } : {}),
      receivedAt: Date.now(),
      flow: { flowId: 'demo', version: 1 },
    };
  }

  /** The first run dies before `done`; the second is SQS's redelivery. */
  async function dieThenRedeliver(job: TurnJob, beforeRedelivery: () => Promise<void> = async () => undefined) {
    dieBeforeDone = true;
    await expect(processTurnJob(job, deps, { receiveCount: 1 })).rejects.toThrow('the executor died here');
    const outbox = await stack.store.jobStates.get(job.jobId);
    expect(outbox).toMatchObject({ sent: 0, done: false });
    await beforeRedelivery();
    dieBeforeDone = false;
    await processTurnJob(job, deps, { receiveCount: 2 });
    expect(await stack.store.jobStates.get(job.jobId)).toMatchObject({ done: true });
  }

  const lineAnswers = (job: TurnJob) =>
    stack.lineStandIn.calls().filter((c) => c.kind !== 'loading' && (c.to === job.userId || c.replyToken === job.replyToken));

  it('LINE: the reply landed; the retry finds the token spent and sends nothing more', async () => {
    const job = jobFor('line');
    await dieThenRedeliver(job);
    expect(lineAnswers(job).map((c) => c.kind)).toEqual(['reply']);
  });

  it('LINE: a token refused at first use (expired) is pushed once, and the retry pushes under the same retry key', async () => {
    const job = jobFor('line');
    stack.lineStandIn.expireReplyToken(job.replyToken ?? '');
    await dieThenRedeliver(job);
    const outbox = await stack.store.jobStates.get(job.jobId);
    expect(outbox).toMatchObject({ replyRefused: true });
    // LINE answered the second push 409 ("The retry key is already accepted"): one message.
    expect(lineAnswers(job).map((c) => c.kind)).toEqual(['push']);
  });

  it("Messenger: Meta's echo of the message reaches the webhook, and the retry skips what was echoed", async () => {
    const job = jobFor('messenger');
    await dieThenRedeliver(job, async () => {
      // Meta posts the echo a moment after accepting the message; the redelivery comes much later.
      for (let i = 0; i < 100; i += 1) {
        if ((await stack.store.jobStates.get(job.jobId))?.echoed.includes(0)) return;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      throw new Error('no echo recorded');
    });
    expect(stack.messengerStandIn.calls().filter((c) => c.kind === 'send' && c.to === job.userId)).toHaveLength(1);
  });

  it('Messenger without echoes (the app not subscribed to message_echoes) still answers: a duplicate, never silence', async () => {
    const job = jobFor('messenger');
    // The echo is dropped before it reaches the webhook: the outbox never learns the message landed.
    const original = stack.store.jobStates.recordEcho.bind(stack.store.jobStates);
    stack.store.jobStates.recordEcho = async () => false;
    try {
      await dieThenRedeliver(job, () => new Promise((resolve) => setTimeout(resolve, 300)));
    } finally {
      stack.store.jobStates.recordEcho = original;
    }
    expect(stack.messengerStandIn.calls().filter((c) => c.kind === 'send' && c.to === job.userId)).toHaveLength(2);
  });
});
