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
  /**
   * A linked source map (index.js.map beside index.js). The functions run without Node's
   * `--enable-source-maps`, which reads the map and walks the whole bundle at every cold start
   * (20-30 ms of a 550 KiB bundle); shared/logging/stackTraces.ts reads it on the first stack trace.
   */
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

/** The file CDK's NodejsFunction writes for the CommonJS format (and the bench copies). */
export const BUNDLE_FILE = 'index.js';

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
 * A package left out of index.js and shipped beside it, in the asset's node_modules, as
 * `node_modules/<name>/index.js`: code that only a rare path loads, on first use (a `require()` inside
 * the function that needs it), so that no cold start reads, parses or runs it.
 * - `file`: the package's own single-file build, copied (it requires nothing but Node's modules).
 * - `bundle`: the package and its dependencies bundled into that one file by esbuild, with the
 *   functions' own settings (format, target, minify, charset), from the version in package-lock.json.
 */
export type ShippedBeside = { readonly name: string; readonly file: string } | { readonly name: string; readonly bundle: true };

/**
 * What is shipped beside index.js, where index.js requires it.
 * - re2js, the linear-time engine of `matches` conditions (~150 KB minified), would otherwise add
 *   its load to every cold start of the executor and the admin function.
 * - @apidevtools/swagger-parser (with ajv, json-schema-ref-parser, js-yaml and the OpenAPI schemas:
 *   ~280 KiB) and yaml (~110 KiB) serve the admin's POST /admin/import/openapi only
 *   (shared/import/openapi.ts); inside index.js they were over a third of the admin bundle.
 * - ajv's draft 2020-12 build (`ajv/dist/2020`, ~120 KiB), cards' response contracts
 *   (shared/flow/contract.ts): loaded by the first card with a contract; its code generator also
 *   holds `require("ajv/dist/runtime/…")` as text, which index.js must not.
 */
export const SHIPPED_BESIDE: readonly ShippedBeside[] = [
  { name: 're2js', file: 'node_modules/re2js/build/index.cjs' },
  { name: '@apidevtools/swagger-parser', bundle: true },
  { name: 'yaml', bundle: true },
  { name: 'ajv/dist/2020', bundle: true },
];

/**
 * Shell commands that put each package of {@link SHIPPED_BESIDE} that the bundle's index.js requires
 * (esbuild writes an external as `require("<name>")`) into its output directory, as
 * `node_modules/<name>/index.js` with a package.json naming it. A function that never requires a
 * package does not carry it. `inputDir` is the repository root (CDK's bundling input).
 */
export function shipBesideCommands(inputDir: string, outputDir: string): string[] {
  return SHIPPED_BESIDE.map((pkg) => {
    const dir = `${outputDir}/node_modules/${pkg.name}`;
    const place =
      'file' in pkg
        ? `cp "${inputDir}/${pkg.file}" "${dir}/index.js"`
        : `(cd "${inputDir}" && "${inputDir}/node_modules/.bin/esbuild" ${besideBundleArgs(pkg.name, `${dir}/index.js`).join(' ')})`;
    return [
      `if grep -qF 'require("${pkg.name}")' "${outputDir}/${BUNDLE_FILE}"; then`,
      `mkdir -p "${dir}" &&`,
      `${place} &&`,
      `printf '%s' '{"name":"${pkg.name}","main":"index.js"}' > "${dir}/package.json";`,
      'fi',
    ].join(' ');
  });
}

/** esbuild's command line for a `bundle` package shipped beside index.js: the functions' settings, no source map. */
function besideBundleArgs(name: string, outfile: string): string[] {
  return [
    `"${name}"`,
    '--bundle',
    '--platform=node',
    `--format=${COMMON.format}`,
    `--target=${COMMON.target}`,
    ...(COMMON.minify ? ['--minify'] : []),
    `--charset=${COMMON.charset}`,
    `--log-level=${COMMON.logLevel}`,
    `--outfile="${outfile}"`,
  ];
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
