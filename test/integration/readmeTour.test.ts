import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { codeBlocks, outputMismatch, shownCommands, type ShownCommand } from '../support/readmeTour';

/**
 * The README's tour, run as printed: `npm start` in a child process, then every `$` command of the
 * sections named below, in order, each output compared with the one the README shows (timings and
 * instants aside; `…` marks text the README leaves out). The README uses the default ports (3000 and
 * the next three); the run takes four free ones and maps them both ways.
 */
const RUN_SECTIONS = ['A five-minute tour', 'Managing flows'];
const README_PORT = 3000;
const root = path.join(__dirname, '..', '..');

/** The `$` commands of the H2 sections in RUN_SECTIONS and their subsections. */
function tourCommands(): ShownCommand[] {
  const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
  const inTour = new Set<string>();
  let current: string | undefined;
  for (const line of readme.split('\n')) {
    const h2 = /^## (.*)$/.exec(line);
    if (h2) current = RUN_SECTIONS.find((name) => (h2[1] ?? '').startsWith(name));
    const heading = /^#{2,6} (.*)$/.exec(line);
    if (heading && current) inTour.add(heading[1] ?? '');
  }
  return shownCommands(codeBlocks(readme)).filter((shown) => inTour.has(shown.section));
}

async function freePortRun(): Promise<number> {
  const isFree = (port: number) =>
    new Promise<boolean>((resolve) => {
      const server = net.createServer();
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
    });
  for (let base = 23_000 + Math.floor(Math.random() * 20_000); ; base += 7) {
    const free = await Promise.all([0, 1, 2, 3].map((offset) => isFree(base + offset)));
    if (free.every(Boolean)) return base;
  }
}

describe('the README tour, run as printed', () => {
  let stack: ChildProcess | undefined;
  let port = 0;
  const toRun = (text: string) => text.replace(/127\.0\.0\.1:300([0-3])\b/g, (_m, d: string) => `127.0.0.1:${port + Number(d)}`);
  const toShown = (text: string) =>
    text.replace(
      new RegExp(`127\\.0\\.0\\.1:(${port}|${port + 1}|${port + 2}|${port + 3})\\b`, 'g'),
      (_m, p: string) => `127.0.0.1:${README_PORT + Number(p) - port}`,
    );

  beforeAll(async () => {
    port = await freePortRun();
    // Its own process group, so that stopping it stops npm, tsx and the stack under them.
    stack = spawn('npm', ['start'], {
      cwd: root,
      env: { ...process.env, PORT: String(port), DATA_DIR: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    await new Promise<void>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`npm start did not come up:\n${out}`)), 60_000);
      stack?.stdout?.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes('Ctrl-C stops everything')) {
          clearTimeout(timer);
          resolve();
        }
      });
      stack?.stderr?.on('data', (chunk: Buffer) => (out += chunk.toString()));
      stack?.once('exit', (code) => reject(new Error(`npm start exited ${code}:\n${out}`)));
    });
  }, 90_000);

  afterAll(async () => {
    // The tour pulls the demo flow into the working directory (gitignored).
    fs.rmSync(path.join(root, 'demo-flow.json'), { force: true });
    if (!stack || stack.exitCode !== null) return;
    const exited = new Promise((resolve) => stack?.once('exit', resolve));
    if (stack.pid !== undefined) process.kill(-stack.pid, 'SIGINT');
    await exited;
  });

  it('runs every command and prints what the README shows', () => {
    const commands = tourCommands();
    expect(commands.length).toBeGreaterThan(15);
    const failures: string[] = [];
    // One shell session, as a reader's terminal: `export` lines carry over to the commands after them.
    const exported: Record<string, string> = {};
    for (const shown of commands) {
      const exports = /^export ((?:\w+=\S+\s*)+)$/.exec(shown.command);
      if (exports) {
        for (const pair of (exports[1] ?? '').trim().split(/\s+/)) {
          const [name = '', ...value] = pair.split('=');
          exported[name] = toRun(value.join('='));
        }
        continue;
      }
      // A command the README shows failing says so: `# exits 1`.
      const expectedStatus = Number(/# exits (\d+)$/.exec(shown.command)?.[1] ?? 0);
      const run = spawnSync('bash', ['-c', toRun(shown.command)], {
        cwd: root,
        env: { ...process.env, ...exported, PORT: String(port) },
        encoding: 'utf8',
        timeout: 30_000,
      });
      const output = toShown(`${run.stdout}${run.stderr}`)
        .split('\n')
        .filter((line) => !/^> |^$/.test(line));
      if (run.status !== expectedStatus) failures.push(`$ ${shown.command}\n  exit ${run.status}\n  ${output.join('\n  ')}`);
      const mismatch = outputMismatch(shown.output, output);
      if (mismatch !== undefined) failures.push(`$ ${shown.command}\n  README shows: ${mismatch}\n  got:\n    ${output.join('\n    ')}`);
    }
    expect(failures).toEqual([]);
  }, 600_000);
});
