import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { CALLCARD_FUNCTIONS, PROJECT_ROOT, type CallcardFunctionSpec } from '../../../infra/functions';
import { AppStack, type AppStackProps } from '../../../infra/stacks/appStack';
import { StatefulStack } from '../../../infra/stacks/statefulStack';

/** A file under the repository root, for constructs tested on their own (no handler code needed). */
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
  /** The functions that were wired: all of CALLCARD_FUNCTIONS, as in infra/app.ts. */
  readonly wired: readonly CallcardFunctionSpec[];
}

export interface BuildOptions {
  /**
   * Run esbuild for real. Bundling happens while the stacks are built, once per function; tests
   * that only inspect the template or run cdk-nag skip it.
   */
  readonly bundle: boolean;
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
  const wired = CALLCARD_FUNCTIONS;
  const appStack = new AppStack(app, 'callcard-test-app', {
    env,
    table: stateful.table,
    functions: wired,
    ...options.appStackProps,
  });
  return { app, stateful, appStack, outdir, wired };
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
