import { Duration } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ENV } from '../../shared/config/env';
import { EXECUTOR_DEFAULTS, EXECUTOR_MAX_CONCURRENCY_ENV, JOB_MAX_RECEIVES } from '../../shared/jobs/fairShare';

export interface JobsQueueProps {
  /**
   * Timeout of the function that consumes the queue. The visibility timeout is derived from it
   * (× VISIBILITY_TIMEOUT_FACTOR), and bindConsumer() refuses a consumer with a longer timeout.
   */
  readonly consumerTimeout: Duration;
  /**
   * Receives before a job moves to the dead-letter queue: 5 runs after as many deferrals as the
   * executor's fair share may give a job (shared/jobs/fairShare.ts).
   * @default JOB_MAX_RECEIVES (15)
   */
  readonly maxReceiveCount?: number;
  /**
   * How long an unprocessed job is kept.
   * @default Duration.days(4)
   */
  readonly retentionPeriod?: Duration;
  /**
   * How long a dead-lettered job is kept (for inspection and redrive through the admin API).
   * @default Duration.days(14) - the SQS maximum
   */
  readonly deadLetterRetentionPeriod?: Duration;
}

export interface JobsConsumerOptions {
  /**
   * Most concurrent executor invocations this queue may drive: it bounds the load on brands' APIs.
   * The consumer gets it as `EXECUTOR_MAX_CONCURRENCY`: each workspace's share is derived from it.
   * @default EXECUTOR_DEFAULTS.maxConcurrency (10)
   */
  readonly maxConcurrency?: number;
  /**
   * Jobs per invocation (a FIFO queue allows at most 10).
   * @default EXECUTOR_DEFAULTS.batchSize (10)
   */
  readonly batchSize?: number;
}

/**
 * The FIFO queue of flow jobs, with a FIFO dead-letter queue.
 *
 * Producers send `MessageGroupId` = the conversation (jobs of one conversation run in order, jobs
 * of different conversations in parallel) and their own `MessageDeduplicationId` (content-based
 * deduplication is off: two identical messages from a customer are two jobs, while a webhook
 * redelivery reuses the event id and is dropped). Both queues are SQS-encrypted and refuse
 * requests without TLS.
 */
export class JobsQueue extends Construct {
  /** AWS's guidance for Lambda consumers: visibility timeout ≥ 6 × the function timeout. */
  static readonly VISIBILITY_TIMEOUT_FACTOR = 6;

  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;
  readonly visibilityTimeout: Duration;
  private readonly consumerTimeout: Duration;

  constructor(scope: Construct, id: string, props: JobsQueueProps) {
    super(scope, id);
    this.consumerTimeout = props.consumerTimeout;
    this.visibilityTimeout = Duration.seconds(props.consumerTimeout.toSeconds() * JobsQueue.VISIBILITY_TIMEOUT_FACTOR);

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetters', {
      fifo: true,
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: props.deadLetterRetentionPeriod ?? Duration.days(14),
    });

    this.queue = new sqs.Queue(this, 'Queue', {
      fifo: true,
      contentBasedDeduplication: false,
      // High-throughput FIFO: ordering and deduplication per conversation, which is all we need,
      // without the 300 messages/s limit of queue-wide ordering.
      deduplicationScope: sqs.DeduplicationScope.MESSAGE_GROUP,
      fifoThroughputLimit: sqs.FifoThroughputLimit.PER_MESSAGE_GROUP_ID,
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: this.visibilityTimeout,
      retentionPeriod: props.retentionPeriod ?? Duration.days(4),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: props.maxReceiveCount ?? JOB_MAX_RECEIVES },
    });
  }

  /** `sqs:SendMessage` on the jobs queue and `JOBS_QUEUE_URL`. */
  bindSender(fn: lambda.Function): void {
    this.queue.grant(fn, 'sqs:SendMessage');
    fn.addEnvironment(ENV.jobsQueueUrl, this.queue.queueUrl);
  }

  /**
   * Makes `fn` the queue's consumer: batches of 10 with partial batch responses (the handler
   * returns `batchItemFailures`; on a FIFO queue it must also list the later jobs of a failed
   * job's conversation) and at most `maxConcurrency` concurrent invocations, which `fn` learns from
   * `EXECUTOR_MAX_CONCURRENCY`. The mapping grants it ReceiveMessage, DeleteMessage and
   * ChangeMessageVisibility on the queue: the last is how the executor defers a turn whose
   * workspace holds its share (functions/executor/fairShare.ts).
   */
  bindConsumer(fn: lambda.Function, options: JobsConsumerOptions = {}): void {
    // Lambda's default timeout is 3 s when none is set.
    const timeout = fn.timeout ?? Duration.seconds(3);
    if (timeout.toSeconds() > this.consumerTimeout.toSeconds()) {
      throw new Error(
        `JobsQueue ${this.node.path}: consumer ${fn.node.path} has a ${timeout.toSeconds()} s timeout, longer than the ` +
          `${this.consumerTimeout.toSeconds()} s the visibility timeout was derived from; pass its timeout as consumerTimeout.`,
      );
    }
    const maxConcurrency = options.maxConcurrency ?? EXECUTOR_DEFAULTS.maxConcurrency;
    fn.addEventSource(
      new SqsEventSource(this.queue, {
        batchSize: options.batchSize ?? EXECUTOR_DEFAULTS.batchSize,
        reportBatchItemFailures: true,
        maxConcurrency,
      }),
    );
    fn.addEnvironment(EXECUTOR_MAX_CONCURRENCY_ENV, String(maxConcurrency));
  }

  /**
   * Read and delete dead-lettered jobs (the admin API lists, redrives and deletes them; redriving
   * sends to the jobs queue with bindSender) and `JOBS_DLQ_URL`. The DLQ is shared by all workspaces:
   * a redrive or delete hides what it receives and shows again at once (ChangeMessageVisibility) the
   * letters that are not the caller's. GetQueueAttributes lets it show the depth.
   */
  bindDeadLetterReader(fn: lambda.Function): void {
    this.deadLetterQueue.grant(fn, 'sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:ChangeMessageVisibility', 'sqs:GetQueueAttributes');
    fn.addEnvironment(ENV.jobsDlqUrl, this.deadLetterQueue.queueUrl);
  }
}
