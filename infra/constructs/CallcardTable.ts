import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { ENV } from '../../shared/config/env';

/** DynamoDB item actions a function can be granted on the table. */
export type TableAction =
  | 'dynamodb:GetItem'
  | 'dynamodb:BatchGetItem'
  | 'dynamodb:Query'
  | 'dynamodb:Scan'
  | 'dynamodb:ConditionCheckItem'
  | 'dynamodb:PutItem'
  | 'dynamodb:UpdateItem'
  | 'dynamodb:DeleteItem'
  | 'dynamodb:BatchWriteItem';

/**
 * The webhooks face the internet, so they get the least: item-level calls only (never Query, Scan
 * or batches), and only on the items they need, by partition key prefix (`dynamodb:LeadingKeys`).
 * DeleteItem is there for one call: EventLedger.release gives a claimed event back when enqueuing
 * it failed, so the channel's redelivery is not dropped as a duplicate.
 */
export const WEBHOOK_TABLE_ACTIONS: readonly TableAction[] = [
  'dynamodb:GetItem',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
];
/**
 * What a webhook reads: the channel (and its secret), a Messenger page's app (its secret and verify
 * token, shared/store/messengerApps.ts), the active flow version, the customer's session.
 */
export const WEBHOOK_READ_KEYS = ['CHANNEL#*', 'MESSENGERAPP#*', 'WS#*#FLOW#*', 'CUSTOMER#*'] as const;
/** What a webhook writes: seen events (dedupe) and the customer's profile. Never channels, flows or secrets. */
export const WEBHOOK_WRITE_KEYS = ['EVENT#*', 'CUSTOMER#*'] as const;
/**
 * What a webhook may update and nothing more: a job's outbox, where the Messenger webhook records
 * Meta's echo of a delivery (shared/channels/messenger/echoReceipt.ts). No put, no delete.
 */
export const WEBHOOK_UPDATE_ONLY_KEYS = ['JOB#*'] as const;
/**
 * What a webhook may put and nothing more: the note that a channel's or an app's URL passed a
 * verification (LINE's Verify, Meta's subscription check: shared/store/webhookChecks.ts). No read, no
 * update, no delete.
 */
export const WEBHOOK_PUT_ONLY_KEYS = ['WEBHOOKCHECK#*'] as const;

/** The items brands' callbacks use (shared/store/callbacks.ts). */
export const CALLBACK_KEYS = ['CALLBACK#*'] as const;

/** Read and write items (transactions are authorised by these same actions). */
export const READ_WRITE_TABLE_ACTIONS: readonly TableAction[] = [
  'dynamodb:GetItem',
  'dynamodb:BatchGetItem',
  'dynamodb:Query',
  'dynamodb:Scan',
  'dynamodb:ConditionCheckItem',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
];

/** The actions that also apply to an index. */
const INDEX_ACTIONS: ReadonlySet<TableAction> = new Set<TableAction>(['dynamodb:Query', 'dynamodb:Scan']);
const WRITE_ACTIONS: ReadonlySet<TableAction> = new Set<TableAction>([
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
]);

export interface CallcardTableProps {
  /**
   * What happens to the table and its key when the stack is deleted.
   * @default RemovalPolicy.RETAIN - channel secrets and flows outlive a stack deletion
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * callcard's single table: `pk`/`sk`, one overloaded GSI (`gsi1pk`/`gsi1sk`), TTL on `expiresAt`
 * (epoch seconds), on-demand capacity, point-in-time recovery, encrypted with a customer-managed
 * KMS key that rotates yearly.
 *
 * Channel secrets and workspace secrets are attributes of this table rather than Secrets Manager
 * secrets: the webhook needs a channel's secret on every request, and reading it with the item it
 * already fetches costs nothing extra, whereas Secrets Manager would add a network call per cold
 * lookup and $0.40 per secret per month for every channel. The customer-managed key keeps the
 * secrets encrypted at rest under a key whose use is limited to DynamoDB and logged in CloudTrail.
 */
export class CallcardTable extends Construct {
  static readonly GSI1 = 'gsi1';
  static readonly TTL_ATTRIBUTE = 'expiresAt';

  readonly table: dynamodb.Table;
  readonly key: kms.Key;

