import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import { builtinModules } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import * as zlib from 'node:zlib';
import { Template } from 'aws-cdk-lib/assertions';
import { BUNDLE_TARGETS, buildFunctionBundle } from '../../../bench/bundles';
import { BUNDLE_FILE, SHIPPED_BESIDE } from '../../../infra/bundling';
import { CALLCARD_FUNCTIONS, functionSpec, PROJECT_ROOT } from '../../../infra/functions';
import { buildApp, directorySize, removeOutdir, type BuiltApp } from './build';

// The one synth with real bundling (esbuild runs once per function while the stacks are built),
// of the functions whose handler exists, exactly as `cdk synth` wires them today.

/**
 * A ceiling for every function's index.js (minified) and its zipped asset: BUNDLE_TARGETS.bytes
 * (1 MiB), a guard against accidents. It is not the goal: what matters is the cold start's module
 * load, which the bench measures (`npx tsx bench/bundles.ts`, target 150 ms median) and no unit test
 * times. It used to be 400 KiB, a means to that load time, until bundling the AWS SDK (bigger, and
 * faster to load than the runtime's) showed the two pulling apart.
 */
const MAX_BUNDLE_BYTES = BUNDLE_TARGETS.bytes;

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

test(`each bundle (index.js) and each uploaded asset is ≤ ${kib(MAX_BUNDLE_BYTES)} (a ceiling; load time is the bench's)`, () => {
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
      const chain = sdk.filter((source) =>
        /node_modules\/@aws-sdk\/(credential-provider-(?!env)|nested-clients|token-providers)/.test(source),
      );
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

/** The packages an index.js requires at run time, Node's own modules aside (esbuild writes each as `require("<name>")`). */
function requiredPackages(bundle: string): string[] {
  const names = [...bundle.matchAll(/\brequire\("([^"]+)"\)/g)].map((match) => match[1] as string);
  return [...new Set(names)].filter((name) => !name.startsWith('node:') && !builtinModules.includes(name)).sort();
}

test('each package index.js requires is shipped beside it (SHIPPED_BESIDE), only where required, and never bundled into it', () => {
  const shippable = SHIPPED_BESIDE.map((pkg) => pkg.name);
  for (const spec of built.wired) {
    const dir = assetDirOf(spec.serviceName);
    const required = requiredPackages(fs.readFileSync(path.join(dir, BUNDLE_FILE), 'utf8'));
    const shipped = shippable.filter((name) => fs.existsSync(path.join(dir, 'node_modules', name, 'index.js'))).sort();
    expect({ name: spec.name, required }).toEqual({ name: spec.name, required: shipped });
    const inBundle = mapSources(dir).filter((source) => shippable.some((name) => source.includes(`node_modules/${name}/`)));
    expect({ name: spec.name, inBundle }).toEqual({ name: spec.name, inBundle: [] });
  }
  // Where each is needed today: re2js by the conditions of flows (executor, admin's dry runs and
  // simulator), the OpenAPI parsers by the admin's import route.
  const shippedTo = (name: string) =>
    built.wired.filter((spec) => fs.existsSync(path.join(assetDirOf(spec.serviceName), 'node_modules', name))).map((spec) => spec.name);
  expect(shippedTo('re2js')).toEqual(expect.arrayContaining(['admin', 'executor']));
  expect(shippedTo('@apidevtools/swagger-parser')).toEqual(['admin']);
  expect(shippedTo('yaml')).toEqual(['admin']);
});

// Runs in a fresh node process, as Lambda loads the function: the admin's index.js from its CDK asset
// (in the temporary directory, so nothing resolves from the repository's node_modules), its
// createHandler given a stand-in store (one admin key) and a silent logger, then one import.
const IMPORT_PROBE = `
const path = require('node:path');
const fs = require('node:fs');
const [dir, documentFile] = process.argv.slice(1);
const packages = () => Object.keys(require.cache).filter((file) => file.includes('/node_modules/')).map((file) => path.relative(dir, file)).sort();
const admin = require(path.join(dir, 'index.js'));
const atColdStart = packages();
const silent = new Proxy({}, { get: () => () => undefined });
const store = { adminKeys: { workspaceOf: async (key) => (key === 'probe-key' ? 'probe' : undefined) } };
const handle = admin.createHandler({ store, logger: silent });
const context = { functionName: 'admin', awsRequestId: 'probe', getRemainingTimeInMillis: () => 15000 };
const post = (body) => handle({ requestContext: { http: { method: 'POST' } }, rawPath: '/admin/import/openapi', headers: { authorization: 'Bearer probe-key' }, queryStringParameters: {}, body: JSON.stringify(body), isBase64Encoded: false }, context);
(async () => {
  const document = fs.readFileSync(documentFile, 'utf8');
  const imported = await post({ document, operationId: 'getOrder' });
  const invalid = await post({ document: document.replace('info:', 'information:') });
  process.stdout.write(JSON.stringify({ atColdStart, afterImport: packages(), imported, invalid }));
})().catch((error) => { console.error(error); process.exit(1); });
`;

test('the bundled admin imports an OpenAPI document with the parsers shipped beside index.js, loaded by the first import only', async () => {
  const dir = assetDirOf(functionSpec('admin').serviceName);
  const document = path.join(PROJECT_ROOT, 'test/fixtures/import/openapi/order-status.yaml');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_OPTIONS: '',
    NODE_PATH: '',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
  const { stdout } = await promisify(execFile)(process.execPath, ['-e', IMPORT_PROBE, dir, document], { env, cwd: dir });
  const probe = JSON.parse(stdout) as {
    atColdStart: string[];
    afterImport: string[];
    imported: { statusCode: number; body: string };
    invalid: { statusCode: number; body: string };
  };
  expect(probe.atColdStart).toEqual([]);
  // The imported card carries the response's contract, which the import checks compiles: ajv's 2020 build
  // comes with it, and re2js, the engine of contracts' patterns (ajv compiles its meta-schema's with it too).
  expect(probe.afterImport).toEqual([
    'node_modules/@apidevtools/swagger-parser/index.js',
    'node_modules/ajv/dist/2020/index.js',
    'node_modules/re2js/index.js',
    'node_modules/yaml/index.js',
  ]);
  expect(probe.imported.statusCode).toBe(200);
  expect(JSON.parse(probe.imported.body)).toMatchObject({
    title: 'Demo brand orders',
    operations: [expect.objectContaining({ operationId: 'getOrder' }), expect.objectContaining({ operationId: 'createOrder' })],
    imported: {
      card: {
        request: { method: 'GET', url: 'https://api.brand.example/orders/{{ attributes.id }}' },
        contract: { body: { required: ['id', 'status', 'items'] } },
      },
      secrets: [
        {
          name: 'BRAND_API_KEY',
          header: 'x-api-key',
          allowedHosts: ['api.brand.example'],
          from: 'securityScheme ordersKey',
          valueOffered: false,
        },
      ],
    },
  });
  // swagger-parser's validation (ajv and the OpenAPI schemas, bundled beside) refuses a document without info.
  expect(probe.invalid.statusCode).toBe(400);
  expect(JSON.parse(probe.invalid.body)).toMatchObject({
    error: expect.stringMatching(/^cannot import: the document is not valid OpenAPI/),
  });
}, 30_000);
