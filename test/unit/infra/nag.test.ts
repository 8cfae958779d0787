import { App, CfnResource, Stack, Validations, type PolicyValidationPluginReport } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { buildApp, removeOutdir, type BuiltApp } from './build';

// cdk-nag 3 is a CDK policy-validation plugin (v2's Aspect + NagSuppressions became
// Validations.of(app).addPlugins + Validations.of(construct).acknowledge). Bundling is skipped: the
// rules read the resources' properties, not the code.

let built: BuiltApp;
let report: PolicyValidationPluginReport;
let synthError: unknown;

beforeAll(() => {
  built = buildApp({ bundle: false });
  // As `cdk synth -c nag=true` does: the plugin runs after synthesis and fails it on a finding.
  Validations.of(built.app).addPlugins(new AwsSolutionsChecks(built.app, { verbose: true }));
  try {
    built.app.synth();
  } catch (error) {
    synthError = error;
  }
  // And directly, for a readable list of findings.
  report = new AwsSolutionsChecks(built.app, { verbose: true }).validateScope(built.app);
});

afterAll(() => removeOutdir(built));

const findings = (severity: string) =>
  report.violations
    .filter((violation) => violation.severity === severity)
    .map((violation) => `${violation.ruleName}: ${violation.violatingResources.map((resource) => resource.constructPath).join(', ')}`);

test('no AwsSolutions errors', () => {
  expect(findings('error')).toEqual([]);
});

test('no AwsSolutions warnings', () => {
  expect(findings('warning')).toEqual([]);
  expect(report.violations).toEqual([]);
});

test('synthesis with the plugin succeeds', () => {
  expect(synthError).toBeUndefined();
});

interface Acknowledgement {
  readonly construct: IConstruct;
  readonly path: string;
  readonly id: string;
  readonly reason: string;
}

function acknowledgements(root: IConstruct): Acknowledgement[] {
  return root.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) => {
        const data: Record<string, string> = entry.data;
        return Object.entries(data).map(([id, reason]) => ({
          construct,
          path: construct.node.path,
          id: id.replace(/^annotation::/i, ''),
          reason,
        }));
      }),
  );
}

test('every acknowledgement names one resource and gives a real reason', () => {
  const all = acknowledgements(built.app);
  expect(all.length).toBeGreaterThan(0);
  for (const acknowledgement of all) {
    // On the resource it concerns (a route, a function, a role), never on a stack or the app.
    const { construct } = acknowledgement;
    expect(Stack.isStack(construct) || construct === built.app).toBe(false);
    expect(construct.node.defaultChild && CfnResource.isCfnResource(construct.node.defaultChild)).toBe(true);
    expect(acknowledgement.reason.length).toBeGreaterThan(80);
  }
  expect([...new Set(all.map((acknowledgement) => acknowledgement.id))].sort()).toEqual(
    ['AwsSolutions-APIG4', 'AwsSolutions-IAM5[Resource::*]', 'AwsSolutions-L1', 'AwsSolutions-SNS2'].sort(),
  );
  const routes = all.filter((acknowledgement) => acknowledgement.id === 'AwsSolutions-APIG4');
  expect(routes.map((acknowledgement) => acknowledgement.path.split('/').pop()).sort()).toEqual(
    [
      'ANY--admin--{proxy+}',
      'GET--console',
      'GET--console--{proxy+}',
      'GET--webhooks--messenger--{channelId}',
      'POST--webhooks--line--{channelId}',
      'POST--webhooks--messenger--{channelId}',
      'GET--webhooks--messenger--apps--{appId}',
      'POST--webhooks--messenger--apps--{appId}',
      'POST--callbacks--{workspaceId}--{callbackId}',
    ].sort(),
  );
  for (const route of routes)
    expect(route.reason).toMatch(
      /x-line-signature|X-Hub-Signature-256|hub\.verify_token|bearer admin key|public static files|Standard Webhooks signature/,
    );
});

test('control: the checks do report an unacknowledged finding', () => {
  const app = new App();
  const stack = new Stack(app, 'Control');
  new lambda.Function(stack, 'Fn', {
    runtime: lambda.Runtime.NODEJS_22_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async () => {}'),
  });
  const control = new AwsSolutionsChecks(app).validateScope(app);
  expect(control.violations.map((violation) => violation.ruleName)).toEqual(
    expect.arrayContaining([
      'AwsSolutions-L1',
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
    ]),
  );
});
