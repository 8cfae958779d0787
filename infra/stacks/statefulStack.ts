import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { CallcardTable } from '../constructs/CallcardTable';

/**
 * What must survive the application: the table (flows, channels, their secrets, conversations) and
 * its KMS key, both retained when the stack is deleted. Kept apart from AppStack so the functions,
 * API and queues can be replaced or torn down freely.
 */
export class StatefulStack extends Stack {
  readonly table: CallcardTable;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    this.table = new CallcardTable(this, 'Data');

    new CfnOutput(this, 'TableName', { value: this.table.table.tableName, description: 'The callcard table (retained on stack deletion)' });
    new CfnOutput(this, 'TableKeyArn', { value: this.table.key.keyArn, description: 'KMS key of the table (retained on stack deletion)' });
  }
}
