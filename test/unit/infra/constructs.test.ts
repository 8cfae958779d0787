import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { HttpMethod } from 'aws-cdk-lib/aws-apigatewayv2';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Alarms } from '../../../infra/constructs/Alarms';
import { CallcardFunction } from '../../../infra/constructs/CallcardFunction';
import { CallcardTable } from '../../../infra/constructs/CallcardTable';
import { JobsQueue } from '../../../infra/constructs/JobsQueue';
import { WebhookApi } from '../../../infra/constructs/WebhookApi';
import { functionSpec } from '../../../infra/functions';
import { AppStack } from '../../../infra/stacks/appStack';
import { StatefulStack } from '../../../infra/stacks/statefulStack';
import { STAND_IN_ENTRY, cdkJsonContext } from './build';

// Construct-level behaviour, without esbuild (bundling is skipped, or the code is inline).

function newStack(): Stack {
  const app = new App({ context: { ...cdkJsonContext(), 'aws:cdk:bundling-stacks': [] } });
  return new Stack(app, 'Test', { env: { account: '123456789012', region: 'ap-northeast-1' } });
}

function inlineFunction(stack: Stack, id: string, timeout?: Duration): lambda.Function {
  return new lambda.Function(stack, id, {
    runtime: lambda.Runtime.NODEJS_22_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async () => ({})'),
    timeout,
  });
}

describe('CallcardFunction', () => {
  test('a missing entry file is a clear synth error naming the file and the list', () => {
    expect(() => new CallcardFunction(newStack(), 'Nope', { entry: 'functions/nope/handler.ts', serviceName: 'nope' })).toThrow(
      /CallcardFunction Test\/Nope: entry file functions\/nope\/handler\.ts does not exist.*infra\/functions\.ts/,
    );
  });

  test('AppStack fails the same way for a listed function without its handler', () => {
    const app = new App({ context: { ...cdkJsonContext(), 'aws:cdk:bundling-stacks': [] } });
    const stateful = new StatefulStack(app, 'S');
    expect(
      () =>
        new AppStack(app, 'A', { table: stateful.table, functions: [{ ...functionSpec('admin'), entry: 'functions/missing/handler.ts' }] }),
    ).toThrow(/entry file functions\/missing\/handler\.ts does not exist/);
  });

  test('defaults: nodejs22.x, arm64, 512 MB, 10 s, X-Ray, one-month log group, Powertools variables', () => {
    const stack = newStack();
    const fn = new CallcardFunction(stack, 'Fn', { entry: STAND_IN_ENTRY, serviceName: 'svc' });
    expect(fn.timeout.toSeconds()).toBe(10);
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      MemorySize: 512,
      Timeout: 10,
      TracingConfig: { Mode: 'Active' },
      Environment: { Variables: { POWERTOOLS_SERVICE_NAME: 'svc', POWERTOOLS_LOG_LEVEL: 'INFO', NODE_OPTIONS: Match.absent() } },
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
    template.hasResource('AWS::Logs::LogGroup', { DeletionPolicy: 'Delete' });
    expect(
      Object.keys(template.findResources('AWS::Lambda::Function', { Properties: { ReservedConcurrentExecutions: Match.anyValue() } })),
    ).toEqual([]);
  });
});

