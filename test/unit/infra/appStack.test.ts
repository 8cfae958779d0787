import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { JobsQueue } from '../../../infra/constructs/JobsQueue';
import { READ_WRITE_TABLE_ACTIONS, WEBHOOK_TABLE_ACTIONS } from '../../../infra/constructs/CallcardTable';
import {
  CALLCARD_FUNCTIONS,
  functionSpec,
  PROJECT_ROOT,
  type CallcardFunctionName,
  type CallcardFunctionSpec,
} from '../../../infra/functions';
import { buildApp, removeOutdir, type BuiltApp } from './build';
import { JOB_MAX_RECEIVES, MAX_DEFERRED_RECEIVES } from '../../../shared/jobs/fairShare';

// The wiring of all four functions, whether or not their handlers exist yet (missing ones get a
// stand-in entry), without esbuild: bundles.test.ts bundles the real handlers.

interface Statement {
  readonly Effect: string;
  readonly Action: string | string[];
  readonly Resource: unknown;
  readonly Condition?: unknown;
}

const XRAY_ACTIONS = ['xray:PutTelemetryRecords', 'xray:PutTraceSegments'];

let built: BuiltApp;
let template: Template;

beforeAll(() => {
  built = buildApp({ bundle: false });
  template = Template.fromStack(built.appStack);
});

afterAll(() => removeOutdir(built));

/** Logical id of a function, found by its POWERTOOLS_SERVICE_NAME. */
function functionId(spec: CallcardFunctionSpec): string {
  const found = template.findResources('AWS::Lambda::Function', {
    Properties: { Environment: { Variables: { POWERTOOLS_SERVICE_NAME: spec.serviceName } } },
  });
  const ids = Object.keys(found);
  expect(ids).toHaveLength(1);
  const [id] = ids;
  if (!id) throw new Error(`no function for ${spec.name}`);
  return id;
}

/** Properties of a function's resource. */
function functionProps(spec: CallcardFunctionSpec): Record<string, unknown> {
  const props: Record<string, unknown> = template.toJSON().Resources[functionId(spec)].Properties;
  return props;
}

/** The statements of the policies attached to a function's role. */
function statementsOf(spec: CallcardFunctionSpec): Statement[] {
  const roleId: string = template.toJSON().Resources[functionId(spec)].Properties.Role['Fn::GetAtt'][0];
  const policies = template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: roleId }] } });
  return Object.values(policies).flatMap((policy) => {
    const statements: Statement[] = policy.Properties.PolicyDocument.Statement;
    return statements;
  });
}

const actionsOf = (statement: Statement): string[] => (Array.isArray(statement.Action) ? statement.Action : [statement.Action]);

function actionsOn(statements: Statement[], prefix: string): string[] {
  return [...new Set(statements.flatMap(actionsOf).filter((action) => action.startsWith(prefix)))].sort();
}

