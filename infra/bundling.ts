import type { BuildOptions } from 'esbuild';

/**
 * How every callcard function is bundled: the one set of esbuild settings. CallcardFunction hands
 * them to CDK's NodejsFunction (`cdkBundlingOptions` in ./constructs/CallcardFunction.ts), and the
 * bundle bench and the bundle test run esbuild's JS API with `esbuildBuildOptions`, so all three
 * build the same bytes (test/unit/infra/bundles.test.ts compares them).
 *
 * Keep this file free of aws-cdk-lib: the bench loads it.
 */

/**
 * Where a function gets AWS SDK v3 from.
 * - `runtime`: left out of the bundle; the nodejs22.x runtime provides it. Costs no bytes, but
 *   loading the runtime's unminified clients (~1 MB of @aws-sdk and @smithy files) is most of a
 *   cold start's module load.
 * - `bundled`: the clients the code imports, tree-shaken and minified into the bundle (the
 *   version in package-lock.json, the one the tests ran). About 210-230 KiB more, and 40-65 ms
 *   less to load (bench/bundles.ts).
 */
export type AwsSdkSource = 'runtime' | 'bundled';

export interface CallcardBundling {
  readonly format: 'cjs';
  /** esbuild target; matches the nodejs22.x runtime. */
  readonly target: string;
  readonly minify: boolean;
  /** A linked source map (index.js.map beside index.js). */
  readonly sourcemap: boolean;
  /** Stack traces map to file:line without shipping our sources inside the .map file. */
  readonly sourcesContent: boolean;
  /** Keep Japanese/Thai message text as UTF-8 rather than \u escapes: smaller bundles. */
  readonly charset: 'utf8' | 'ascii';
  /** Packages left to the runtime. */
  readonly external: readonly string[];
  /** package.json fields tried in order; `undefined` is esbuild's default for node (main, module). */
  readonly mainFields?: readonly string[];
  /** Packages replaced by a file, paths relative to the repository root. */
  readonly alias?: Readonly<Record<string, string>>;
  readonly logLevel: 'warning';
}

const COMMON = {
  format: 'cjs',
  target: 'node22',
  minify: true,
  sourcemap: true,
  sourcesContent: false,
  charset: 'utf8',
  logLevel: 'warning',
} as const;

/**
 * Packages left out of index.js and shipped beside it, in the asset's node_modules: code that only a
 * rare path loads, on first use. re2js (the linear-time engine of `matches` conditions, ~150 KB
 * minified) would otherwise take a third of the executor's and the admin's 400 KB.
 */
export const SHIPPED_BESIDE: readonly { name: string; file: string }[] = [{ name: 're2js', file: 'node_modules/re2js/build/index.cjs' }];

/**
 * Shell commands that copy {@link SHIPPED_BESIDE} into a bundle's output directory, as
 * `node_modules/<name>/index.js` with a package.json naming it.
 */
export function shipBesideCommands(inputDir: string, outputDir: string): string[] {
  return SHIPPED_BESIDE.flatMap(({ name, file }) => [
    `mkdir -p "${outputDir}/node_modules/${name}"`,
    `cp "${inputDir}/${file}" "${outputDir}/node_modules/${name}/index.js"`,
    `printf '%s' '{"name":"${name}","main":"index.js"}' > "${outputDir}/node_modules/${name}/package.json"`,
  ]);
}

/** The esbuild settings of a function whose AWS SDK comes from `awsSdk`. */
export function callcardBundling(awsSdk: AwsSdkSource = 'runtime'): CallcardBundling {
  const beside = SHIPPED_BESIDE.map((p) => p.name);
  if (awsSdk === 'runtime') return { ...COMMON, external: ['@aws-sdk/*', ...beside] };
  return {
    ...COMMON,
    external: [...beside],
    // The SDK's ES module builds (dist-es) tree-shake down to the commands the code sends; its
    // CommonJS builds (main) would bring every command of every client.
    mainFields: ['module', 'main'],
    // Lambda hands a function its role's credentials in environment variables, so the default
    // chain's other providers (SSO, STS, INI files, IMDS and their nested clients: ~90 KiB) are dead
    // weight in the bundle.
    alias: { '@aws-sdk/credential-provider-node': './infra/lambdaCredentialProvider.ts' },
  };
}

/** The file CDK's NodejsFunction writes for the CommonJS format (and the bench copies). */
export const BUNDLE_FILE = 'index.js';

/**
 * `bundling` as options of esbuild's JS API: what NodejsFunction passes on esbuild's command line
 * (`--bundle --platform=node ...`, run in `projectRoot`), for `entry` (absolute) into `outfile`.
 */
export function esbuildBuildOptions(entry: string, outfile: string, projectRoot: string, bundling: CallcardBundling): BuildOptions {
  return {
    entryPoints: [entry],
    outfile,
    absWorkingDir: projectRoot,
    bundle: true,
    platform: 'node',
    format: bundling.format,
    target: bundling.target,
    minify: bundling.minify,
    sourcemap: bundling.sourcemap,
    sourcesContent: bundling.sourcesContent,
    charset: bundling.charset,
    external: [...bundling.external],
    ...(bundling.mainFields ? { mainFields: [...bundling.mainFields] } : {}),
    ...(bundling.alias ? { alias: { ...bundling.alias } } : {}),
    logLevel: bundling.logLevel,
  };
}

/**
 * `NODE_OPTIONS` of every function: stack traces through index.js.map. Node reads the map when it
 * loads the bundle, so the bench loads bundles with it too.
 */
export const CALLCARD_NODE_OPTIONS = '--enable-source-maps';
