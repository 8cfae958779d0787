import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { StatefulStack } from '../../../infra/stacks/statefulStack';
import { TABLE_DEFINITION } from '../../../shared/store/store';
import { cdkJsonContext } from './build';

describe('StatefulStack', () => {
  let template: Template;

  beforeAll(() => {
    const app = new App({ context: cdkJsonContext() });
    template = Template.fromStack(new StatefulStack(app, 'Stateful', { env: { account: '123456789012', region: 'ap-northeast-1' } }));
  });

  test('one table, with the keys, index and billing the store code (and the local stack) use, and TTL on expiresAt', () => {
    template.resourceCountIs('AWS::DynamoDB::Table', 1);
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: TABLE_DEFINITION.KeySchema,
      AttributeDefinitions: TABLE_DEFINITION.AttributeDefinitions,
      GlobalSecondaryIndexes: TABLE_DEFINITION.GlobalSecondaryIndexes,
      BillingMode: TABLE_DEFINITION.BillingMode,
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
    });
  });

  test('point-in-time recovery is on', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    });
  });

  test('encrypted with the customer-managed key, which rotates', () => {
    const keys = template.findResources('AWS::KMS::Key');
    const keyIds = Object.keys(keys);
    expect(keyIds).toHaveLength(1);
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: { 'Fn::GetAtt': [keyIds[0], 'Arn'] } },
    });
  });

  test('table and key are retained when the stack is deleted or they are replaced', () => {
    template.hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    template.hasResource('AWS::KMS::Key', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
  });

  test('outputs the table name and key ARN (needed to clean up after a teardown)', () => {
    template.hasOutput('TableName', {});
    template.hasOutput('TableKeyArn', {});
  });
});
