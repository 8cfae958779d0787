import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import * as esbuild from 'esbuild';
import { BUNDLE_FILE, callcardBundling, esbuildBuildOptions } from '../infra/bundling';
import { CALLCARD_FUNCTIONS, functionSpec, PROJECT_ROOT, type CallcardFunctionName, type CallcardFunctionSpec } from '../infra/functions';

/**
 * `npx tsx bench/bundles.ts [--quick | --runs N] [--json]`: each function's bundle as CDK ships it
 * (index.js bytes, built with the settings CDK uses: infra/bundling.ts) and its module load time in
 * a fresh Node process (median of `runs` (10; 3 with --quick), measured inside the child around
 * `require()`, including the AWS SDK modules the bundle leaves to the runtime), with what fills the
 * bundle (esbuild metafile). Exits 1 when a function misses a target.
 */

/** The targets for every function (issue 23). */
export const BUNDLE_TARGETS = {
  /**
   * index.js, minified: a ceiling against accidents (a whole SDK client's commands, every zod locale,
   * a dependency's CommonJS build), not a goal. What a cold start costs is the load time below; bytes
   * only matter through it (compiling and evaluating them), so a function may grow past the old
   * 400 KiB where its load time says so: the executor and the admin function bundle the AWS SDK
   * (~215 KiB) because it loads faster than the runtime's. 1 MiB is well under Lambda's own limits
   * (50 MB zipped, 250 MB unzipped) and about twice the largest function today.
   */
  bytes: 1024 * 1024,
  /** Median module load in a fresh process on a developer machine (the aim is 100). */
  loadMs: 150,
} as const;

export interface BundleContributor {
  /** An npm package (`zod`, `@aws-lambda-powertools/logger`) or a project file (`shared/store/table.ts`). */
  readonly module: string;
  /** Bytes it takes in the minified index.js. */
  readonly bytes: number;
}

export interface BundleMeasurement {
  /** index.js as CDK ships it. */
  readonly bytes: number;
  /** Median time of `require(index.js)` in a fresh `node` process. */
  readonly loadMs: number;
  /** The largest contributors, largest first. */
  readonly top: BundleContributor[];
}

export interface MeasureBundlesOptions {
  /** Fresh processes per function; the median is reported. @default 10 */
  readonly runs?: number;
  /** How many contributors to list per function. @default 10 */
  readonly topCount?: number;
}

export interface BuiltBundle {
  /** Absolute path of index.js. */
  readonly file: string;
  readonly bytes: number;
  readonly metafile: esbuild.Metafile;
}

/** Builds one function's bundle into `outdir` (index.js and index.js.map) exactly as CDK does. */
export async function buildFunctionBundle(spec: CallcardFunctionSpec, outdir: string): Promise<BuiltBundle> {
  const file = path.join(outdir, BUNDLE_FILE);
  const result = await esbuild.build({
    ...esbuildBuildOptions(path.join(PROJECT_ROOT, spec.entry), file, PROJECT_ROOT, callcardBundling(spec.awsSdk)),
    metafile: true,
  });
  return { file, bytes: fs.statSync(file).size, metafile: result.metafile };
}

/** Bytes in the output per npm package (node_modules/…) or per project file, largest first. */
export function contributors(metafile: esbuild.Metafile): BundleContributor[] {
  const totals = new Map<string, number>();
  for (const output of Object.values(metafile.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      const inPackage = /(?:^|\/)node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input);
      const module = inPackage?.[1] ?? input;
      totals.set(module, (totals.get(module) ?? 0) + bytesInOutput);
    }
  }
  return [...totals].map(([module, bytes]) => ({ module, bytes })).sort((a, b) => b.bytes - a.bytes);
}

// Runs in the child: the time of require() alone, not Node's own start-up.
const LOAD_PROBE = [
  'const start = process.hrtime.bigint();',
  'require(process.argv[1]);',
  'const ms = Number(process.hrtime.bigint() - start) / 1e6;',
  'process.stdout.write(JSON.stringify({ ms }));',
].join('\n');

const run = promisify(execFile);

/**
 * One `require(file)` in a fresh node process, as Lambda loads a handler: no NODE_OPTIONS, as the
 * function has none, and `@aws-sdk/*` (when the bundle leaves it to the runtime) resolved from the
 * repository's node_modules through NODE_PATH, as on Lambda from the runtime's own NODE_PATH
 * (/var/runtime/node_modules).
 */