describe('functions', () => {
  test('all four functions are built', () => {
    expect(built.wired.map((spec) => spec.name).sort()).toEqual(CALLCARD_FUNCTIONS.map((spec) => spec.name).sort());
  });

  test('every function: nodejs22.x on arm64, X-Ray active, 512 MB, its own log group kept one month', () => {
    expect(built.wired.length).toBeGreaterThan(0);
    template.resourceCountIs('AWS::Lambda::Function', built.wired.length);
    for (const spec of built.wired) {
      const props = functionProps(spec);
      expect(props).toMatchObject({
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        TracingConfig: { Mode: 'Active' },
        MemorySize: 512,
        Timeout: spec.timeout.toSeconds(),
        Handler: 'index.handler',
      });
      const logGroupId: string = template.toJSON().Resources[functionId(spec)].Properties.LoggingConfig.LogGroup.Ref;
      expect(template.toJSON().Resources[logGroupId]).toMatchObject({
        Type: 'AWS::Logs::LogGroup',
        Properties: { RetentionInDays: 30 },
      });
    }
  });

  test('roles carry no AWS managed policy (logs are granted on the function log group only)', () => {
    for (const role of Object.values(template.findResources('AWS::IAM::Role'))) {
      expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    }
  });

  test('environment: Powertools, channel API base URLs, and the names each bind sets; no NODE_OPTIONS (stack traces are mapped on first use)', () => {
    for (const spec of built.wired) {
      const variables = template.toJSON().Resources[functionId(spec)].Properties.Environment.Variables;
      expect(variables).toMatchObject({
        POWERTOOLS_SERVICE_NAME: spec.serviceName,
        POWERTOOLS_LOG_LEVEL: 'INFO',
        LINE_API_BASE_URL: 'https://api.line.me',
        MESSENGER_API_BASE_URL: 'https://graph.facebook.com/v25.0',
      });
      // --enable-source-maps would read index.js.map at every cold start: shared/logging/stackTraces.ts.
      expect(variables.NODE_OPTIONS).toBeUndefined();
      // Each bind sets the variable naming what it grants; the console function is granted nothing.
      if (spec.tableAccess === 'none') expect(variables.TABLE_NAME).toBeUndefined();
      else expect(variables.TABLE_NAME).toEqual(expect.anything());
      if (spec.jobs.includes('send')) expect(variables.JOBS_QUEUE_URL).toEqual(expect.anything());
      else expect(variables.JOBS_QUEUE_URL).toBeUndefined();
      if (spec.jobs.includes('readDeadLetters')) expect(variables.JOBS_DLQ_URL).toBeDefined();
      else expect(variables.JOBS_DLQ_URL).toBeUndefined();
    }
  });
});

describe('HTTP API', () => {
  const expectedRoutes: ReadonlyArray<[string, CallcardFunctionName]> = [
    ['POST /webhooks/line/{channelId}', 'lineWebhook'],
    ['GET /webhooks/messenger/{channelId}', 'messengerWebhook'],
    ['POST /webhooks/messenger/{channelId}', 'messengerWebhook'],
    ['GET /webhooks/messenger/apps/{appId}', 'messengerWebhook'],
    ['POST /webhooks/messenger/apps/{appId}', 'messengerWebhook'],
    ['ANY /admin/{proxy+}', 'admin'],
    ['GET /console', 'console'],
    ['GET /console/{proxy+}', 'console'],
    ['POST /callbacks/{workspaceId}/{callbackId}', 'callbacks'],
  ];

  test.each(expectedRoutes)('%s goes to the %s function', (routeKey, name) => {
    const routes = template.findResources('AWS::ApiGatewayV2::Route', { Properties: { RouteKey: routeKey } });
    const [route] = Object.values(routes);
    expect(Object.keys(routes)).toHaveLength(1);
    const integrationId: string = route?.Properties.Target['Fn::Join'][1][1].Ref;
    expect(template.toJSON().Resources[integrationId].Properties).toMatchObject({
      IntegrationType: 'AWS_PROXY',
      PayloadFormatVersion: '2.0',
      IntegrationUri: { 'Fn::GetAtt': [functionId(functionSpec(name)), 'Arn'] },
    });
  });

  test('no other routes', () => {
    template.resourceCountIs('AWS::ApiGatewayV2::Route', expectedRoutes.length);
  });

  test('one $default stage, auto-deployed, throttled, with JSON access logs', () => {
    template.resourceCountIs('AWS::ApiGatewayV2::Stage', 1);
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 1000, ThrottlingBurstLimit: 2000 },
      AccessLogSettings: {
        DestinationArn: { 'Fn::GetAtt': [Match.anyValue(), 'Arn'] },
        Format: Match.stringLikeRegexp('\\$context\\.requestId'),
      },
    });
  });

  test('access logs never include the query string (Meta puts hub.verify_token there)', () => {
    const stage = Object.values(template.findResources('AWS::ApiGatewayV2::Stage'))[0];
    const format: string = stage?.Properties.AccessLogSettings.Format;
    expect(format).not.toMatch(/querystring|rawQueryString|\$context\.requestOverride|\$input/i);
  });
});

