import { App, Tags, Validations } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { PowertoolsLogLevel } from './constructs/CallcardFunction';
import { CALLCARD_FUNCTIONS } from './functions';
import { AppStack, CAPACITY_DEFAULTS } from './stacks/appStack';
import { StatefulStack } from './stacks/statefulStack';

// The only file that reads context and the environment: stacks and constructs get plain props,
// so tests build them with exactly the values they choose.
const app = new App();

function context(key: string): unknown {
  return app.node.tryGetContext(key);
}

function stringContext(key: string, fallback: string): string;
function stringContext(key: string): string | undefined;
function stringContext(key: string, fallback?: string): string | undefined {
  const value = context(key);
  if (value === undefined || value === null || value === '') return fallback;
  if (typeof value !== 'string') throw new Error(`Context ${key} must be a string, got ${JSON.stringify(value)}`);
  return value;
}

// `-c key=value` on the command line gives strings; cdk.json gives JSON types. Accept both.
function numberContext(key: string, fallback: number): number {
  const value = context(key);
  if (value === undefined || value === null || value === '') return fallback;
  const parsed = typeof value === 'number' ? value : Number(value);
  if (!Number.isFinite(parsed)) throw new Error(`Context ${key} must be a number, got ${JSON.stringify(value)}`);
  return parsed;
}

function booleanContext(key: string): boolean {
  const value = context(key);
  return value === true || value === 'true';
}

const LOG_LEVELS: readonly PowertoolsLogLevel[] = ['DEBUG', 'INFO', 'WARN', 'ERROR'];
function logLevelContext(key: string): PowertoolsLogLevel {
  const value = stringContext(key, 'INFO').toUpperCase();
  const level = LOG_LEVELS.find((candidate) => candidate === value);
  if (!level) throw new Error(`Context ${key} must be one of ${LOG_LEVELS.join(', ')}, got ${value}`);
  return level;
}

function retentionContext(key: string, fallback: logs.RetentionDays): logs.RetentionDays {
  const days = numberContext(key, fallback);
  const retention = Object.values(logs.RetentionDays).find((candidate): candidate is logs.RetentionDays => candidate === days);
  if (retention === undefined) throw new Error(`Context ${key}: ${days} is not a CloudWatch Logs retention in days`);
  return retention;
}

const stage = stringContext('stage', 'dev');
if (!/^[a-z][a-z0-9-]{0,19}$/.test(stage)) {
  throw new Error(`Context stage must be lowercase letters, digits or -, starting with a letter (got ${stage})`);
}

// Set by the CDK CLI from the current credentials; without them the stacks are
// environment-agnostic, which is enough to synthesize offline.
const env = { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION };

const stateful = new StatefulStack(app, `callcard-${stage}-stateful`, {
  env,
  description: `callcard (${stage}): the table and its KMS key, retained on deletion`,
});

new AppStack(app, `callcard-${stage}-app`, {
  env,
  description: `callcard (${stage}): webhooks, executor, admin API, jobs queue and alarms`,
  table: stateful.table,
  functions: CALLCARD_FUNCTIONS,
  logLevel: logLevelContext('logLevel'),
  lineApiBaseUrl: stringContext('lineApiBaseUrl'),
  messengerApiBaseUrl: stringContext('messengerApiBaseUrl'),
  executorMaxConcurrency: numberContext('executorMaxConcurrency', CAPACITY_DEFAULTS.executorMaxConcurrency),
  apiRateLimit: numberContext('apiRateLimit', CAPACITY_DEFAULTS.apiRateLimit),
  apiBurstLimit: numberContext('apiBurstLimit', CAPACITY_DEFAULTS.apiBurstLimit),
  logRetention: retentionContext('logRetentionDays', logs.RetentionDays.ONE_MONTH),
  alarmTopicArn: stringContext('alarmTopicArn'),
  staticEgress: booleanContext('staticEgress'),
});

Tags.of(app).add('app', 'callcard');
Tags.of(app).add('stage', stage);

// cdk-nag 3 is a CDK policy-validation plugin (it replaced v2's Aspect): it runs after synthesis
// and fails it on any unacknowledged finding. Acknowledgements sit next to the resources they
// concern (Validations.of(construct).acknowledge in the constructs).
if (booleanContext('nag')) {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
}
