import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { decideChromiumSetup, selectedBrowserTestFiles, skippedBrowserTestsMessage, type ChromiumFacts } from '../../support/chromiumSetup';

/** The test command's decision about the browser tests' Chromium (jest globalSetup: test/globalSetup.ts). */
describe('decideChromiumSetup', () => {
  const none: ChromiumFacts = { chromium: false, cjkFonts: false, root: false, passwordlessSudo: false, apt: true, installRefused: false };

  test('chromium and the fonts there: nothing to do', () => {
    expect(decideChromiumSetup({ ...none, chromium: true, cjkFonts: true })).toEqual({ action: 'ready' });
  });

  test('root with apt: installs what is missing', () => {
    expect(decideChromiumSetup({ ...none, root: true })).toEqual({ action: 'install', missing: ['chromium', 'fonts-noto-cjk'] });
    expect(decideChromiumSetup({ ...none, root: true, chromium: true })).toEqual({ action: 'install', missing: ['fonts-noto-cjk'] });
  });

  test('sudo without a password, with apt: installs', () => {
    expect(decideChromiumSetup({ ...none, passwordlessSudo: true })).toEqual({
      action: 'install',
      missing: ['chromium', 'fonts-noto-cjk'],
    });
  });

  test('sudo that asks for a password: explains, with the sudo command', () => {
    expect(decideChromiumSetup(none)).toEqual({
      action: 'explain',
      missing: ['chromium', 'fonts-noto-cjk'],
      reason: 'not root, and sudo asks for a password',
      command: 'sudo bash scripts/ensure-chromium.sh',
    });
  });

  test('no apt-get: explains, even as root', () => {
    const decision = decideChromiumSetup({ ...none, root: true, apt: false });
    expect(decision).toMatchObject({ action: 'explain', reason: 'apt-get is not here (not Debian or Ubuntu)' });
  });

  test('CALLCARD_NO_CHROMIUM_INSTALL=1: explains, with the command for this user', () => {
    expect(decideChromiumSetup({ ...none, root: true, installRefused: true })).toMatchObject({
      action: 'explain',
      command: 'bash scripts/ensure-chromium.sh',
    });
  });
});

describe('the end of a run without chromium', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(path.join(tmpdir(), 'chromium-setup-'));
    mkdirSync(path.join(root, 'test', 'browser', 'harness'), { recursive: true });
    for (const name of ['console.test.ts', 'simulator.test.ts', 'harness/x.entry.js'])
      writeFileSync(path.join(root, 'test', 'browser', name), '');
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  test('counts the browser test files the run selects', () => {
    expect(
      selectedBrowserTestFiles(root, '')
        .map((file) => path.basename(file))
        .sort(),
    ).toEqual(['console.test.ts', 'simulator.test.ts']);
    expect(selectedBrowserTestFiles(root, 'test/unit')).toEqual([]);
    expect(selectedBrowserTestFiles(root, 'test/browser/sim').map((file) => path.basename(file))).toEqual(['simulator.test.ts']);
  });

  test('says how many were skipped, which, why, and the one command', () => {
    const decision = decideChromiumSetup({
      chromium: false,
      cjkFonts: true,
      root: false,
      passwordlessSudo: false,
      apt: true,
      installRefused: false,
    });
    if (decision.action !== 'explain') throw new Error(decision.action);
    expect(skippedBrowserTestsMessage(decision, selectedBrowserTestFiles(root, ''))).toBe(
      [
        '2 browser test files were skipped (console.test.ts, simulator.test.ts):',
        'chromium missing, and the tests could not install it (not root, and sudo asks for a password).',
        'To run them: sudo bash scripts/ensure-chromium.sh',
      ].join('\n'),
    );
  });
});