  constructor(scope: Construct, id: string, props: CallcardTableProps = {}) {
    super(scope, id);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;

    this.key = new kms.Key(this, 'Key', {
      description: `Encrypts the callcard table of ${Stack.of(this).stackName} (flows, channels and their secrets)`,
      enableKeyRotation: true,
      removalPolicy,
    });

    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: this.key,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: CallcardTable.TTL_ATTRIBUTE,
      removalPolicy,
    });
    this.table.addGlobalSecondaryIndex({
      indexName: CallcardTable.GSI1,
      partitionKey: { name: 'gsi1pk', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'gsi1sk', type: dynamodb.AttributeType.STRING },
      projectionType: dynamodb.ProjectionType.ALL,
    });
  }

  /** Webhook access (see WEBHOOK_TABLE_ACTIONS and the key prefixes beside it) and `TABLE_NAME`. */
  bindWebhook(fn: lambda.Function): void {
    const onItems = (actions: TableAction[], keys: readonly string[]) =>
      iam.Grant.addToPrincipal({
        grantee: fn,
        actions,
        resourceArns: [this.table.tableArn],
        conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [...keys] } },
      });
    onItems(['dynamodb:GetItem'], WEBHOOK_READ_KEYS);
    onItems(['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'], WEBHOOK_WRITE_KEYS);
    onItems(['dynamodb:UpdateItem'], WEBHOOK_UPDATE_ONLY_KEYS);
    onItems(['dynamodb:PutItem'], WEBHOOK_PUT_ONLY_KEYS);
    this.grantKeyUse(fn, true);
    fn.addEnvironment(ENV.tableName, this.table.tableName);
  }

  /**
   * The callback route's access: GetItem and UpdateItem on CALLBACK items, GetItem on workspace items
   * (`WS#…`: it reads the signing secret; IAM cannot narrow a grant by sort key). With `secrets:
   * false` (the timeouts' consumer) the CALLBACK items only.
   */
  bindCallbacks(fn: lambda.Function, options: { secrets: boolean }): void {
    const onItems = (actions: TableAction[], keys: readonly string[]) =>
      iam.Grant.addToPrincipal({
        grantee: fn,
        actions,
        resourceArns: [this.table.tableArn],
        conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [...keys] } },
      });
    onItems(['dynamodb:GetItem', 'dynamodb:UpdateItem'], CALLBACK_KEYS);
    if (options.secrets) onItems(['dynamodb:GetItem'], ['WS#*']);
    this.grantKeyUse(fn, true);
    fn.addEnvironment(ENV.tableName, this.table.tableName);
  }

  /** Item read/write access (see READ_WRITE_TABLE_ACTIONS) and `TABLE_NAME`. */
  bindReadWrite(fn: lambda.Function): void {
    this.bind(fn, READ_WRITE_TABLE_ACTIONS);
  }

  /**
   * Grants `actions` on the table (and Query/Scan on its index), the use of the key that those
   * actions need, and sets `TABLE_NAME`: the permission and the variable come from one call.
   */
  bind(fn: lambda.Function, actions: readonly TableAction[]): void {
    // Explicit ARNs rather than Table.grant(), which adds `<table>/index/*`: the only index is gsi1.
    iam.Grant.addToPrincipal({
      grantee: fn,
      actions: [...actions],
      resourceArns: [this.table.tableArn],
    });
    const indexActions = actions.filter((action) => INDEX_ACTIONS.has(action));
    if (indexActions.length > 0) {
      iam.Grant.addToPrincipal({
        grantee: fn,
        actions: indexActions,
        resourceArns: [`${this.table.tableArn}/index/${CallcardTable.GSI1}`],
      });
    }

    this.grantKeyUse(
      fn,
      actions.some((action) => WRITE_ACTIONS.has(action)),
    );
    fn.addEnvironment(ENV.tableName, this.table.tableName);
  }

  /**
   * DynamoDB calls KMS with the caller's permissions to unwrap the table key (Decrypt) and, on
   * writes, to encrypt with it. Named actions only (not CDK's kms:GenerateDataKey* /
   * kms:ReEncrypt*), and only through DynamoDB in this region: the function cannot use the key
   * directly to decrypt anything else.
   */
  private grantKeyUse(fn: lambda.Function, writes: boolean): void {
    const keyActions = ['kms:Decrypt', 'kms:DescribeKey'];
    if (writes) keyActions.push('kms:Encrypt', 'kms:GenerateDataKey');
    iam.Grant.addToPrincipal({
      grantee: fn,
      actions: keyActions,
      resourceArns: [this.key.keyArn],
      conditions: { StringEquals: { 'kms:ViaService': `dynamodb.${Stack.of(fn).region}.amazonaws.com` } },
    });
  }
}
