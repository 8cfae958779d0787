import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { chromiumFacts, decideChromiumSetup, ENSURE_SCRIPT, selectedBrowserTestFiles, type ChromiumDecision, type RunConfig } from './support/chromiumSetup';

/** Where globalSetup leaves its explanation for globalTeardown (the same process). */
export const BROWSER_SKIP_ENV = 'CALLCARD_BROWSER_TESTS_SKIPPED';

/**
 * Before any test: when the run selects browser tests (test/browser/) and Debian's chromium or the
 * CJK fonts are missing, install them if this user can (test/support/chromiumSetup.ts decides),
 * else leave the explanation that test/globalTeardown.ts prints at the end of the run.
 */
export default function globalSetup(globalConfig: RunConfig): void {
  if (selectedBrowserTestFiles(globalConfig.rootDir, globalConfig.testPathPattern).length === 0) return;
  let decision: ChromiumDecision = decideChromiumSetup(chromiumFacts());
  if (decision.action === 'install') {
    console.log(`\nbrowser tests: installing ${decision.missing.join(' and ')} (bash ${ENSURE_SCRIPT})`);
    const run = spawnSync('bash', [path.join(globalConfig.rootDir, ENSURE_SCRIPT)], { stdio: 'inherit', timeout: 15 * 60_000 });
    const after = decideChromiumSetup(chromiumFacts());
    if (run.status !== 0 || after.action !== 'ready') {
      decision = { action: 'explain', missing: decision.missing, reason: `${ENSURE_SCRIPT} failed (exit ${run.status ?? run.signal})`, command: `bash ${ENSURE_SCRIPT}` };
    } else decision = after;
  }
  if (decision.action === 'explain') process.env[BROWSER_SKIP_ENV] = JSON.stringify(decision);
}
