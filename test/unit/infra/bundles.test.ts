import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { Template } from 'aws-cdk-lib/assertions';
import { CALLCARD_FUNCTIONS, PROJECT_ROOT } from '../../../infra/functions';
import { buildApp, directorySize, removeOutdir, type BuiltApp } from './build';

// The one synth with real bundling (esbuild runs once per function while the stacks are built),
// of the functions whose handler exists, exactly as `cdk synth` wires them today.

const MAX_BUNDLE_BYTES = 1.5 * 1024 * 1024;

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

/** Roughly what the uploaded zip weighs: the files deflated. */
function deflatedSize(dir: string): number {
  return fs.readdirSync(dir).reduce((total, name) => total + zlib.deflateRawSync(fs.readFileSync(path.join(dir, name))).length, 0);
}

test('each bundle (index.js) and each uploaded asset is < 1.5 MB, and @aws-sdk is left to the runtime', () => {
  const sizes: Record<string, string> = {};
  for (const spec of built.wired) {
    const functions = template.findResources('AWS::Lambda::Function', {
      Properties: { Environment: { Variables: { POWERTOOLS_SERVICE_NAME: spec.serviceName } } },
    });
    const [fn] = Object.values(functions);
    const s3Key: string = fn?.Properties.Code.S3Key;
    const assetDir = path.join(built.outdir, `asset.${s3Key.replace(/\.zip$/, '')}`);
    const js = fs.statSync(path.join(assetDir, 'index.js')).size;
    const map = fs.statSync(path.join(assetDir, 'index.js.map')).size;
    const zipped = deflatedSize(assetDir);
    sizes[spec.name] = `index.js ${kib(js)} + index.js.map ${kib(map)} = ${kib(directorySize(assetDir))} unzipped, ~${kib(zipped)} zipped`;
    expect(js).toBeLessThan(MAX_BUNDLE_BYTES);
    expect(zipped).toBeLessThan(MAX_BUNDLE_BYTES);

    const parsed: unknown = JSON.parse(fs.readFileSync(path.join(assetDir, 'index.js.map'), 'utf8'));
    const sources: unknown[] =
      typeof parsed === 'object' && parsed !== null && 'sources' in parsed && Array.isArray(parsed.sources) ? parsed.sources : [];
    expect(sources.length).toBeGreaterThan(0);
    expect(sources.filter((source) => String(source).includes('node_modules/@aws-sdk/'))).toEqual([]);
  }
  console.log('Lambda bundle sizes:', sizes);
});
