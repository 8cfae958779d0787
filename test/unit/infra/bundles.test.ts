import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { Template } from 'aws-cdk-lib/assertions';
import { buildFunctionBundle } from '../../../bench/bundles';
import { BUNDLE_FILE } from '../../../infra/bundling';
import { CALLCARD_FUNCTIONS, PROJECT_ROOT } from '../../../infra/functions';
import { buildApp, directorySize, removeOutdir, type BuiltApp } from './build';

// The one synth with real bundling (esbuild runs once per function while the stacks are built),
// of the functions whose handler exists, exactly as `cdk synth` wires them today.

/** The limit for every function's index.js (minified), and for its zipped asset. */
const MAX_BUNDLE_BYTES = 400 * 1024;

let built: BuiltApp;
let template: Template;

beforeAll(() => {
  built = buildApp({ bundle: true });
  template = Template.fromStack(built.appStack);
}, 180_000);

afterAll(() => removeOutdir(built));

test('the LINE webhook and the executor handlers exist, so they are wired', () => {
  expect(built.wired.map((spec) => spec.name)).toEqual(expect.arrayContaining(['lineWebhook', 'executor']));
});

test('only functions whose handler exists are wired, each once', () => {
  for (const spec of built.wired) expect(fs.existsSync(path.join(PROJECT_ROOT, spec.entry))).toBe(true);
  expect(CALLCARD_FUNCTIONS.map((spec) => spec.name)).toEqual(expect.arrayContaining(built.wired.map((spec) => spec.name)));
  template.resourceCountIs('AWS::Lambda::Function', built.wired.length);
});

const kib = (bytes: number): string => `${(bytes / 1024).toFixed(0)} KiB`;

/** Roughly what the uploaded zip weighs: every file of the asset (node_modules shipped beside index.js included) deflated. */
function deflatedSize(dir: string): number {
  return fs.readdirSync(dir, { withFileTypes: true }).reduce((total, entry) => {
    const full = path.join(dir, entry.name);
    return total + (entry.isDirectory() ? deflatedSize(full) : zlib.deflateRawSync(fs.readFileSync(full)).length);
  }, 0);
}

/** The asset directory CDK bundled the function into. */
function assetDirOf(serviceName: string): string {
  const functions = template.findResources('AWS::Lambda::Function', {
    Properties: { Environment: { Variables: { POWERTOOLS_SERVICE_NAME: serviceName } } },
  });
  const [fn] = Object.values(functions);
  const s3Key: string = fn?.Properties.Code.S3Key;
  return path.join(built.outdir, `asset.${s3Key.replace(/\.zip$/, '')}`);
}

function mapSources(assetDir: string): string[] {
  const parsed: unknown = JSON.parse(fs.readFileSync(path.join(assetDir, `${BUNDLE_FILE}.map`), 'utf8'));
  const sources: unknown[] =
    typeof parsed === 'object' && parsed !== null && 'sources' in parsed && Array.isArray(parsed.sources) ? parsed.sources : [];
  return sources.map(String);
}

test('each bundle (index.js) and each uploaded asset is ≤ 400 KiB', () => {
  const sizes: Record<string, string> = {};
  for (const spec of built.wired) {
    const assetDir = assetDirOf(spec.serviceName);
    const js = fs.statSync(path.join(assetDir, BUNDLE_FILE)).size;
    const map = fs.statSync(path.join(assetDir, `${BUNDLE_FILE}.map`)).size;
    const zipped = deflatedSize(assetDir);
    sizes[spec.name] = `index.js ${kib(js)} + index.js.map ${kib(map)} = ${kib(directorySize(assetDir))} unzipped, ~${kib(zipped)} zipped`;
    const limit = MAX_BUNDLE_BYTES;
    expect({ name: spec.name, js: js <= limit, zipped: zipped <= limit }).toEqual({ name: spec.name, js: true, zipped: true });
  }
  console.log('Lambda bundle sizes:', sizes);
});

test('the AWS SDK is left to the runtime, or bundled with the environment credential provider only', () => {
  for (const spec of built.wired) {
    const sources = mapSources(assetDirOf(spec.serviceName));
    expect(sources.length).toBeGreaterThan(0);
    const sdk = sources.filter((source) => source.includes('node_modules/@aws-sdk/'));
    if ((spec.awsSdk ?? 'runtime') === 'runtime') {
      expect({ name: spec.name, sdk }).toEqual({ name: spec.name, sdk: [] });
    } else {
      expect(sdk.some((source) => source.includes('node_modules/@aws-sdk/client-dynamodb/'))).toBe(true);
      // infra/lambdaCredentialProvider.ts replaces the default chain (and its STS/SSO clients).
      const chain = sdk.filter((source) => /node_modules\/@aws-sdk\/(credential-provider-(?!env)|nested-clients|token-providers)/.test(source));
      expect({ name: spec.name, chain }).toEqual({ name: spec.name, chain: [] });
      expect(sources.some((source) => source.endsWith('infra/lambdaCredentialProvider.ts'))).toBe(true);
    }
  }
});

test('no bundle carries zod locales other than English (import zod as `import * as z from "zod"`)', () => {
  for (const spec of built.wired) {
    const locales = mapSources(assetDirOf(spec.serviceName)).filter((source) => /node_modules\/zod\/.*\/locales\//.test(source));
    expect({ name: spec.name, locales: locales.filter((source) => !source.endsWith('/en.js')) }).toEqual({ name: spec.name, locales: [] });
  }
});

test('the bench builds the very index.js CDK ships (one set of esbuild settings: infra/bundling.ts)', async () => {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'callcard-bench-bundle-'));
  try {
    for (const spec of built.wired) {
      const bundle = await buildFunctionBundle(spec, path.join(outdir, spec.name));
      const shipped = fs.readFileSync(path.join(assetDirOf(spec.serviceName), BUNDLE_FILE));
      expect({ name: spec.name, bytes: bundle.bytes, same: shipped.equals(fs.readFileSync(bundle.file)) }).toEqual({
        name: spec.name,
        bytes: shipped.length,
        same: true,
      });
    }
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}, 60_000);

test('re2js is shipped beside index.js, loaded on first use, never bundled into it', () => {
  for (const spec of CALLCARD_FUNCTIONS) {
    const dir = assetDirOf(spec.serviceName);
    expect({ name: spec.name, shipped: fs.existsSync(path.join(dir, 'node_modules', 're2js', 'index.js')) }).toEqual({ name: spec.name, shipped: true });
    const bundle = fs.readFileSync(path.join(dir, 'index.js'), 'utf8');
    expect({ name: spec.name, bundled: /"RE2JSCompileException"/.test(bundle) }).toEqual({ name: spec.name, bundled: false });
  }
});