describe('JobsQueue', () => {
  test('derives the visibility timeout as 6 × the consumer timeout', () => {
    const stack = newStack();
    const jobs = new JobsQueue(stack, 'Jobs', { consumerTimeout: Duration.seconds(45) });
    expect(jobs.visibilityTimeout.toSeconds()).toBe(270);
    Template.fromStack(stack).hasResourceProperties('AWS::SQS::Queue', { VisibilityTimeout: 270, FifoQueue: true });
  });

  test('refuses a consumer whose timeout is longer than the one the visibility timeout came from', () => {
    const stack = newStack();
    const jobs = new JobsQueue(stack, 'Jobs', { consumerTimeout: Duration.seconds(30) });
    expect(() => jobs.bindConsumer(inlineFunction(stack, 'Slow', Duration.seconds(60)))).toThrow(/60 s timeout, longer than the 30 s/);
    jobs.bindConsumer(inlineFunction(stack, 'Fast', Duration.seconds(30)), { maxConcurrency: 2 });
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      BatchSize: 10,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 2 },
    });
    // The consumer learns the mapping's concurrency (its workspaces' fair share is derived from it).
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: { EXECUTOR_MAX_CONCURRENCY: '2' } },
    });
  });

  test('bindSender grants only sqs:SendMessage and sets JOBS_QUEUE_URL', () => {
    const stack = newStack();
    const jobs = new JobsQueue(stack, 'Jobs', { consumerTimeout: Duration.seconds(30) });
    jobs.bindSender(inlineFunction(stack, 'Sender'));
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: [
          { Action: 'sqs:SendMessage', Effect: 'Allow', Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('JobsQueue'), 'Arn'] } },
        ],
      },
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: { JOBS_QUEUE_URL: { Ref: Match.stringLikeRegexp('JobsQueue') } } },
    });
  });
});

describe('CallcardTable', () => {
  test('a read-only bind gets kms:Decrypt/DescribeKey only, through DynamoDB', () => {
    const stack = newStack();
    const table = new CallcardTable(stack, 'Data');
    table.bind(inlineFunction(stack, 'Reader'), ['dynamodb:GetItem', 'dynamodb:Query']);
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          {
            Action: ['kms:Decrypt', 'kms:DescribeKey'],
            Effect: 'Allow',
            Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('DataKey'), 'Arn'] },
            Condition: { StringEquals: { 'kms:ViaService': 'dynamodb.ap-northeast-1.amazonaws.com' } },
          },
        ]),
      },
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: { TABLE_NAME: { Ref: Match.stringLikeRegexp('DataTable') } } },
    });
  });
});

describe('WebhookApi', () => {
  test('throttle props reach the $default stage; every route carries its authorisation as the APIG4 acknowledgement', () => {
    const stack = newStack();
    const handler = inlineFunction(stack, 'Handler');
    const api = new WebhookApi(stack, 'Api', {
      rateLimit: 7,
      burstLimit: 9,
      routes: [
        {
          path: '/hook',
          methods: [HttpMethod.GET, HttpMethod.POST],
          handler,
          authorization: 'signature checked in the function, because reasons',
        },
      ],
    });
    Template.fromStack(stack).hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      DefaultRouteSettings: { ThrottlingRateLimit: 7, ThrottlingBurstLimit: 9 },
    });
    const routes = api.api.node.children.filter((child) => child.node.id.includes('--hook'));
    expect(routes).toHaveLength(2);
    for (const route of routes) {
      expect(route.node.metadata.map((entry) => entry.data)).toEqual(
        expect.arrayContaining([{ 'Annotation::AwsSolutions-APIG4': 'signature checked in the function, because reasons' }]),
      );
    }
  });
});

describe('Alarms', () => {
  test('with a topic, every alarm notifies it on ALARM and OK; without an executor there is no executor alarm', () => {
    const stack = newStack();
    const jobs = new JobsQueue(stack, 'Jobs', { consumerTimeout: Duration.seconds(30) });
    const api = new WebhookApi(stack, 'Api', { routes: [] });
    const topic = sns.Topic.fromTopicArn(stack, 'Topic', 'arn:aws:sns:ap-northeast-1:123456789012:alerts');
    new Alarms(stack, 'Alarms', { deadLetterQueue: jobs.deadLetterQueue, api: api.api, alarmTopic: topic });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::CloudWatch::Alarm', 2);
    template.resourcePropertiesCountIs(
      'AWS::CloudWatch::Alarm',
      { AlarmActions: ['arn:aws:sns:ap-northeast-1:123456789012:alerts'], OKActions: ['arn:aws:sns:ap-northeast-1:123456789012:alerts'] },
      2,
    );
  });
});
