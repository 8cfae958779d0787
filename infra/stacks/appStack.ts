import { CfnOutput, CrossStackReferences, Fn, ReferenceStrength, Stack, type StackProps } from 'aws-cdk-lib';
import { HttpMethod } from 'aws-cdk-lib/aws-apigatewayv2';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Duration } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { Alarms } from '../constructs/Alarms';
import { CardAlerts } from '../constructs/CardAlerts';
import { CallcardFunction, type PowertoolsLogLevel } from '../constructs/CallcardFunction';
import type { CallcardTable } from '../constructs/CallcardTable';
import { JobsQueue } from '../constructs/JobsQueue';
import { StaticEgress } from '../constructs/StaticEgress';
import { WebhookApi, type WebhookRoute } from '../constructs/WebhookApi';
import { CALLCARD_FUNCTIONS, functionSpec, type CallcardFunctionName, type CallcardFunctionSpec } from '../functions';
import { HTTP_ROUTES } from '../httpRoutes';

import { DEFAULT_LINE_API_BASE_URL, DEFAULT_MESSENGER_API_BASE_URL, ENV } from '../../shared/config/env';
import { EXECUTOR_DEFAULTS } from '../../shared/jobs/fairShare';

export { DEFAULT_LINE_API_BASE_URL, DEFAULT_MESSENGER_API_BASE_URL };

/**
 * Capacity defaults, sized for a broadcast: 300 taps a second for a minute, every one answered inside
 * its LINE reply token with a brand that answers within about 400 ms (docs/DEPLOY.md, "Capacity").
 */
export const CAPACITY_DEFAULTS = {
  /** 10 invocations × 10 jobs: about 200 turns a second with a 300 ms brand (one workspace: 8 of them, its fair share). */
  executorMaxConcurrency: EXECUTOR_DEFAULTS.maxConcurrency,
  /** A burst of taps must not meet a 429 (LINE does not retry one unless redelivery is on). */
  apiRateLimit: 1_000,
  apiBurstLimit: 2_000,
} as const;

export interface AppStackProps extends StackProps {
  /** The table (and its key) from the StatefulStack. */
  readonly table: CallcardTable;
  /**
   * The functions to build, from CALLCARD_FUNCTIONS. A listed function whose entry file is missing
   * fails the synth.
   * @default CALLCARD_FUNCTIONS - all of them
   */
  readonly functions?: readonly CallcardFunctionSpec[];
  /**
   * Name prefix of the HTTP API.
   * @default - the stack name
   */
  readonly apiName?: string;
  /**
   * `POWERTOOLS_LOG_LEVEL` of every function.
   * @default 'INFO'
   */
  readonly logLevel?: PowertoolsLogLevel;
  /**
   * `LINE_API_BASE_URL` (a stub server's URL in load tests).
   * @default 'https://api.line.me'
   */
  readonly lineApiBaseUrl?: string;
  /**
   * `MESSENGER_API_BASE_URL`, including the Graph API version.
   * @default 'https://graph.facebook.com/v25.0'
   */
  readonly messengerApiBaseUrl?: string;
  /**
   * Most concurrent executor invocations: bounds the load callcard puts on brands' APIs.
   * @default CAPACITY_DEFAULTS.executorMaxConcurrency (10)
   */
  readonly executorMaxConcurrency?: number;
  /**
   * Steady-state requests per second the API accepts.
   * @default CAPACITY_DEFAULTS.apiRateLimit (1,000)
   */
  readonly apiRateLimit?: number;
  /**
   * Burst the API accepts above apiRateLimit.
   * @default CAPACITY_DEFAULTS.apiBurstLimit (2,000)
   */
  readonly apiBurstLimit?: number;
  /**
   * Retention of the functions' logs and the API access logs.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * ARN of an SNS topic that receives the alarms.
   * @default - alarms without actions
   */
  readonly alarmTopicArn?: string;
  /**
   * Fixed egress addresses: the functions that call brands (`callsBrands`) run in private subnets
   * behind one NAT gateway and Elastic IP per availability zone, so brands can allow-list callcard
   * (`cdk deploy -c staticEgress=true`). About 88 USD a month more (docs/DEPLOY.md, "Fixed egress
   * addresses").
   * @default false
   */
  readonly staticEgress?: boolean;
}

