import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse } from 'aws-lambda';
import { createExecutorDeps } from '../functions/executor/deps';
import { createHandler } from '../functions/executor/handler';
import { startSqsEventSource, type SqsHandler } from '../local/sqsEventSource';
import { AWS_CLIENT_DEFAULTS } from '../shared/config/awsClients';
import { createGuardedFetch } from '../shared/http/guardedFetch';
import { createLogger } from '../shared/logging/logger';
import { createStore } from '../shared/store/store';
import { createTable } from '../shared/store/table';

/**
 * The executor as its own process, the way a Lambda instance is one: the executor handler module and
 * an SQS event source, connected over HTTP to the emulators and stand-ins the soak's parent process
 * runs. The parent kills it with SIGKILL and starts another; whatever it had received comes back
 * after the queue's visibility timeout.
 *
 * It tells the parent (IPC) when each invocation starts and ends, with the job ids of its records and
 * which of them succeeded (a succeeded record's job is done: its outbox is marked done).
 */

export interface ExecutorChildConfig {
  region: string;
  dynamodbEndpoint: string;
  sqsEndpoint: string;
  tableName: string;
  queueUrl: string;
  /** What the stack's clients sign with (on a shared DynamoDB Local, the key names the stack's database). */
  credentials: { accessKeyId: string; secretAccessKey: string };
  lineApiBaseUrl: string;
  messengerApiBaseUrl: string;
  /** "host:port" entries the executor may call over plain http (stand-ins, the soak brand). */
  allowHttpHosts: string[];
  batchSize: number;
  concurrency: number;
  /** The executor's timeout (ms), as its Lambda context reports it (middy ends an invocation there). */
  timeoutMs: number;
  /** Each workspace's share of the executor (as deployed); false shows the noisy-neighbour phase without it. */
  fairShare: boolean;
  logLevel: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'SILENT';
}

export type ChildMessage =
  | { type: 'ready'; pid: number }
  | { type: 'invocation-start'; invocation: number; jobIds: string[] }
  | { type: 'invocation-end'; invocation: number; succeeded: string[]; failed: string[] };

function tell(message: ChildMessage): void {
  process.send?.(message);
}

async function main(): Promise<void> {
  const config = JSON.parse(process.env.SOAK_EXECUTOR_CONFIG ?? '{}') as ExecutorChildConfig;
  const { credentials } = config;
  const dynamo = new DynamoDBClient({ ...AWS_CLIENT_DEFAULTS, region: config.region, endpoint: config.dynamodbEndpoint, credentials });
  const sqs = new SQSClient({ ...AWS_CLIENT_DEFAULTS, region: config.region, endpoint: config.sqsEndpoint, credentials });
  const store = createStore(createTable(config.tableName, dynamo));
  const logger = createLogger('executor', { serviceName: 'callcard-soak', logLevel: config.logLevel });
  const executor = createHandler(
    createExecutorDeps({
      store,
      fetch: createGuardedFetch({ allowHttpHosts: config.allowHttpHosts }),
      logger,
      channelApis: { lineApiBaseUrl: config.lineApiBaseUrl, messengerApiBaseUrl: config.messengerApiBaseUrl },
      // Each workspace's share of the executor, as on AWS: leases in the table, deferrals through the queue.
      ...(config.fairShare ? { fairShare: { sqs, queueUrl: config.queueUrl, maxConcurrency: config.concurrency } } : {}),
    }),
  );

  let invocations = 0;
  const handler: SqsHandler = async (event, context) => {
    invocations += 1;
    const invocation = invocations;
    const jobOf = new Map(event.Records.map((r) => [r.messageId, jobIdOf(r.body)]));
    tell({ type: 'invocation-start', invocation, jobIds: [...jobOf.values()] });
    let response: SQSBatchResponse | undefined;
    try {
      response = await executor(event, context);
      return response;
    } finally {
      const failedIds = new Set(response ? response.batchItemFailures.map((f) => f.itemIdentifier) : jobOf.keys());
      tell({
        type: 'invocation-end',
        invocation,
        succeeded: [...jobOf].filter(([id]) => !failedIds.has(id)).map(([, job]) => job),
        failed: [...jobOf].filter(([id]) => failedIds.has(id)).map(([, job]) => job),
      });
    }
  };

  const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: config.queueUrl, AttributeNames: ['QueueArn'] }));
  const eventSource = startSqsEventSource({
    sqs,
    queueUrl: config.queueUrl,
    queueArn: Attributes?.QueueArn ?? '',
    functionName: 'executor',
    handler,
    batchSize: config.batchSize,
    concurrency: config.concurrency,
    // The function's timeout, as its context reports it: middy ends an invocation there, as Lambda would.
    timeoutMs: config.timeoutMs,
    // Lambda's event source long-polls: a job is picked up about as soon as it is sent.
    idlePollMs: 25,
    onError: (error) => console.error('[soak executor event source]', error),
  });
  const stop = (): void => {
    void eventSource.stop().then(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  // The parent is gone: nobody is watching any more.
  process.on('disconnect', stop);
  tell({ type: 'ready', pid: process.pid });
}

function jobIdOf(body: string): string {
  try {
    const job = JSON.parse(body) as { jobId?: unknown };
    return typeof job.jobId === 'string' ? job.jobId : '?';
  } catch {
    return '?';
  }
}

main().catch((error: unknown) => {
  console.error('[soak executor] could not start', error);
  process.exit(1);
});
