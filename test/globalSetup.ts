import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { DYNAMODB_ENDPOINT_ENV, startDynamoDbLocal, type DynamoDbLocal } from '../local/aws/dynamodbLocal';
import {
  chromiumFacts,
  decideChromiumSetup,
  ENSURE_SCRIPT,
  selectedBrowserTestFiles,
  type ChromiumDecision,
  type RunConfig,
} from './support/chromiumSetup';

/** Where globalSetup leaves its explanation for globalTeardown (the same process). */
export const BROWSER_SKIP_ENV = 'CALLCARD_BROWSER_TESTS_SKIPPED';

/**
 * Before any test: when the run selects browser tests (test/browser/) and Debian's chromium or the
 * CJK fonts are missing, install them if this user can (test/support/chromiumSetup.ts decides),
 * else leave the explanation that test/globalTeardown.ts prints at the end of the run.
 */
export default async function globalSetup(globalConfig: RunConfig): Promise<void> {
  await startSharedDynamoDbLocal();
  setUpChromium(globalConfig);
}

/** The environment variable that runs the suite's local stacks on AWS's DynamoDB Local instead of dynalite (`.ci/run` sets it when Java is present). */
export const TEST_DYNAMODB_ENV = 'CALLCARD_TEST_DYNAMODB';

/** The DynamoDB Local of this run, for globalTeardown (the same process; Jest may load the two modules apart, so on globalThis). */
export const sharedDynamoDb = ((globalThis as { callcardDynamoDbLocal?: { server?: DynamoDbLocal } }).callcardDynamoDbLocal ??= {});

/**
 * With `CALLCARD_TEST_DYNAMODB=local`: one DynamoDB Local for the whole run; the workers (started after
 * this) inherit its endpoint, and each local stack gets a database of its own on it (local/aws/dynamodbLocal.ts).
 */
async function startSharedDynamoDbLocal(): Promise<void> {
  const wanted = process.env[TEST_DYNAMODB_ENV];
  if (!wanted || wanted === 'dynalite') return;
  if (wanted !== 'local') throw new Error(`${TEST_DYNAMODB_ENV}=${wanted}: known values are local and dynalite`);
  // As test/setupEnv.js does in the workers: the SDK's reminder that this machine's Node is 20 adds nothing here.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  sharedDynamoDb.server = await startDynamoDbLocal();
  process.env[DYNAMODB_ENDPOINT_ENV] = sharedDynamoDb.server.endpoint;
  console.log(`\nlocal stacks run on DynamoDB Local at ${sharedDynamoDb.server.endpoint}`);
}

function setUpChromium(globalConfig: RunConfig): void {
  if (selectedBrowserTestFiles(globalConfig.rootDir, globalConfig.testPathPattern).length === 0) return;
  let decision: ChromiumDecision = decideChromiumSetup(chromiumFacts());
  if (decision.action === 'install') {
    console.log(`\nbrowser tests: installing ${decision.missing.join(' and ')} (bash ${ENSURE_SCRIPT})`);
    const run = spawnSync('bash', [path.join(globalConfig.rootDir, ENSURE_SCRIPT)], { stdio: 'inherit', timeout: 15 * 60_000 });
    const after = decideChromiumSetup(chromiumFacts());
    if (run.status !== 0 || after.action !== 'ready') {
      decision = {
        action: 'explain',
        missing: decision.missing,
        reason: `${ENSURE_SCRIPT} failed (exit ${run.status ?? run.signal})`,
        command: `bash ${ENSURE_SCRIPT}`,
      };
    } else decision = after;
  }
  if (decision.action === 'explain') process.env[BROWSER_SKIP_ENV] = JSON.stringify(decision);
}