/**
 * The stateless part: the functions, the HTTP API, the jobs queues and the alarms. Everything here
 * can be destroyed and redeployed without losing data.
 */
export class AppStack extends Stack {
  readonly functions: ReadonlyMap<CallcardFunctionName, CallcardFunction>;
  readonly jobs: JobsQueue;
  readonly api: WebhookApi;
  readonly alarms: Alarms;
  /** The workspaces' card alert rules: their alarms and the topic they notify. */
  readonly cardAlerts: CardAlerts;
  /** Present with `staticEgress`. */
  readonly egress?: StaticEgress;
  /**
   * Callback timeouts (issue 20): a standard queue, each message delayed by its card's
   * `callback.timeoutSeconds` (≤ 900 s, SQS's most), with a dead-letter queue of its own.
   */
  readonly callbackTimeouts: sqs.Queue;

  constructor(scope: Construct, id: string, props: AppStackProps) {
    super(scope, id, props);
    // Strong references (Fn::ImportValue): CloudFormation refuses to delete the stateful stack, or
    // to replace the table or key, while this stack uses them. Set before any child exists.
    CrossStackReferences.of(this).consume(ReferenceStrength.STRONG);
    const specs = props.functions ?? CALLCARD_FUNCTIONS;
    const logRetention = props.logRetention ?? logs.RetentionDays.ONE_MONTH;

    // The queue exists even before the executor does (the webhooks enqueue); its visibility
    // timeout always derives from the executor's declared timeout.
    this.jobs = new JobsQueue(this, 'Jobs', { consumerTimeout: functionSpec('executor').timeout });

    const timeoutDeadLetters = new sqs.Queue(this, 'CallbackTimeoutsDeadLetters', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    this.callbackTimeouts = new sqs.Queue(this, 'CallbackTimeoutsQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // 6 × the consumer's timeout (AWS's guidance for Lambda consumers).
      visibilityTimeout: Duration.seconds(functionSpec('callbackTimeouts').timeout.toSeconds() * 6),
      deadLetterQueue: { queue: timeoutDeadLetters, maxReceiveCount: 5 },
    });

    this.egress = props.staticEgress ? new StaticEgress(this, 'Egress', { flowLogRetention: logRetention }) : undefined;
    const egressAddresses = this.egress
      ? Fn.join(
          ',',
          this.egress.addresses.map((eip) => eip.ref),
        )
      : undefined;

    const functions = new Map<CallcardFunctionName, CallcardFunction>();
    for (const spec of specs) {
      const fn = new CallcardFunction(this, spec.id, {
        entry: spec.entry,
        description: spec.description,
        serviceName: spec.serviceName,
        timeout: spec.timeout,
        memorySize: spec.memorySize,
        awsSdk: spec.awsSdk,
        ...(this.egress && spec.callsBrands
          ? {
              egress: {
                vpc: this.egress.vpc,
                subnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
                securityGroup: this.egress.securityGroup,
              },
            }
          : {}),
        logLevel: props.logLevel,
        logRetention,
        environment: {
          [ENV.lineApiBaseUrl]: props.lineApiBaseUrl ?? DEFAULT_LINE_API_BASE_URL,
          [ENV.messengerApiBaseUrl]: props.messengerApiBaseUrl ?? DEFAULT_MESSENGER_API_BASE_URL,
          // The admin API shows them (GET /admin/egress), for brands' allow lists.
          ...(egressAddresses && spec.name === 'admin' ? { [ENV.egressAddresses]: egressAddresses } : {}),
          // The dimension its per-card alert metrics carry: this stack's alarms read only its own.
          ...(spec.name === 'executor' ? { [ENV.cardAlertsDeployment]: this.stackName } : {}),
        },
      });
      functions.set(spec.name, fn);

      // Each bind grants the permission and sets the variable that names the resource.
      if (spec.tableAccess === 'webhook') props.table.bindWebhook(fn.fn);
      else if (spec.tableAccess === 'readWrite') props.table.bindReadWrite(fn.fn);
      else if (spec.tableAccess === 'callbacks' || spec.tableAccess === 'callbackTimeouts')
        props.table.bindCallbacks(fn.fn, { secrets: spec.tableAccess === 'callbacks' });
      if (spec.callbackTimeouts === 'schedule') {
        this.callbackTimeouts.grantSendMessages(fn.fn);
        fn.fn.addEnvironment(ENV.callbackTimeoutsQueueUrl, this.callbackTimeouts.queueUrl);
      } else if (spec.callbackTimeouts === 'consume') {
        fn.fn.addEventSource(new SqsEventSource(this.callbackTimeouts, { batchSize: 10, reportBatchItemFailures: true }));
      }
      if (spec.jobs.includes('send')) this.jobs.bindSender(fn.fn);
      if (spec.jobs.includes('consume'))
        this.jobs.bindConsumer(fn.fn, { maxConcurrency: props.executorMaxConcurrency ?? CAPACITY_DEFAULTS.executorMaxConcurrency });
      if (spec.jobs.includes('readDeadLetters')) this.jobs.bindDeadLetterReader(fn.fn);
    }
    this.functions = functions;

    // The routes of the functions built here, from the one table the local stack's router reads too.
    const routes: WebhookRoute[] = [];
    for (const route of HTTP_ROUTES) {
      const fn = functions.get(route.function);
      if (fn) routes.push({ path: route.path, methods: [HttpMethod[route.method]], authorization: route.authorization, handler: fn.fn });
    }

    this.api = new WebhookApi(this, 'Http', {
      apiName: props.apiName ?? this.stackName,
      routes,
      rateLimit: props.apiRateLimit ?? CAPACITY_DEFAULTS.apiRateLimit,
      burstLimit: props.apiBurstLimit ?? CAPACITY_DEFAULTS.apiBurstLimit,
      accessLogRetention: logRetention,
    });
    // The callback URLs the executor gives brands: this API's (the API does not depend on the
    // function, its routes' integrations do, so there is no cycle).
    for (const spec of specs)
      if (spec.callbackTimeouts === 'schedule') functions.get(spec.name)?.fn.addEnvironment(ENV.publicApiUrl, this.api.url);

    this.alarms = new Alarms(this, 'Alarms', {
      deadLetterQueue: this.jobs.deadLetterQueue,
      api: this.api.api,
      executor: functions.get('executor')?.fn,
      alarmTopic: props.alarmTopicArn ? sns.Topic.fromTopicArn(this, 'AlarmTopic', props.alarmTopicArn) : undefined,
    });

    this.cardAlerts = new CardAlerts(this, 'CardAlerts', { deployment: this.stackName });

    new CfnOutput(this, 'ApiUrl', { value: this.api.url, description: 'Base URL of the HTTP API' });
    new CfnOutput(this, 'LineWebhookUrl', {
      value: `${this.api.url}/webhooks/line/<channelId>`,
      description: 'LINE Developers console > Messaging API > Webhook URL (replace <channelId>)',
    });
    new CfnOutput(this, 'MessengerWebhookUrl', {
      value: `${this.api.url}/webhooks/messenger/<pageId>`,
      description: 'Meta app > Webhooks > Callback URL (replace <pageId>)',
    });
    new CfnOutput(this, 'MessengerAppWebhookUrl', {
      value: `${this.api.url}/webhooks/messenger/apps/<appId>`,
      description:
        'Meta app > Webhooks > Callback URL for an app with several pages (replace <appId>; PUT /admin/messenger-apps/<appId> first)',
    });
    new CfnOutput(this, 'AdminBaseUrl', { value: `${this.api.url}/admin`, description: 'Admin API base URL (bearer admin key)' });
    this.egress?.addresses.forEach(
      (eip, index) =>
        new CfnOutput(this, `EgressAddress${index + 1}`, {
          value: eip.ref,
          description: `Fixed address ${index + 1} brands' APIs see callcard's calls come from: give every one to a brand that allow-lists callers`,
        }),
    );
    new CfnOutput(this, 'CardAlertsTopicArn', {
      value: this.cardAlerts.topic.topicArn,
      description: "SNS topic of the card alert rules' alarms (PUT /admin/alerts/...): subscribe an e-mail or a chat webhook to it",
    });
    new CfnOutput(this, 'TableName', { value: props.table.table.tableName, description: 'The callcard table' });
  }
}
