import { BROWSER_SKIP_ENV, sharedDynamoDb } from './globalSetup';
import {
  CHROMIUM_BIN,
  selectedBrowserTestFiles,
  skippedBrowserTestsMessage,
  type ChromiumDecision,
  type RunConfig,
} from './support/chromiumSetup';

/** After the run's summary: which browser test files were skipped, and the one command that fixes it. */
export default async function globalTeardown(globalConfig: RunConfig): Promise<void> {
  await sharedDynamoDb.server?.stop();
  const left = process.env[BROWSER_SKIP_ENV];
  if (!left) return;
  const decision = JSON.parse(left) as Extract<ChromiumDecision, { action: 'explain' }>;
  // The browser test files skip their tests only when chromium is missing (test/support/browser.ts).
  const files = decision.missing.includes('chromium') ? selectedBrowserTestFiles(globalConfig.rootDir, globalConfig.testPathPattern) : [];
  if (files.length > 0) console.log(`\n${skippedBrowserTestsMessage(decision, files)}\n`);
  else
    console.log(
      `\nbrowser tests ran with ${CHROMIUM_BIN}, without ${decision.missing.join(' and ')}: Traditional Chinese shows as boxes in their screenshots. To fix: ${decision.command}\n`,
    );
}