export async function loadOnce(file: string): Promise<number> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    // The functions set no NODE_OPTIONS (stack traces are mapped on first use:
    // shared/logging/stackTraces.ts), and neither does the probe.
    NODE_OPTIONS: '',
    NODE_PATH: path.join(PROJECT_ROOT, 'node_modules'),
    // Lambda runs Node 22, where the SDK has no "upgrade your Node" warning to print at load.
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
  const { stdout } = await run(process.execPath, ['-e', LOAD_PROBE, file], { env, cwd: path.dirname(file) });
  const parsed: unknown = JSON.parse(stdout);
  if (typeof parsed !== 'object' || parsed === null || !('ms' in parsed) || typeof parsed.ms !== 'number') {
    throw new Error(`load probe printed ${stdout}`);
  }
  return parsed.ms;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  if (sorted.length === 0) return NaN;
  return sorted.length % 2 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/**
 * Bundles every function of CALLCARD_FUNCTIONS into a temporary directory (outside the
 * repository), then loads each bundle `runs` times in fresh processes, the functions taking
 * turns so that a busy moment of the machine does not land on one function only.
 */
export async function measureBundles(options: MeasureBundlesOptions = {}): Promise<Record<CallcardFunctionName, BundleMeasurement>> {
  const runs = Math.max(1, options.runs ?? 10);
  const topCount = options.topCount ?? 10;
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'callcard-bundles-'));
  try {
    const built = await Promise.all(
      CALLCARD_FUNCTIONS.map(async (spec) => ({ spec, bundle: await buildFunctionBundle(spec, path.join(root, spec.name)) })),
    );
    // One unmeasured load each: the first read of the SDK's files from disk is not a cold start.
    for (const { bundle } of built) await loadOnce(bundle.file);
    const times = new Map<CallcardFunctionName, number[]>(built.map(({ spec }) => [spec.name, []]));
    for (let i = 0; i < runs; i += 1) {
      for (const { spec, bundle } of built) times.get(spec.name)?.push(await loadOnce(bundle.file));
    }
    const result: Partial<Record<CallcardFunctionName, BundleMeasurement>> = {};
    for (const { spec, bundle } of built) {
      result[spec.name] = {
        bytes: bundle.bytes,
        loadMs: median(times.get(spec.name) ?? []),
        top: contributors(bundle.metafile).slice(0, topCount),
      };
    }
    return result as Record<CallcardFunctionName, BundleMeasurement>;
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

const kib = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KiB`;

/** The table the CLI prints; `ok` is false when a function misses a target. */
export function formatBundleTable(measured: Record<CallcardFunctionName, BundleMeasurement>, topCount = 5): { text: string; ok: boolean } {
  let ok = true;
  const lines = [
    `${'function'.padEnd(18)} ${'AWS SDK'.padEnd(8)} ${'index.js'.padStart(11)}   ${'load p50'.padStart(9)}   top contributors`,
  ];
  for (const [name, m] of Object.entries(measured) as Array<[CallcardFunctionName, BundleMeasurement]>) {
    const bytesOk = m.bytes <= BUNDLE_TARGETS.bytes;
    const loadOk = m.loadMs <= BUNDLE_TARGETS.loadMs;
    ok &&= bytesOk && loadOk;
    const top = m.top
      .slice(0, topCount)
      .map((c) => `${c.module} ${kib(c.bytes)}`)
      .join(', ');
    lines.push(
      `${name.padEnd(18)} ${(functionSpec(name).awsSdk ?? 'runtime').padEnd(8)} ${kib(m.bytes).padStart(11)}${bytesOk ? ' ' : '!'}  ${`${m.loadMs.toFixed(0)} ms`.padStart(9)}${loadOk ? ' ' : '!'}  ${top}`,
    );
  }
  lines.push(`targets: index.js ≤ ${kib(BUNDLE_TARGETS.bytes)}, load ≤ ${BUNDLE_TARGETS.loadMs} ms median ('!' marks a miss)`);
  return { text: lines.join('\n'), ok };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const runsAt = args.indexOf('--runs');
  const runs = runsAt >= 0 ? Number(args[runsAt + 1]) : args.includes('--quick') ? 3 : 10;
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs wants a positive whole number, got ${args[runsAt + 1]}`);
  const measured = await measureBundles({ runs });
  const { text, ok } = formatBundleTable(measured);
  console.log(`callcard bundles: esbuild as CDK runs it, load = median of ${runs} fresh processes\n`);
  console.log(text);
  if (args.includes('--json')) console.log(JSON.stringify(measured, null, 2));
  process.exitCode = ok ? 0 : 1;
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