describe('jobs queue', () => {
  // The jobs queues are the FIFO ones (the callback timeouts' are standard: see below).
  const queues = () =>
    Object.fromEntries(
      Object.entries(template.findResources('AWS::SQS::Queue')).filter(([, queue]) => queue.Properties.FifoQueue === true),
    );
  const jobsQueueId = () => {
    const [id] = Object.entries(queues()).find(([, queue]) => queue.Properties.RedrivePolicy) ?? [];
    if (!id) throw new Error('no queue with a redrive policy');
    return id;
  };

  test('FIFO queue without content-based deduplication, and a FIFO dead-letter queue kept 14 days', () => {
    expect(Object.keys(queues())).toHaveLength(2);
    for (const queue of Object.values(queues())) {
      expect(queue.Properties).toMatchObject({ FifoQueue: true, SqsManagedSseEnabled: true });
    }
    const jobs = template.toJSON().Resources[jobsQueueId()].Properties;
    expect(jobs.ContentBasedDeduplication).toBe(false);
    const dlqId: string = jobs.RedrivePolicy.deadLetterTargetArn['Fn::GetAtt'][0];
    expect(template.toJSON().Resources[dlqId].Properties.MessageRetentionPeriod).toBe(14 * 24 * 3600);
  });

  test('redrive after 15 receives: 5 runs after as many deferrals as the fair share may give a job', () => {
    expect(template.toJSON().Resources[jobsQueueId()].Properties.RedrivePolicy.maxReceiveCount).toBe(JOB_MAX_RECEIVES);
    expect(JOB_MAX_RECEIVES).toBe(MAX_DEFERRED_RECEIVES + 5);
  });

  test('visibility timeout ≥ 6 × the executor timeout', () => {
    const visibility: number = template.toJSON().Resources[jobsQueueId()].Properties.VisibilityTimeout;
    const executorTimeout = Number(functionProps(functionSpec('executor')).Timeout);
    expect(visibility).toBeGreaterThanOrEqual(JobsQueue.VISIBILITY_TIMEOUT_FACTOR * executorTimeout);
    expect(JobsQueue.VISIBILITY_TIMEOUT_FACTOR).toBeGreaterThanOrEqual(6);
  });

  test('both queues refuse requests without TLS', () => {
    template.resourcePropertiesCountIs(
      'AWS::SQS::QueuePolicy',
      {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Action: 'sqs:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      },
      4,
    );
  });

  test('the executor consumes it: batches of 10, partial batch failures, at most 10 concurrent', () => {
    // The other mapping is the callback timeouts' (below).
    template.resourceCountIs('AWS::Lambda::EventSourceMapping', 2);
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [jobsQueueId(), 'Arn'] },
      FunctionName: { Ref: functionId(functionSpec('executor')) },
      BatchSize: 10,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 10 },
    });
    // The executor knows the mapping's concurrency: each workspace's share of it is derived from it.
    expect(
      template.toJSON().Resources[functionId(functionSpec('executor'))].Properties.Environment.Variables.EXECUTOR_MAX_CONCURRENCY,
    ).toBe('10');
  });
});

