import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as esbuild from 'esbuild';

const MODULE = path.resolve(__dirname, '../../../../shared/logging/stackTraces.ts');

/**
 * A bundled function's stack traces read through index.js.map once an error's stack is formatted, with
 * nothing read at load (the functions run without --enable-source-maps: bench/bundles.ts). Each
 * bundle installs it for itself, as the functions do (createLogger), and runs in a node process of
 * its own (Jest would rewrite the bundle's code, and with it its lines and columns).
 */
describe('mapBundleStackTraces', () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'stack-traces-'));
    writeFileSync(
      path.join(dir, 'orders.ts'),
      [
        'export function loadOrders(id: string): string {',
        '  if (id.length > 0) throw new Error(`no orders for ${id}`);',
        "  return 'none';",
        '}',
        '',
      ].join('\n'),
    );
    writeFileSync(
      path.join(dir, 'entry.ts'),
      [
        `import { mapBundleStackTraces } from ${JSON.stringify(MODULE)};`,
        "import { loadOrders } from './orders';",
        'export const installed = mapBundleStackTraces(__filename);',
        'export function run(): string {',
        "  return loadOrders('U1');",
        '}',
        '',
      ].join('\n'),
    );
  });

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  /** Bundles entry.ts minified into `name`/index.js (with index.js.map unless `map` is false), as the functions are. */
  function bundle(name: string, map = true): string {
    const outfile = path.join(dir, name, 'index.js');
    esbuild.buildSync({
      entryPoints: [path.join(dir, 'entry.ts')],
      outfile,
      bundle: true,
      minify: true,
      platform: 'node',
      format: 'cjs',
      sourcemap: map,
      sourcesContent: false,
      logLevel: 'silent',
    });
    return outfile;
  }

  /** Loads the bundle in a fresh node process, runs it, and returns whether it installed the mapping and the error's stack. */
  function run(file: string, nodeOptions = ''): { installed: boolean; stack: string } {
    const script =
      'const m = require(process.argv[1]); try { m.run(); } catch (e) { process.stdout.write(JSON.stringify({ installed: m.installed, stack: e.stack })); }';
    return JSON.parse(
      execFileSync(process.execPath, ['-e', script, file], { env: { ...process.env, NODE_OPTIONS: nodeOptions } }).toString(),
    ) as { installed: boolean; stack: string };
  }

  test('frames in the bundle name the original file, line and function', () => {
    const file = bundle('mapped');
    const { installed, stack } = run(file);
    expect(installed).toBe(true);
    expect(stack.split('\n')[0]).toBe('Error: no orders for U1');
    expect(stack).toMatch(/\n {4}at loadOrders \((?:[^()]*\/)?orders\.ts:2:\d+\)/);
    // run() is called from outside the bundle: its line is mapped, its name is the minified one.
    expect(stack).toMatch(/\n {4}at \w+ \((?:[^()]*\/)?entry\.ts:5:\d+\)/);
    expect(stack).not.toContain('index.js');
  });

  test('the same bundle without its map points into index.js (what the test above would see without it)', () => {
    const file = bundle('nomap', false);
    const { installed, stack } = run(file);
    expect(installed).toBe(false);
    expect(stack).toContain(`${file}:`);
    expect(stack).not.toMatch(/orders\.ts/);
  });

  test('nothing is installed where Node maps stack traces itself (--enable-source-maps)', () => {
    const file = bundle('node');
    const { installed, stack } = run(file, '--enable-source-maps');
    expect(installed).toBe(false);
    expect(stack).toMatch(/orders\.ts:2:\d+/);
  });

  test('a map that cannot be read leaves the frames as V8 prints them', () => {
    const file = bundle('broken');
    writeFileSync(`${file}.map`, '{ not json');
    const { installed, stack } = run(file);
    expect(installed).toBe(true);
    expect(stack.split('\n')[0]).toBe('Error: no orders for U1');
    expect(stack).toContain(`${file}:`);
  });

  test('a source map is not read at load, only when a stack trace is formatted', () => {
    const file = bundle('lazy');
    const script =
      "const fs = require('fs'); const read = fs.readFileSync; let maps = 0; fs.readFileSync = (f, ...a) => { if (String(f).endsWith('.map')) maps += 1; return read(f, ...a); }; const m = require(process.argv[1]); const atLoad = maps; try { m.run(); } catch (e) { void e.stack; } process.stdout.write(JSON.stringify({ atLoad, after: maps }));";
    const counts = JSON.parse(
      execFileSync(process.execPath, ['-e', script, file], { env: { ...process.env, NODE_OPTIONS: '' } }).toString(),
    ) as unknown;
    expect(counts).toEqual({ atLoad: 0, after: 1 });
  });
});
