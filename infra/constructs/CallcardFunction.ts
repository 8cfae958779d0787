import * as fs from 'node:fs';
import * as path from 'node:path';
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { LogLevel, NodejsFunction, OutputFormat, SourceMapMode, type BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { callcardBundling, shipBesideCommands, type AwsSdkSource, type CallcardBundling } from '../bundling';

/** Levels understood by Powertools' `POWERTOOLS_LOG_LEVEL`. */
export type PowertoolsLogLevel = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';

/** The Lambda runtime every callcard function runs on (fixed by the design). */
export const CALLCARD_RUNTIME = lambda.Runtime.NODEJS_22_X;

export interface CallcardFunctionProps {
  /** Handler file relative to `projectRoot`; it must export `handler`. */
  readonly entry: string;
  /**
   * Repository root: holds package-lock.json and tsconfig.json, and every file the bundle imports.
   * @default - the repository that contains this file
   */
  readonly projectRoot?: string;
  /** `POWERTOOLS_SERVICE_NAME`, the `service` key of every log line. */
  readonly serviceName: string;
  /**
   * @default - no description
   */
  readonly description?: string;
  /**
   * `POWERTOOLS_LOG_LEVEL`.
   * @default 'INFO'
   */
  readonly logLevel?: PowertoolsLogLevel;
  /**
   * Memory in MB (CPU scales with it; 512 keeps cold starts of the bundled handlers short).
   * @default 512
   */
  readonly memorySize?: number;
  /**
   * @default Duration.seconds(10)
   */
  readonly timeout?: Duration;
  /**
   * Reserved concurrency.
   * @default - unreserved. A fresh account's concurrency quota is 10 and Lambda keeps 10
   * unreserved, so reserving anything there fails the deployment; the executor is throttled by its
   * event source's maximum concurrency instead.
   */
  readonly reservedConcurrentExecutions?: number;
  /**
   * How long the function's logs are kept.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Extra environment variables. Resource names (table, queues) are set by the resources' bind
   * methods, not here, so a permission and the variable that uses it cannot drift apart.
   * @default - none
   */
  readonly environment?: Readonly<Record<string, string>>;
  /**
   * Where the function gets AWS SDK v3 from (see infra/bundling.ts).
   * @default 'runtime'
   */
  readonly awsSdk?: AwsSdkSource;
  /**
   * Run in these private subnets (StaticEgress), so that the function's calls to the internet leave
   * from fixed addresses.
   * @default - outside any VPC
   */
  readonly egress?: { readonly vpc: ec2.IVpc; readonly subnets: ec2.SubnetSelection; readonly securityGroup: ec2.ISecurityGroup };
}

/**
 * esbuild settings from `callcardBundling` (infra/bundling.ts, the one place they live) in the terms
 * of NodejsFunction's `bundling` property. The bench and the bundle test build with the same
 * settings through esbuild's JS API; the test checks that both give the same index.js.
 */
export function cdkBundlingOptions(bundling: CallcardBundling): BundlingOptions {
  const formats = { cjs: OutputFormat.CJS } as const;
  const logLevels = { warning: LogLevel.WARNING } as const;
  return {
    // The esbuild devDependency bundles locally (CDK detects it in node_modules); Docker is only
    // CDK's fallback when esbuild is missing, and the project's machines have no Docker daemon.
    forceDockerBundling: false,
    format: formats[bundling.format],
    target: bundling.target,
    minify: bundling.minify,
    sourceMap: bundling.sourcemap,
    ...(bundling.sourcemap ? { sourceMapMode: SourceMapMode.DEFAULT } : {}),
    sourcesContent: bundling.sourcesContent,
    // An empty list bundles everything (CDK's own default would leave @aws-sdk out).
    externalModules: [...bundling.external],
    ...(bundling.mainFields ? { mainFields: [...bundling.mainFields] } : {}),
    logLevel: logLevels[bundling.logLevel],
    commandHooks: {
      beforeBundling: () => [],
      beforeInstall: () => [],
      afterBundling: (inputDir, outputDir) => shipBesideCommands(inputDir, outputDir),
    },
    esbuildArgs: {
      // aws-cdk-lib 2.276's NodejsFunction accepts `charset` but never passes it to esbuild (its
      // esbuild command line has no --charset), so it goes here.
      '--charset': bundling.charset,
      // Paths relative to the repository root: CDK runs esbuild there (projectRoot).
      '--alias': Object.entries(bundling.alias ?? {}).map(([from, to]) => `${from}=${to}`),
    },
  };
}

/**
 * A callcard Lambda function: Node.js 22 on arm64, bundled and minified by esbuild with source
 * maps, X-Ray tracing, its own log group with a retention, and a role that starts with nothing but
 * writing to that log group (no AWS managed policy). Resources add their permissions through their
 * `bind*` methods.
 */
export class CallcardFunction extends Construct {
  readonly fn: NodejsFunction;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;
  readonly timeout: Duration;

  constructor(scope: Construct, id: string, props: CallcardFunctionProps) {
    super(scope, id);
    const projectRoot = props.projectRoot ?? path.resolve(__dirname, '..', '..');
    const entry = path.resolve(projectRoot, props.entry);
    // NodejsFunction's own message ("Cannot find entry file") does not say which function or
    // where the list is; a missing handler must be an obvious synth error.
    if (!fs.existsSync(entry)) {
      throw new Error(
        `CallcardFunction ${this.node.path}: entry file ${props.entry} does not exist (looked for ${entry}). ` +
          'Write the handler, or leave the function out of the list passed to AppStack (infra/functions.ts).',
      );
    }
    this.timeout = props.timeout ?? Duration.seconds(10);

    // Explicit log group: a retention without the LogRetention custom resource, and deleted with
    // the stack (the retention bounds its life anyway).
    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });

    // Our own role instead of the default one, which carries the AWS managed
    // AWSLambdaBasicExecutionRole (create and write any log group of the account).
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Runs ${props.serviceName}`,
    });
    this.logGroup.grantWrite(this.role);

    this.fn = new NodejsFunction(this, 'Function', {
      entry,
      handler: 'handler',
      projectRoot,
      depsLockFilePath: path.join(projectRoot, 'package-lock.json'),
      runtime: CALLCARD_RUNTIME,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: this.timeout,
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      description: props.description,
      role: this.role,
      logGroup: this.logGroup,
      tracing: lambda.Tracing.ACTIVE,
      ...(props.egress ? { vpc: props.egress.vpc, vpcSubnets: props.egress.subnets, securityGroups: [props.egress.securityGroup] } : {}),
      environment: {
        ...props.environment,
        POWERTOOLS_SERVICE_NAME: props.serviceName,
        POWERTOOLS_LOG_LEVEL: props.logLevel ?? 'INFO',
      },
      bundling: cdkBundlingOptions(callcardBundling(props.awsSdk)),
    });

    if (props.egress) {
      // What Lambda needs to attach the function to its subnets (the actions of AWS's managed
      // AWSLambdaVPCAccessExecutionRole, which CDK adds only to a role it creates itself). EC2's
      // Describe actions take no resource, and Lambda creates the interfaces before their ids exist.
      this.role.addToPolicy(
        new iam.PolicyStatement({
          actions: [
            'ec2:CreateNetworkInterface',
            'ec2:DescribeNetworkInterfaces',
            'ec2:DescribeSubnets',
            'ec2:DeleteNetworkInterface',
            'ec2:AssignPrivateIpAddresses',
            'ec2:UnassignPrivateIpAddresses',
          ],
          resources: ['*'],
        }),
      );
    }

    // cdk-nag acknowledgements (Validations is CDK's mechanism, which cdk-nag 3 reads), each on
    // the resource it concerns.
    Validations.of(this.fn).acknowledge({
      id: 'AwsSolutions-L1',
      reason:
        'nodejs22.x is pinned by the design (Node 22 LTS, supported by Lambda into 2027) and matches the esbuild target node22; moving to a newer runtime is a deliberate upgrade made with a full test run.',
    });
    Validations.of(this.role).acknowledge({
      // Only this finding: any other wildcard in the role's policy still fails the check.
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'X-Ray active tracing needs xray:PutTraceSegments and xray:PutTelemetryRecords, which support no resource-level permissions, so their statement must use Resource "*"; every other statement of this role names its resources, except (with static egress only) the network interface actions Lambda needs to place the function in its subnets, which it takes before the interfaces exist.',
    });
  }
}
