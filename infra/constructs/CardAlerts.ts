import { Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { ALERT_MINUTES, CONTRACT_ALERT_MINUTES } from '../../shared/health/cardHealth';

export interface CardAlertsProps {
  /**
   * The value of the executor's `deployment` dimension (CARD_ALERTS_DEPLOYMENT): the alarms read only
   * the metrics of this deployment's executor.
   */
  readonly deployment: string;
}

/**
 * The alarms of the workspaces' card alert rules (issue 21) and the SNS topic they notify. One Metrics
 * Insights alarm per window a rule may take (5, 15, 60 minutes) and one for contract failures, each
 * grouped by workspace and card: every card with a rule is a contributor of its alarm, whatever the
 * workspace set, so a rule takes effect at the executor's next call of the card (it emits the metrics
 * for cards with rules only) and no deploy, no alarm API call and no IAM grant follow a rule's change.
 * docs/DEPLOY.md ("Card health and alerts") says why, and what it costs.
 */
export class CardAlerts extends Construct {
  readonly topic: sns.Topic;
  /** By the window's minutes. */
  readonly failureRate: ReadonlyMap<number, cloudwatch.CfnAlarm>;
  readonly contract: cloudwatch.CfnAlarm;

  constructor(scope: Construct, id: string, props: CardAlertsProps) {
    super(scope, id);
    this.topic = new sns.Topic(this, 'Topic', { displayName: 'callcard card alerts', enforceSSL: true });
    Validations.of(this.topic).acknowledge({
      id: 'AwsSolutions-SNS2',
      reason:
        'The card alert notifications carry no customer data (alarm name, workspace and card ids, a count or a rate); server-side encryption would need a customer-managed KMS key whose policy lets CloudWatch publish (the AWS managed SNS key does not), for nothing to protect. Publishing is TLS only (enforceSSL).',
    });
    const actions = [this.topic.topicArn];
    const where = `deployment = '${props.deployment}'`;
    const alarm = (alarmId: string, description: string, query: string, periodSeconds: number) =>
      new cloudwatch.CfnAlarm(this, alarmId, {
        alarmDescription: description,
        // One time series per (workspace, card): each is a contributor, in alarm on its own.
        metrics: [{ id: 'cards', expression: query, period: periodSeconds, returnData: true }],
        comparisonOperator: 'GreaterThanThreshold',
        threshold: 0,
        evaluationPeriods: 1,
        datapointsToAlarm: 1,
        // No call of a card in the window is no failure: idle is healthy.
        treatMissingData: 'notBreaching',
        alarmActions: actions,
        okActions: actions,
      });
    this.failureRate = new Map(
      ALERT_MINUTES.map((minutes) => [
        minutes,
        alarm(
          `FailureRate${minutes}m`,
          `A card failed more than its rule's share of calls over ${minutes} minutes (PUT /admin/alerts/{flowId}/{blockId}, failureRate.minutes ${minutes}). Contributors: workspace and card; see the card's health in the console.`,
          // CardFailureMargin is 100 − X for a failed call and −X for another: its average is over 0 exactly when over X % failed.
          `SELECT AVG(CardFailureMargin) FROM callcard WHERE ${where} AND minutes = '${minutes}' GROUP BY workspace, card`,
          minutes * 60,
        ),
      ]),
    );
    this.contract = alarm(
      'ContractFailures',
      `A card with the contract rule failed on its contract in the last ${CONTRACT_ALERT_MINUTES} minutes (the brand's answer broke the card's contract). Contributors: workspace and card.`,
      `SELECT SUM(CardContractFailures) FROM callcard WHERE ${where} GROUP BY workspace, card`,
      CONTRACT_ALERT_MINUTES * 60,
    );
  }
}