describe('callbacks (issue 20)', () => {
  const resources = () => template.toJSON().Resources as Record<string, { Type: string; Properties: Record<string, unknown> }>;
  const timeoutsQueueId = () => {
    const [id] =
      Object.entries(resources()).find(
        ([, r]) => r.Type === 'AWS::SQS::Queue' && r.Properties.FifoQueue === undefined && r.Properties.RedrivePolicy !== undefined,
      ) ?? [];
    if (!id) throw new Error('no callback timeouts queue');
    return id;
  };
  const statementsOf = (name: CallcardFunctionName): Statement[] => {
    const roleId: string = (resources()[functionId(functionSpec(name))]?.Properties.Role as { 'Fn::GetAtt': [string] })['Fn::GetAtt'][0];
    return Object.values(template.findResources('AWS::IAM::Policy'))
      .filter((policy) => (policy.Properties.Roles as Array<{ Ref: string }>).some((role) => role.Ref === roleId))
      .flatMap((policy) => policy.Properties.PolicyDocument.Statement as Statement[]);
  };

  test('timeouts: a standard queue (per-message delays; FIFO has none), encrypted, with a dead-letter queue, consumed by its own function', () => {
    const queue = resources()[timeoutsQueueId()]?.Properties;
    expect(queue).toMatchObject({ SqsManagedSseEnabled: true, VisibilityTimeout: 60, RedrivePolicy: { maxReceiveCount: 5 } });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [timeoutsQueueId(), 'Arn'] },
      FunctionName: { Ref: functionId(functionSpec('callbackTimeouts')) },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });

  test('the executor schedules timeouts and knows the API URL the callback URLs start with', () => {
    const variables = (resources()[functionId(functionSpec('executor'))]?.Properties.Environment as { Variables: Record<string, unknown> })
      .Variables;
    expect(variables.CALLBACK_TIMEOUTS_QUEUE_URL).toEqual({ Ref: timeoutsQueueId() });
    expect(variables.PUBLIC_API_URL).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^HttpApi/), 'ApiEndpoint'] });
    expect(
      statementsOf('executor').some(
        (s) => actionsOf(s).includes('sqs:SendMessage') && JSON.stringify(s.Resource).includes(timeoutsQueueId()),
      ),
    ).toBe(true);
  });

  test('the callback route: item-level only, on CALLBACK items and the workspace item it reads the secret from; jobs it may only send', () => {
    const table = statementsOf('callbacks').filter((s) => actionsOf(s).some((a) => a.startsWith('dynamodb:')));
    expect(table.flatMap(actionsOf).sort()).toEqual(['dynamodb:GetItem', 'dynamodb:GetItem', 'dynamodb:UpdateItem']);
    expect(table.map((s) => s.Condition)).toEqual([
      { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['CALLBACK#*'] } },
      { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['WS#*'] } },
    ]);
    const sqsActions = statementsOf('callbacks')
      .flatMap(actionsOf)
      .filter((a) => a.startsWith('sqs:'));
    expect(sqsActions).toEqual(['sqs:SendMessage']);
    // The timeouts' consumer: CALLBACK items only.
    const timeouts = statementsOf('callbackTimeouts').filter((s) => actionsOf(s).some((a) => a.startsWith('dynamodb:')));
    expect(timeouts.map((s) => s.Condition)).toEqual([{ 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['CALLBACK#*'] } }]);
  });
});

