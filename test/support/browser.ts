import { existsSync, mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import type { LocalStack, LocalStackOptions } from '../../local/localStack';
import { startTestStack } from './localStackHarness';

// What every browser test needs: Debian's chromium (scripts/ensure-chromium.sh installs it) driven by
// playwright-core, which never downloads a browser, against a local stack on free ports.

export const CHROMIUM = '/usr/bin/chromium';
/** Screenshots of the browser tests (gitignored; CI keeps them as artefacts). */
export const ARTIFACTS = path.join(__dirname, '..', '..', 'test-artifacts');

/**
 * Chromium without its own background traffic (updates, sync, QUIC): on machines whose network is
 * closed it would otherwise try, and fail, to reach Google's hosts at every start.
 */
const QUIET_FLAGS = [
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Whether the browser tests can run here; when not, `skipBrowserTests` has said so. */
export const HAVE_CHROMIUM = existsSync(CHROMIUM);

/** In a file whose browser tests cannot run: one test that says plainly that they were skipped. */
export function skipBrowserTests(what: string): void {
  test(`browser tests: ${what}`, () => {
    console.log(`browser tests skipped (${what}): ${CHROMIUM} not found (scripts/ensure-chromium.sh installs it)`);
  });
}

export interface ConsoleSession {
  stack: LocalStack;
  browser: Browser;
  page: Page;
  /** Headers for the demo workspace's admin API. */
  adminHeaders(): Record<string, string>;
  /** Open the console, choose English and sign in with the demo admin key; the flow list shows. */
  signIn(): Promise<void>;
  /** Save a screenshot as test-artifacts/<name>.png and return its path. */
  screenshot(name: string): Promise<string>;
  /** Errors the page threw (a test expects none). */
  pageErrors: string[];
  stop(): Promise<void>;
}

/** A local stack (with `options`) and a browser page on it (1280×900, en-US). */
export async function startConsoleSession(options: LocalStackOptions = {}): Promise<ConsoleSession> {
  const [stack, browser] = await Promise.all([
    startTestStack(options),
    chromium.launch({ executablePath: CHROMIUM, args: [...(process.getuid?.() === 0 ? ['--no-sandbox'] : []), ...QUIET_FLAGS] }),
  ]);
  const page = await browser.newPage({ locale: 'en-US', viewport: { width: 1280, height: 900 } });
  mkdirSync(ARTIFACTS, { recursive: true });
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  return {
    stack,
    browser,
    page,
    pageErrors,
    adminHeaders: () => ({ authorization: `Bearer ${stack.demo.adminKey}`, 'content-type': 'application/json' }),
    async signIn() {
      await page.goto(`${stack.url}/console`);
      // By id: the language chosen last is remembered, and the label is in it.
      await page.locator('#lang').selectOption('en');
      await page.getByLabel('Workspace admin key').fill(stack.demo.adminKey);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('link', { name: 'Open flow Formosa Travel & Shop demo' }).waitFor();
    },
    async screenshot(name) {
      const file = path.join(ARTIFACTS, `${name}.png`);
      await page.screenshot({ path: file, fullPage: true });
      return file;
    },
    async stop() {
      await browser.close().catch(() => undefined);
      await stack.stop();
    },
  };
}

/**
 * `read()` once `done` says so: polled, since the console's redraw (or the JSON a form edit writes) can
 * land just after the action that caused it. Answers the last value read after `timeoutMs` (the
 * assertion is the caller's).
 */
export async function polled<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 5_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > until) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * Waits until `expression` is true in the page, or fails saying which. Polled from here through
 * `page.evaluate`, never Playwright's `waitForFunction`: that one's later polls run `eval` inside the page,
 * which the console's Content-Security-Policy (script-src 'self') refuses, so it failed whenever the
 * condition was not already true at its first look (CI, on a busy machine).
 */
export async function untilTrue(page: Page, expression: string, timeoutMs = 5_000): Promise<void> {
  const value = await polled(() => page.evaluate(expression), Boolean, timeoutMs);
  if (!value) throw new Error(`still false after ${timeoutMs} ms: ${expression}`);
}

/** The value an input shows once the console has redrawn it (see {@link polled}). */
export function settledValue(field: Locator, expected: string, timeoutMs = 5_000): Promise<string> {
  return polled(
    () => field.inputValue(),
    (value) => value === expected,
    timeoutMs,
  );
}
