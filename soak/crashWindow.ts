import { createSenderFor } from '../functions/executor/senders';
import { processTurnJob, type ExecutorDeps } from '../functions/executor/processTurnJob';
import { startLocalStack } from '../local/localStack';
import { createGuardedFetch } from '../shared/http/guardedFetch';
import type { TurnJob } from '../shared/jobs/job';
import { createLogger } from '../shared/logging/logger';
import type { JobStateRepository } from '../shared/store/jobStates';
import { normalizeLineMessage, normalizeMessengerMessage } from './observe';

/**
 * The soak's duplicates, reproduced without randomness: `npx tsx soak/crashWindow.ts`.
 *
 * One turn ("register": one message, no card) on LINE and on Messenger. The first run of the job dies
 * (here: an error where a SIGKILL would stop it) after the channel accepted the answer and after the
 * outbox was stored, but before the outbox was marked done; the second run is SQS's redelivery
 * (receive count 2). What the customer receives is printed. While the window exists, each channel's
 * customer gets the answer twice and the script exits 1.
 *
 * Where the window is (functions/executor/processTurnJob.ts): on LINE the reply goes out beside the
 * outbox write with `replyTokenSpent: true` and `sent: 0`; delivery 0 is recorded as sent only by the
 * final update (`done: true`), which waits for the turn's effects (profile and session writes). A
 * redelivery that finds `sent: 0` cannot know the reply landed and pushes it (X-Line-Retry-Key does not
 * help: the first copy was a reply, not a push). On Messenger the outbox is stored first, the send goes
 * out, and the same final update records it.
 */
async function main(): Promise<void> {
  const stack = await startLocalStack({ port: 0, lineApiPort: 0, messengerApiPort: 0, brandApiPort: 0, logLevel: 'SILENT', startExecutor: false });
  let duplicated = 0;
  try {
    const fetch = createGuardedFetch({ allowHttpHosts: [stack.lineStandIn.url, stack.messengerStandIn.url, stack.brandApi.url].map((u) => new URL(u).host) });
    const logger = createLogger('executor', { logLevel: 'SILENT' });
    const senderFor = createSenderFor({ lineApiBaseUrl: stack.lineStandIn.url, messengerApiBaseUrl: stack.messengerStandIn.url, fetch, logger });
    let dieBeforeDone = true;
    // The store, except that the first run dies where it would mark the outbox done.
    const jobStates: JobStateRepository = Object.create(stack.store.jobStates) as JobStateRepository;
    jobStates.update = async (jobId, progress) => {
      if (progress.done && dieBeforeDone) throw new Error('the executor died here (SIGKILL in the soak)');
      return stack.store.jobStates.update(jobId, progress);
    };
    const deps: ExecutorDeps = { store: { ...stack.store, jobStates }, fetch, logger, senderFor };

    for (const kind of ['line', 'messenger'] as const) {
      const channelId = kind === 'line' ? stack.demo.lineChannelId : stack.demo.messengerPageId;
      const userId = kind === 'line' ? 'Ucrashwindow' : 'PSID-crash-window';
      const job: TurnJob = {
        v: 1,
        jobId: `${kind}:${channelId}:crash-window-${Date.now()}`,
        workspaceId: stack.demo.workspaceId,
        channel: { kind, id: channelId },
        userId,
        event: { type: 'text', text: 'register' },
        ...(kind === 'line' ? { replyToken: `crash-window-${Date.now()}` } : {}),
        receivedAt: Date.now(),
        flow: { flowId: 'demo', version: 1 },
      };
      dieBeforeDone = true;
      const first = await processTurnJob(job, deps, { receiveCount: 1 }).then(
        () => 'completed',
        (error: unknown) => `died: ${error instanceof Error ? error.message : String(error)}`,
      );
      const outbox = await stack.store.jobStates.get(job.jobId);
      dieBeforeDone = false;
      await processTurnJob(job, deps, { receiveCount: 2 });
      const seen =
        kind === 'line'
          ? stack.lineStandIn
              .calls()
              .filter((c) => c.kind !== 'loading' && (c.to === userId || c.replyToken === job.replyToken))
              .map((c) => `${c.kind}: ${(c.messages ?? []).map(normalizeLineMessage).join(' / ')}`)
          : stack.messengerStandIn
              .calls()
              .filter((c) => c.kind === 'send' && c.to === userId)
              .map((c) => `send: ${normalizeMessengerMessage(c.message)}`);
      console.log(`${kind}: first run ${first}; outbox then: sent ${outbox?.sent} of ${outbox?.deliveries.length}, done ${outbox?.done}, replyTokenSpent ${outbox?.replyTokenSpent}`);
      console.log(`  after the redelivery the customer received ${seen.length} message request(s):`);
      for (const line of seen) console.log(`    ${line}`);
      if (seen.length > 1) duplicated += 1;
    }
  } finally {
    await stack.stop();
  }
  console.log(duplicated ? `\n${duplicated} channel(s) delivered the answer twice.` : '\nNo duplicate: the window is closed.');
  process.exitCode = duplicated ? 1 : 0;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 2;
});
