import { Match, Template } from 'aws-cdk-lib/assertions';
import { functionSpec } from '../../../infra/functions';
import { ALERT_MINUTES } from '../../../shared/health/cardHealth';
import { buildApp, removeOutdir, type BuiltApp } from './build';

// Card alerts (issue 21): an SNS topic the brand subscribes to, and one Metrics Insights alarm per
// window a rule may take plus one for contract failures, each grouped by workspace and card and
// limited to this deployment's executor metrics; the executor names its deployment.

let built: BuiltApp;
let template: Template;

beforeAll(() => {
  built = buildApp({ bundle: false });
  template = Template.fromStack(built.appStack);
});

afterAll(() => removeOutdir(built));

/** The card alarms: those whose query reads the per-card metrics. */
function cardAlarms(): Array<{
  id: string;
  props: Record<string, unknown> & { Metrics: Array<{ Expression: string; Period: number; ReturnData: boolean }> };
}> {
  return Object.entries(template.findResources('AWS::CloudWatch::Alarm'))
    .filter(([, resource]) => JSON.stringify(resource.Properties.Metrics ?? '').includes('FROM callcard'))
    .map(([id, resource]) => ({ id, props: resource.Properties }));
}

test('an SNS topic, TLS only, whose ARN is an output', () => {
  const topics = template.findResources('AWS::SNS::Topic');
  const [topicId, ...others] = Object.keys(topics);
  expect(others).toEqual([]);
  expect(topicId).toMatch(/^CardAlertsTopic/);
  template.hasOutput('CardAlertsTopicArn', { Value: { Ref: topicId } });
  template.hasResourceProperties('AWS::SNS::TopicPolicy', {
    Topics: [{ Ref: topicId }],
    PolicyDocument: {
      Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]),
    },
  });
});

test('one alarm per window (5, 15, 60 min) on the failure margin, one on contract failures; all grouped by workspace and card, of this deployment only', () => {
  const alarms = cardAlarms();
  expect(alarms).toHaveLength(ALERT_MINUTES.length + 1);
  const expressions = alarms.map((alarm) => [alarm.props.Metrics[0]?.Expression, alarm.props.Metrics[0]?.Period]);
  expect(expressions).toEqual(
    expect.arrayContaining([
      ...ALERT_MINUTES.map((minutes) => [
        `SELECT AVG(CardFailureMargin) FROM callcard WHERE deployment = 'callcard-test-app' AND minutes = '${minutes}' GROUP BY workspace, card`,
        minutes * 60,
      ]),
      ["SELECT SUM(CardContractFailures) FROM callcard WHERE deployment = 'callcard-test-app' GROUP BY workspace, card", 300],
    ]),
  );
  const topicId = Object.keys(template.findResources('AWS::SNS::Topic'))[0];
  for (const { props } of alarms) {
    expect(props).toMatchObject({
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: 0,
      EvaluationPeriods: 1,
      TreatMissingData: 'notBreaching',
    });
    expect(props.Metrics).toHaveLength(1);
    expect(props.Metrics[0]?.ReturnData).toBe(true);
    // Notified on alarm and on recovery, to the card alerts topic only.
    expect(props.AlarmActions).toEqual([{ Ref: topicId }]);
    expect(props.OKActions).toEqual([{ Ref: topicId }]);
  }
});

test('the executor names its deployment (the dimension the alarms filter on); no function may put or delete alarms', () => {
  const executor = Object.values(
    template.findResources('AWS::Lambda::Function', {
      Properties: { Environment: { Variables: { POWERTOOLS_SERVICE_NAME: functionSpec('executor').serviceName } } },
    }),
  );
  expect(executor).toHaveLength(1);
  expect(executor[0]?.Properties.Environment.Variables.CARD_ALERTS_DEPLOYMENT).toBe('callcard-test-app');
  const policies = JSON.stringify(template.findResources('AWS::IAM::Policy'));
  expect(policies).not.toMatch(/cloudwatch:(PutMetricAlarm|DeleteAlarms)/);
});
