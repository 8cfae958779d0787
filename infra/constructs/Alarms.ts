import { Duration } from 'aws-cdk-lib';
import type * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

export interface AlarmsProps {
  /** The jobs' dead-letter queue: any message in it is a job that failed five times. */
  readonly deadLetterQueue: sqs.IQueue;
  /** The HTTP API: its `5xx` metric covers the webhooks (LINE and Meta retry, then give up). */
  readonly api: apigwv2.IHttpApi;
  /**
   * The executor function.
   * @default - no executor alarm
   */
  readonly executor?: lambda.IFunction;
  /**
   * Where alarms and their recovery are sent (e.g. a topic with an e-mail or chat subscription).
   * @default - no actions: the alarms show in the CloudWatch console only
   */
  readonly alarmTopic?: sns.ITopic;
  /**
   * Evaluation period of every alarm.
   * @default Duration.minutes(5)
   */
  readonly period?: Duration;
  /**
   * Executor invocation errors per period that raise the alarm. Failed jobs reported through
   * batchItemFailures are not invocation errors; they end in the dead-letter queue.
   * @default 1
   */
  readonly executorErrorThreshold?: number;
  /**
   * API 5xx responses per period that raise the alarm.
   * @default 1
   */
  readonly serverErrorThreshold?: number;
}

/**
 * The three signals that a customer got no answer: dead-lettered jobs, a failing executor, and
 * webhooks answering 5xx. Missing data is "not breaching": idle is healthy.
 */
export class Alarms extends Construct {
  readonly deadLetters: cloudwatch.Alarm;
  readonly serverErrors: cloudwatch.Alarm;
  readonly executorErrors?: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: AlarmsProps) {
    super(scope, id);
    const period = props.period ?? Duration.minutes(5);

    this.deadLetters = new cloudwatch.Alarm(this, 'DeadLetters', {
      alarmDescription: 'Jobs reached the dead-letter queue: customers got no reply. Inspect and redrive them through the admin API.',
      metric: props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ statistic: cloudwatch.Stats.MAXIMUM, period }),
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    this.serverErrors = new cloudwatch.Alarm(this, 'ServerErrors', {
      alarmDescription: "The HTTP API answered 5xx: LINE or Meta deliveries (or admin calls) failed. See the functions' logs.",
      metric: props.api.metricServerError({ statistic: cloudwatch.Stats.SUM, period }),
      threshold: props.serverErrorThreshold ?? 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    if (props.executor) {
      this.executorErrors = new cloudwatch.Alarm(this, 'ExecutorErrors', {
        alarmDescription: 'The executor failed whole invocations (crash or timeout); their jobs are retried, then dead-lettered.',
        metric: props.executor.metricErrors({ statistic: cloudwatch.Stats.SUM, period }),
        threshold: props.executorErrorThreshold ?? 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
    }

    if (props.alarmTopic) {
      const action = new actions.SnsAction(props.alarmTopic);
      for (const alarm of [this.deadLetters, this.serverErrors, this.executorErrors]) {
        alarm?.addAlarmAction(action);
        alarm?.addOkAction(action);
      }
    }
  }
}
