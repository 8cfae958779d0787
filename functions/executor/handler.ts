import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { turnJobSchema } from '../../shared/jobs/job';
import { executorDepsFromEnv } from './deps';
import { DeferredJobError, type BatchAdmission, type FairShare } from './fairShare';
import { groupOf, processFifoBatch } from './processFifoBatch';
import { processTurnJob, UnprocessableJobError, type ExecutorDeps } from './processTurnJob';

export interface ExecutorHandlerDeps extends ExecutorDeps {
  /** Fair sharing of the executor among workspaces (leases and deferrals); none: every turn runs at once. */
  fairShare?: FairShare;
}

/** SQS (FIFO) consumer: each record is one conversation turn; failures are reported per record. */
export function createHandler(deps: ExecutorHandlerDeps) {
  const { logger, metrics, fairShare } = deps;

  async function processRecord(record: SQSRecord, parsed: ParsedJob, admission: BatchAdmission | undefined): Promise<void> {
    metrics?.addMetric('JobsReceived', MetricUnit.Count, 1);
    if (!parsed.success) {
      // A malformed job never gets better: drop it (logged) rather than block its conversation.
      logger.error('malformed job dropped', { messageId: record.messageId, problems: parsed.error.issues.map((i) => i.path.join('.')) });
      return;
    }
    const job = parsed.data;
    // Records of a batch run in parallel, so keys are passed with each log line (every line of a turn
    // names its jobId) rather than appended to the shared logger; a child logger per record costs more
    // CPU than the rest of the job's own code.
    const log = logger;
    const receiveCount = Number(record.attributes.ApproximateReceiveCount) || 1;
    try {
      // Refused a moment ago: deferred without reading anything.
      if (admission?.refusedNow(job.workspaceId, receiveCount)) throw new DeferredJobError(job.workspaceId);
      await processTurnJob(job, deps, {
        receiveCount,
        ...(admission ? { admit: () => admission.admit(job.workspaceId, receiveCount) } : {}),
      });
    } catch (error) {
      if (error instanceof DeferredJobError) {
        log.info('turn deferred: its workspace holds its share of the executor', {
          jobId: job.jobId,
          workspaceId: job.workspaceId,
          receiveCount,
        });
        throw error;
      }
      if (error instanceof UnprocessableJobError) {
        log.error('job dropped', { jobId: job.jobId, error: error.message });
        return;
      }
      metrics?.addMetric('TurnsFailed', MetricUnit.Count, 1);
      log.error('job failed, will be retried', { jobId: job.jobId, error });
      throw error;
    }
  }

  async function processBatch(records: SQSRecord[], context: Context | undefined): Promise<SQSBatchResponse> {
    const parsedJobs = new Map(records.map((record) => [record.messageId, parseJob(record)]));
    const jobOf = (record: SQSRecord) => {
      const parsed = parsedJobs.get(record.messageId);
      return parsed?.success ? parsed.data : undefined;
    };
    const admission = fairShare?.batch(context);
    // Each workspace's lease is asked for at once, beside the turns' reads, and given back when its
    // last turn in the batch is done (the batch's other turns may still be running).
    const left = new Map<string, number>();
    for (const record of records) {
      const job = jobOf(record);
      if (job) left.set(job.workspaceId, (left.get(job.workspaceId) ?? 0) + 1);
    }
    for (const workspaceId of left.keys()) admission?.start(workspaceId);
    const deferredGroups = new Set<string>();
    const response = await processFifoBatch(records, async (record) => {
      const job = jobOf(record);
      try {
        await processRecord(record, parsedJobs.get(record.messageId) ?? parseJob(record), admission);
      } catch (error) {
        if (error instanceof DeferredJobError) deferredGroups.add(groupOf(record));
        throw error;
      } finally {
        if (job && admission) {
          const n = (left.get(job.workspaceId) ?? 1) - 1;
          left.set(job.workspaceId, n);
          if (n === 0) admission.release(job.workspaceId);
        }
      }
    });
    if (admission && fairShare) {
      // A deferred conversation's later records were not run either: they wait with it, in order.
      const failed = new Set(response.batchItemFailures.map((f) => f.itemIdentifier));
      await Promise.all([
        admission.settle(),
        fairShare.defer(records.filter((r) => failed.has(r.messageId) && deferredGroups.has(groupOf(r)))),
      ]);
    }
    return response;
  }

  const wired = middy<SQSEvent, SQSBatchResponse>().use(injectLambdaContext(logger, { resetKeys: true }));
  if (metrics) wired.use(logMetrics(metrics));
  return wired.handler(async (event, context) => processBatch(event.Records, context));
}

type ParsedJob = ReturnType<typeof parseJob>;

/** A record's job as the schema reads its body (once per record: its problems too when it is not one). */
function parseJob(record: SQSRecord) {
  return turnJobSchema.safeParse(parseBody(record.body));
}

function parseBody(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}

let lambda: ReturnType<typeof createHandler> | undefined;

/** The Lambda entry point: dependencies built from the environment once, at the first invocation. */
export const handler = (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
  if (!lambda) lambda = createHandler(executorDepsFromEnv());
  return lambda(event, context);
};
