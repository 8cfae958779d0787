import { Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { CALLCARD_FUNCTIONS } from '../../../infra/functions';
import { buildApp, removeOutdir, type BuiltApp } from './build';

// `cdk deploy -c staticEgress=true` (issue 20): the functions that call brands run in private
// subnets behind one NAT gateway and Elastic IP per zone; everything else stays as it is.

let built: BuiltApp;
let template: Template;
let plain: BuiltApp;
let plainTemplate: Template;

beforeAll(() => {
  built = buildApp({ bundle: false, appStackProps: { staticEgress: true } });
  template = Template.fromStack(built.appStack);
  plain = buildApp({ bundle: false });
  plainTemplate = Template.fromStack(plain.appStack);
});

afterAll(() => {
  removeOutdir(built);
  removeOutdir(plain);
});

/** The Lambda functions by their service name, with their properties. */
function functionsByService(t: Template): Record<string, Record<string, unknown>> {
  return Object.fromEntries(
    Object.values(t.findResources('AWS::Lambda::Function')).map((fn) => [
      fn.Properties.Environment.Variables.POWERTOOLS_SERVICE_NAME,
      fn.Properties,
    ]),
  );
}

test('off by default: no VPC, no NAT, no address, no function in a VPC', () => {
  for (const type of ['AWS::EC2::VPC', 'AWS::EC2::NatGateway', 'AWS::EC2::EIP', 'AWS::EC2::VPCEndpoint'])
    plainTemplate.resourceCountIs(type, 0);
  for (const props of Object.values(functionsByService(plainTemplate))) expect(props.VpcConfig).toBeUndefined();
  expect(Object.keys(plainTemplate.findOutputs('*')).filter((name) => name.startsWith('EgressAddress'))).toEqual([]);
});

test('two zones: a public subnet with a NAT gateway and its own Elastic IP each, and a private subnet for the functions', () => {
  template.resourceCountIs('AWS::EC2::VPC', 1);
  template.resourceCountIs('AWS::EC2::Subnet', 4);
  template.resourceCountIs('AWS::EC2::InternetGateway', 1);
  template.resourceCountIs('AWS::EC2::EIP', 2);
  template.resourceCountIs('AWS::EC2::NatGateway', 2);
  const eips = Object.keys(template.findResources('AWS::EC2::EIP'));
  const nats = Object.values(template.findResources('AWS::EC2::NatGateway'));
  // Each NAT gateway uses one of the addresses allocated here (which the outputs name), never one CDK made.
  const allocations = nats.map((nat) => nat.Properties.AllocationId['Fn::GetAtt']);
  expect(allocations.map(([id, attribute]: [string, string]) => `${id}.${attribute}`).sort()).toEqual(
    eips.map((id) => `${id}.AllocationId`).sort(),
  );
  // Kept if the stack goes: brands have them in their allow lists.
  for (const eip of Object.values(template.findResources('AWS::EC2::EIP'))) expect(eip.DeletionPolicy).toBe('Retain');
  const privateSubnets = Object.values(template.findResources('AWS::EC2::Subnet', { Properties: { MapPublicIpOnLaunch: false } }));
  expect(privateSubnets).toHaveLength(2);
});

test('DynamoDB by a gateway endpoint and SQS by an interface endpoint with private DNS: AWS traffic stays off NAT', () => {
  template.resourceCountIs('AWS::EC2::VPCEndpoint', 2);
  template.hasResourceProperties('AWS::EC2::VPCEndpoint', {
    VpcEndpointType: 'Gateway',
    ServiceName: Match.objectLike({ 'Fn::Join': Match.arrayWith([Match.arrayWith([Match.stringLikeRegexp('dynamodb')])]) }),
  });
  template.hasResourceProperties('AWS::EC2::VPCEndpoint', {
    VpcEndpointType: 'Interface',
    PrivateDnsEnabled: true,
    ServiceName: Match.stringLikeRegexp('sqs'),
  });
  // The SQS endpoint admits HTTPS from the functions' security group only, not the whole VPC.
  const ingress = Object.values(template.findResources('AWS::EC2::SecurityGroupIngress'));
  expect(ingress).toHaveLength(1);
  expect(ingress[0]?.Properties).toMatchObject({
    IpProtocol: 'tcp',
    FromPort: 443,
    ToPort: 443,
    SourceSecurityGroupId: { 'Fn::GetAtt': [expect.stringMatching(/^EgressFunctions/), 'GroupId'] },
  });
  expect(ingress[0]?.Properties.CidrIp).toBeUndefined();
});

test('only the functions that call brands run in the private subnets, with the security group that admits nothing in', () => {
  const byService = functionsByService(template);
  const callers = CALLCARD_FUNCTIONS.filter((spec) => spec.callsBrands)
    .map((spec) => spec.serviceName)
    .sort();
  expect(callers).toEqual(['callcard-admin', 'callcard-executor']);
  for (const [service, props] of Object.entries(byService)) {
    if (callers.includes(service)) {
      expect(props.VpcConfig).toEqual({ SubnetIds: expect.any(Array), SecurityGroupIds: [expect.any(Object)] });
      expect((props.VpcConfig as { SubnetIds: unknown[] }).SubnetIds).toHaveLength(2);
    } else expect(props.VpcConfig).toBeUndefined();
  }
  const groups = Object.values(
    template.findResources('AWS::EC2::SecurityGroup', { Properties: { GroupDescription: Match.stringLikeRegexp('call brand APIs') } }),
  );
  expect(groups).toHaveLength(1);
  expect(groups[0]?.Properties.SecurityGroupIngress).toBeUndefined();
});

test('the callers may manage their network interfaces; the webhooks and the console may not', () => {
  const policies = Object.values(template.findResources('AWS::IAM::Policy'));
  const withEni = policies.filter((policy) => JSON.stringify(policy.Properties.PolicyDocument).includes('ec2:CreateNetworkInterface'));
  expect(withEni).toHaveLength(2);
  expect(withEni.map((policy) => JSON.stringify(policy.Properties.Roles)).join(' ')).toMatch(/Admin.*Executor|Executor.*Admin/);
});

test('the addresses are stack outputs, and the admin function knows them (GET /admin/egress)', () => {
  const outputs = template.findOutputs('*');
  const names = Object.keys(outputs)
    .filter((name) => name.startsWith('EgressAddress'))
    .sort();
  expect(names).toEqual(['EgressAddress1', 'EgressAddress2']);
  const eips = Object.keys(template.findResources('AWS::EC2::EIP')).sort();
  expect(names.map((name) => outputs[name]?.Value.Ref).sort()).toEqual(eips);
  const admin = functionsByService(template)['callcard-admin'] as { Environment: { Variables: Record<string, unknown> } };
  expect(JSON.stringify(admin.Environment.Variables.EGRESS_ADDRESSES)).toEqual(
    JSON.stringify({ 'Fn::Join': [',', eips.map((id) => ({ Ref: id }))] }),
  );
  const executor = functionsByService(template)['callcard-executor'] as { Environment: { Variables: Record<string, unknown> } };
  expect(executor.Environment.Variables.EGRESS_ADDRESSES).toBeUndefined();
});

test('rejected traffic is logged (VPC flow log to its own log group with a retention)', () => {
  template.resourceCountIs('AWS::EC2::FlowLog', 1);
  template.hasResourceProperties('AWS::EC2::FlowLog', { TrafficType: 'REJECT', LogDestinationType: 'cloud-watch-logs' });
});

test('cdk-nag (AwsSolutions) is clean with static egress too', () => {
  const report = new AwsSolutionsChecks(built.app, { verbose: true }).validateScope(built.app);
  expect(
    report.violations.map(
      (violation) => `${violation.ruleName}: ${violation.violatingResources.map((resource) => resource.constructPath).join(', ')}`,
    ),
  ).toEqual([]);
  // And as `cdk synth -c nag=true -c staticEgress=true` runs it: the plugin fails the synth on a finding.
  Validations.of(built.app).addPlugins(new AwsSolutionsChecks(built.app));
  expect(() => built.app.synth({ force: true })).not.toThrow();
});
