import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { CALLCARD_FUNCTIONS, PROJECT_ROOT, functionsWithEntry, type CallcardFunctionSpec } from '../../../infra/functions';
import { AppStack, type AppStackProps } from '../../../infra/stacks/appStack';
import { StatefulStack } from '../../../infra/stacks/statefulStack';

/** An existing file under the repository root, used as the entry of handlers not written yet. */
export const STAND_IN_ENTRY = path.relative(PROJECT_ROOT, path.join(__dirname, 'build.ts'));

/** The context of cdk.json (feature flags included), so tests synthesize what `cdk synth` does. */
export function cdkJsonContext(): Record<string, unknown> {
  const parsed: unknown = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'cdk.json'), 'utf8'));
  if (typeof parsed !== 'object' || parsed === null || !('context' in parsed)) throw new Error('cdk.json has no context');
  const context = parsed.context;
  if (typeof context !== 'object' || context === null) throw new Error('cdk.json context is not an object');
  return { ...context };
}

export interface BuiltApp {
  readonly app: App;
  readonly stateful: StatefulStack;
  readonly appStack: AppStack;
  readonly outdir: string;
  /** The functions that were wired. */
  readonly wired: readonly CallcardFunctionSpec[];
  /** The names of the wired functions whose handler does not exist yet (stood in for). */
  readonly stoodIn: readonly string[];
}

export interface BuildOptions {
  /**
   * Run esbuild for real. Bundling happens while the stacks are built, once per function; tests
   * that only inspect the template or run cdk-nag skip it.
   */
  readonly bundle: boolean;
  /**
   * `existing`: only the functions whose handler exists, as infra/app.ts does today.
   * `all`: every function; a handler that does not exist yet is replaced by a stand-in entry, so
   * the wiring of all four functions is tested whatever the state of functions/. Only without
   * bundling, since the stand-in is not the real code.
   */
  readonly functions: 'existing' | 'all';
  readonly appStackProps?: Partial<Omit<AppStackProps, 'table'>>;
}

/** Builds both stacks the way infra/app.ts does, into a temporary cloud assembly directory. */
export function buildApp(options: BuildOptions): BuiltApp {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'callcard-cdk-'));
  const app = new App({
    outdir,
    context: {
      ...cdkJsonContext(),
      // An empty list of stacks to bundle makes NodejsFunction skip esbuild.
      ...(options.bundle ? {} : { 'aws:cdk:bundling-stacks': [] }),
    },
  });
  const env = { account: '123456789012', region: 'ap-northeast-1' };
  const stateful = new StatefulStack(app, 'callcard-test-stateful', { env });
  if (options.bundle && options.functions === 'all') throw new Error('stand-in handlers are never bundled');
  const existing = functionsWithEntry(PROJECT_ROOT);
  const wired =
    options.functions === 'existing'
      ? existing
      : CALLCARD_FUNCTIONS.map((spec) => (existing.includes(spec) ? spec : { ...spec, entry: STAND_IN_ENTRY }));
  const stoodIn = wired.filter((spec) => spec.entry === STAND_IN_ENTRY).map((spec) => spec.name);
  const appStack = new AppStack(app, 'callcard-test-app', {
    env,
    table: stateful.table,
    functions: wired,
    ...options.appStackProps,
  });
  return { app, stateful, appStack, outdir, wired, stoodIn };
}

export function removeOutdir(built: BuiltApp | undefined): void {
  if (built) fs.rmSync(built.outdir, { recursive: true, force: true });
}

/** Total size in bytes of the files under `dir`. */
export function directorySize(dir: string): number {
  let total = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    total += entry.isDirectory() ? directorySize(full) : fs.statSync(full).size;
  }
  return total;
}
