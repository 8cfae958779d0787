import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { readEnv } from '../../shared/config/env';
import { createGuardedFetch, parseAllowHttpHosts } from '../../shared/http/guardedFetch';
import { turnJobSchema } from '../../shared/jobs/job';
import { createLogger } from '../../shared/logging/logger';
import { createMetrics } from '../../shared/logging/metrics';
import { createStore } from '../../shared/store/store';
import { createTable } from '../../shared/store/table';
import { processFifoBatch } from './processFifoBatch';
import { processTurnJob, UnprocessableJobError, type ExecutorDeps } from './processTurnJob';
import { createSenderFor } from './senders';

/** SQS (FIFO) consumer: each record is one conversation turn; failures are reported per record. */
export function createHandler(deps: ExecutorDeps) {
  const { logger, metrics } = deps;

  async function processRecord(record: SQSRecord): Promise<void> {
    metrics?.addMetric('JobsReceived', MetricUnit.Count, 1);
    let body: unknown;
    try {
      body = JSON.parse(record.body);
    } catch {
      body = undefined;
    }
    const parsed = turnJobSchema.safeParse(body);
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
    try {
      await processTurnJob(job, deps, { receiveCount: Number(record.attributes.ApproximateReceiveCount) || 1 });
    } catch (error) {
      if (error instanceof UnprocessableJobError) {
        log.error('job dropped', { jobId: job.jobId, error: error.message });
        return;
      }
      metrics?.addMetric('TurnsFailed', MetricUnit.Count, 1);
      log.error('job failed, will be retried', { jobId: job.jobId, error });
      throw error;
    }
  }

  const wired = middy<SQSEvent, SQSBatchResponse>().use(injectLambdaContext(logger, { resetKeys: true }));
  if (metrics) wired.use(logMetrics(metrics));
  return wired.handler(async (event) => processFifoBatch(event.Records, processRecord));
}

let lambda: ReturnType<typeof createHandler> | undefined;

/** The Lambda entry point: dependencies built from the environment once, at the first invocation. */
export const handler = (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
  if (!lambda) {
    const env = readEnv();
    const logger = createLogger('executor');
    const fetch = createGuardedFetch({ allowHttpHosts: parseAllowHttpHosts(env.OUTBOUND_ALLOW_HTTP_HOSTS) });
    const store = createStore(createTable(env.TABLE_NAME));
    lambda = createHandler({
      store,
      fetch,
      logger,
      metrics: createMetrics('executor', logger),
      senderFor: createSenderFor({ lineApiBaseUrl: env.LINE_API_BASE_URL, messengerApiBaseUrl: env.MESSENGER_API_BASE_URL, fetch, logger, simulator: store.simulator }),
    });
  }
  return lambda(event, context);
};