describe('least privilege', () => {
  const allStatements = (): Statement[] =>
    Object.values(template.findResources('AWS::IAM::Policy')).flatMap((policy) => {
      const statements: Statement[] = policy.Properties.PolicyDocument.Statement;
      return statements;
    });

  test('no IAM action contains a wildcard', () => {
    const actions = allStatements().flatMap(actionsOf);
    expect(actions.length).toBeGreaterThan(0);
    expect(actions.filter((action) => action.includes('*'))).toEqual([]);
  });

  test('every resource is named, except X-Ray (which has no resource-level permissions)', () => {
    for (const statement of allStatements()) {
      const resources = Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource];
      const wildcard = resources.some((resource) => JSON.stringify(resource).includes('*'));
      if (wildcard) {
        expect(actionsOf(statement).sort()).toEqual(XRAY_ACTIONS);
        expect(statement.Resource).toBe('*');
      }
    }
  });

  test('webhooks: item reads/writes only (DeleteItem for EventLedger.release), the key through DynamoDB only, SendMessage on the jobs queue', () => {
    for (const spec of built.wired.filter((candidate) => candidate.tableAccess === 'webhook')) {
      const statements = statementsOf(spec);
      expect(actionsOn(statements, 'dynamodb:')).toEqual([...WEBHOOK_TABLE_ACTIONS].sort());
      expect(actionsOn(statements, 'dynamodb:')).toEqual([
        'dynamodb:DeleteItem',
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'dynamodb:UpdateItem',
      ]);
      // Only the items a webhook needs, by partition key: never channels, flows or secrets for writing.
      const tableStatements = statements.filter((statement) => actionsOf(statement).some((a) => a.startsWith('dynamodb:')));
      const leadingKeys = (statement: (typeof statements)[number]) => JSON.stringify(statement.Condition);
      const reads = tableStatements.find((statement) => actionsOf(statement).includes('dynamodb:GetItem'));
      const writes = tableStatements.find(
        (statement) => actionsOf(statement).includes('dynamodb:PutItem') && actionsOf(statement).includes('dynamodb:DeleteItem'),
      );
      expect(reads && leadingKeys(reads)).toBe(
        JSON.stringify({
          'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['CHANNEL#*', 'MESSENGERAPP#*', 'WS#*#FLOW#*', 'CUSTOMER#*'] },
        }),
      );
      expect(writes && leadingKeys(writes)).toBe(
        JSON.stringify({ 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['EVENT#*', 'CUSTOMER#*'] } }),
      );
      // Outboxes: update only (the Messenger webhook records Meta's echoes there), never put or delete.
      const updateOnly = tableStatements.filter(
        (statement) => JSON.stringify(actionsOf(statement)) === JSON.stringify(['dynamodb:UpdateItem']),
      );
      expect(updateOnly.map(leadingKeys)).toEqual([JSON.stringify({ 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['JOB#*'] } })]);
      // Verification notes: put only (a passed LINE Verify or Meta subscription check), never read, update or delete.
      const putOnly = tableStatements.filter((statement) => JSON.stringify(actionsOf(statement)) === JSON.stringify(['dynamodb:PutItem']));
      expect(putOnly.map(leadingKeys)).toEqual([
        JSON.stringify({ 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['WEBHOOKCHECK#*'] } }),
      ]);
      // These four statements on the table, nothing else: reads, writes, update-only, put-only.
      expect(tableStatements).toHaveLength(4);
      expect(tableStatements.every((statement) => statement.Condition !== undefined)).toBe(true);
      expect(actionsOn(statements, 'sqs:')).toEqual(['sqs:SendMessage']);
      expect(actionsOn(statements, 'kms:')).toEqual(['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey']);
      const kms = statements.find((statement) => actionsOf(statement).includes('kms:Decrypt'));
      expect(kms?.Condition).toEqual({ StringEquals: { 'kms:ViaService': 'dynamodb.ap-northeast-1.amazonaws.com' } });
    }
  });

  test('table grants name the table and its gsi1 index, not index/*', () => {
    for (const spec of built.wired.filter((candidate) => candidate.tableAccess === 'readWrite')) {
      const tableStatements = statementsOf(spec).filter((statement) => actionsOf(statement).some((a) => a.startsWith('dynamodb:')));
      const resources = JSON.stringify(tableStatements.map((statement) => statement.Resource));
      expect(resources).toContain('/index/gsi1');
      expect(resources).not.toContain('/index/*');
    }
  });

  test('console: no table, no queue, no key: only its logs', () => {
    const statements = statementsOf(functionSpec('console'));
    expect(actionsOn(statements, 'dynamodb:')).toEqual([]);
    expect(actionsOn(statements, 'sqs:')).toEqual([]);
    expect(actionsOn(statements, 'kms:')).toEqual([]);
  });

  test('executor: read/write on the table, send and consume on the jobs queue, nothing on the dead letters', () => {
    const statements = statementsOf(functionSpec('executor'));
    expect(actionsOn(statements, 'dynamodb:')).toEqual([...READ_WRITE_TABLE_ACTIONS].sort());
    expect(actionsOn(statements, 'sqs:')).toEqual(
      [
        'sqs:ChangeMessageVisibility',
        'sqs:DeleteMessage',
        'sqs:GetQueueAttributes',
        'sqs:GetQueueUrl',
        'sqs:ReceiveMessage',
        'sqs:SendMessage',
      ].sort(),
    );
    expect(JSON.stringify(statements)).not.toMatch(/DeadLetters/);
  });

  test('executor: every SQS call its own code makes (deferring a turn: ChangeMessageVisibilityBatch) is granted on the jobs queue, by the event source mapping', () => {
    const source = readFileSync(join(PROJECT_ROOT, 'functions/executor/fairShare.ts'), 'utf8');
    const imported = /import \{([^}]*)\} from '@aws-sdk\/client-sqs'/.exec(source)?.[1] ?? '';
    // A batch call is authorised by its single action.
    const calls = [...imported.matchAll(/\b(\w+?)(?:Batch)?Command\b/g)].map((match) => `sqs:${match[1]}`);
    expect(calls).toEqual(['sqs:ChangeMessageVisibility']);
    const onJobs = statementsOf(functionSpec('executor')).filter((statement) => JSON.stringify(statement.Resource).includes('JobsQueue'));
    expect(onJobs.flatMap(actionsOf)).toEqual(expect.arrayContaining(calls));
  });

  test('admin: read/write table, send jobs, receive/delete dead letters and show again the ones it passed over', () => {
    const statements = statementsOf(functionSpec('admin'));
    expect(actionsOn(statements, 'dynamodb:')).toEqual([...READ_WRITE_TABLE_ACTIONS].sort());
    const dlq = statements.find((statement) => JSON.stringify(statement.Resource).includes('DeadLetters'));
    expect(dlq && actionsOf(dlq).sort()).toEqual([
      'sqs:ChangeMessageVisibility',
      'sqs:DeleteMessage',
      'sqs:GetQueueAttributes',
      'sqs:ReceiveMessage',
    ]);
  });

  test('admin: every SQS call the dead-letter code makes is granted on the DLQ (the local stack checks no IAM)', () => {
    const source = readFileSync(join(PROJECT_ROOT, 'functions/admin/deadLetters.ts'), 'utf8');
    const imported = /import \{([^}]*)\} from '@aws-sdk\/client-sqs'/.exec(source)?.[1] ?? '';
    const calls = [...imported.matchAll(/\b(\w+)Command\b/g)].map((match) => `sqs:${match[1]}`);
    expect(calls.sort()).toEqual(['sqs:ChangeMessageVisibility', 'sqs:DeleteMessage', 'sqs:ReceiveMessage']);
    const dlq = statementsOf(functionSpec('admin')).find((statement) => JSON.stringify(statement.Resource).includes('DeadLetters'));
    expect(dlq && actionsOf(dlq)).toEqual(expect.arrayContaining(calls));
  });
});

