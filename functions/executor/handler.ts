import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { createLineClient } from '../../shared/channels/line/lineClient';
import { createMessengerClient } from '../../shared/channels/messenger/messengerClient';
import { readEnv } from '../../shared/config/env';
import { createGuardedFetch, parseAllowHttpHosts } from '../../shared/http/guardedFetch';
import { turnJobSchema } from '../../shared/jobs/job';
import { createLogger } from '../../shared/logging/logger';
import { createMetrics } from '../../shared/logging/metrics';
import { createStore } from '../../shared/store/store';
import { createTable } from '../../shared/store/table';
import { createLineSender } from './lineSender';
import { createMessengerSender } from './messengerSender';
import { processFifoBatch } from './processFifoBatch';
import { processTurnJob, UnprocessableJobError, type ExecutorDeps } from './processTurnJob';

const env = readEnv();
const logger = createLogger('executor');
const metrics = createMetrics('executor', logger);
const fetch = createGuardedFetch({ allowHttpHosts: parseAllowHttpHosts(env.OUTBOUND_ALLOW_HTTP_HOSTS) });
const deps: ExecutorDeps = {
  store: createStore(createTable(env.TABLE_NAME)),
  fetch,
  logger,
  metrics,
  senderFor: (channel, job) => {
    if (channel.kind === 'line') return createLineSender(createLineClient({ baseUrl: env.LINE_API_BASE_URL, accessToken: channel.accessToken, fetch }), job);
    if (channel.kind === 'messenger') {
      const client = createMessengerClient({ baseUrl: env.MESSENGER_API_BASE_URL, pageId: channel.channelId, accessToken: channel.accessToken, fetch });
      return createMessengerSender(client, job, { logger });
    }
    throw new UnprocessableJobError(`no sender for channel kind ${channel.kind}`);
  },
};

async function processRecord(record: SQSRecord): Promise<void> {
  metrics.addMetric('JobsReceived', MetricUnit.Count, 1);
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
  // Records of a batch run in parallel: each gets its own correlation keys.
  const log = logger.createChild({ persistentKeys: { jobId: job.jobId, conversation: `${job.channel.kind}:${job.channel.id}:${job.userId}` } });
  try {
    await processTurnJob(job, { ...deps, logger: log });
  } catch (error) {
    if (error instanceof UnprocessableJobError) {
      log.error('job dropped', { error: error.message });
      return;
    }
    metrics.addMetric('TurnsFailed', MetricUnit.Count, 1);
    log.error('job failed, will be retried', { error });
    throw error;
  }
}

/** SQS (FIFO) consumer: each record is one conversation turn; failures are reported per record. */
export const handler = middy<SQSEvent, SQSBatchResponse>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics))
  .handler(async (event) => processFifoBatch(event.Records, processRecord));
