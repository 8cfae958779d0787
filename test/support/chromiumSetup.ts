import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import * as path from 'node:path';

/**
 * The browser tests' set-up, done by the test command itself (jest's globalSetup, test/globalSetup.ts):
 * on a machine without Debian's chromium and CJK fonts, install them when this user can (root, or sudo
 * without a password, and apt-get), else say at the end of the run which browser test files were
 * skipped and the one command that fixes it (test/globalTeardown.ts). scripts/ensure-chromium.sh does
 * the installing, as .ci/run calls it.
 */

export const CHROMIUM_BIN = '/usr/bin/chromium';
export const ENSURE_SCRIPT = 'scripts/ensure-chromium.sh';
/** Set to 1 to never install from the test command (the explanation is printed instead). */
export const NO_INSTALL_ENV = 'CALLCARD_NO_CHROMIUM_INSTALL';

/** What globalSetup and globalTeardown read of jest's global config. */
export interface RunConfig {
  rootDir: string;
  /** The command line's test paths as one pattern ('' selects every file). */
  testPathPattern: string;
}

export interface ChromiumFacts {
  /** /usr/bin/chromium is there. */
  chromium: boolean;
  /** Debian's fonts-noto-cjk is installed (Traditional Chinese renders as boxes without it). */
  cjkFonts: boolean;
  /** Running as root. */
  root: boolean;
  /** `sudo -n true` succeeds: sudo without a password. */
  passwordlessSudo: boolean;
  /** apt-get is on PATH. */
  apt: boolean;
  /** CALLCARD_NO_CHROMIUM_INSTALL=1. */
  installRefused: boolean;
}

export type ChromiumDecision =
  | { action: 'ready' }
  /** Run scripts/ensure-chromium.sh (it uses sudo itself when not root). */
  | { action: 'install'; missing: string[] }
  /** Run the browser tests' files as skipped; `command` fixes it. */
  | { action: 'explain'; missing: string[]; reason: string; command: string };

/** What the test command does about Debian's chromium and CJK fonts, from what this machine has. */
export function decideChromiumSetup(facts: ChromiumFacts): ChromiumDecision {
  const missing = [...(facts.chromium ? [] : ['chromium']), ...(facts.cjkFonts ? [] : ['fonts-noto-cjk'])];
  if (missing.length === 0) return { action: 'ready' };
  if (!facts.apt) {
    return {
      action: 'explain',
      missing,
      reason: 'apt-get is not here (not Debian or Ubuntu)',
      command: `install Chromium as ${CHROMIUM_BIN} and CJK fonts (Noto Sans CJK) with this system's package manager`,
    };
  }
  const command = `${facts.root ? '' : 'sudo '}bash ${ENSURE_SCRIPT}`;
  if (facts.installRefused) return { action: 'explain', missing, reason: `${NO_INSTALL_ENV}=1`, command };
  if (facts.root || facts.passwordlessSudo) return { action: 'install', missing };
  return { action: 'explain', missing, reason: 'not root, and sudo asks for a password', command };
}

/** This machine's facts. */
export function chromiumFacts(env: NodeJS.ProcessEnv = process.env): ChromiumFacts {
  const succeeds = (command: string, args: string[]) => spawnSync(command, args, { stdio: 'ignore', timeout: 10_000 }).status === 0;
  let cjkFonts = false;
  try {
    cjkFonts = execFileSync('dpkg-query', ['-W', '-f=${Status}', 'fonts-noto-cjk'], { stdio: ['ignore', 'pipe', 'ignore'] })
      .toString()
      .includes('install ok installed');
  } catch {
    cjkFonts = false;
  }
  const root = process.getuid?.() === 0;
  // ENSURE_CHROMIUM_BIN: where scripts/ensure-chromium.sh looks too (a stand-in path shows the explanation).
  const chromium = existsSync(env.ENSURE_CHROMIUM_BIN ?? CHROMIUM_BIN);
  // Nothing missing: no need to ask sudo (or apt) anything.
  const needed = !chromium || !cjkFonts;
  return {
    chromium,
    cjkFonts,
    root,
    passwordlessSudo: needed && !root && succeeds('sudo', ['-n', 'true']),
    apt: needed && succeeds('sh', ['-c', 'command -v apt-get']),
    installRefused: env[NO_INSTALL_ENV] === '1',
  };
}

/**
 * The browser test files a run selects: test/browser/*.test.ts matching jest's path pattern (the
 * command line's paths; empty selects every file).
 */
export function selectedBrowserTestFiles(rootDir: string, testPathPattern: string): string[] {
  const dir = path.join(rootDir, 'test', 'browser');
  const files = existsSync(dir) ? readdirSync(dir).filter((name) => name.endsWith('.test.ts')) : [];
  let pattern: RegExp;
  try {
    pattern = new RegExp(testPathPattern, 'i');
  } catch {
    return [];
  }
  return files.map((name) => path.join(dir, name)).filter((file) => pattern.test(file));
}

/** What the end of a run says when browser test files were skipped. */
export function skippedBrowserTestsMessage(decision: Extract<ChromiumDecision, { action: 'explain' }>, files: readonly string[]): string {
  return [
    `${files.length} browser test file${files.length === 1 ? ' was' : 's were'} skipped (${files.map((file) => path.basename(file)).join(', ')}):`,
    `${decision.missing.join(' and ')} missing, and the tests could not install ${decision.missing.length === 1 ? 'it' : 'them'} (${decision.reason}).`,
    `To run them: ${decision.command}`,
  ].join('\n');
}