describe('alarms', () => {
  test('dead letters > 0, executor errors, API 5xx (besides the 4 card alert alarms: cardAlerts.test.ts)', () => {
    template.resourceCountIs('AWS::CloudWatch::Alarm', 3 + 4);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: 0,
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/Lambda',
      MetricName: 'Errors',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: functionId(functionSpec('executor')) } }],
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { Namespace: 'AWS/ApiGateway', MetricName: '5xx' });
  });
});

describe('outputs and warnings', () => {
  test('API URL, webhook URL patterns, admin base URL, table name', () => {
    for (const name of ['ApiUrl', 'LineWebhookUrl', 'MessengerWebhookUrl', 'AdminBaseUrl', 'TableName']) {
      template.hasOutput(name, {});
    }
    const outputs = template.toJSON().Outputs;
    expect(JSON.stringify(outputs.LineWebhookUrl.Value)).toContain('/webhooks/line/<channelId>');
    expect(JSON.stringify(outputs.MessengerWebhookUrl.Value)).toContain('/webhooks/messenger/<pageId>');
    expect(JSON.stringify(outputs.MessengerAppWebhookUrl.Value)).toContain('/webhooks/messenger/apps/<appId>');
    expect(JSON.stringify(outputs.AdminBaseUrl.Value)).toContain('/admin');
  });

  test('the app synthesizes without warnings', () => {
    for (const stack of [built.appStack, built.stateful]) {
      expect(Annotations.fromStack(stack).findWarning('*', Match.anyValue())).toEqual([]);
      expect(Annotations.fromStack(stack).findError('*', Match.anyValue())).toEqual([]);
    }
  });
});
