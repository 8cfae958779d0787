import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { LocalStack } from '../../local/localStack';
import { startTestStack } from '../support/localStackHarness';

/**
 * `npm run line` / `npm run messenger` (local/chat.ts), run as package.json runs them, against a local
 * stack: the answer is printed and the exit status says whether one came.
 */

const ROOT = join(__dirname, '..', '..');
/** The brand answers this late, so a card's answer can be waited for in vain (`--wait 1`). */
const BRAND_LATENCY_MS = 2_500;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Run `npm run <script> -- <args>` as package.json spells the script, without npm in between. */
function runScript(script: 'line' | 'messenger', args: string[], env: Record<string, string | undefined>): Promise<Run> {
  const scripts = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
  const [command, ...baseArgs] = (scripts[script] ?? '').split(' ');
  const childEnv: NodeJS.ProcessEnv = { ...process.env, CALLCARD_API_URL: undefined, PORT: undefined, ...env };
  const started = Date.now();
  return new Promise((resolve) => {
    execFile(
      command === 'node' ? process.execPath : (command ?? ''),
      [...baseArgs, ...args],
      { cwd: ROOT, env: childEnv, timeout: 20_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({ code, stdout, stderr, ms: Date.now() - started });
      },
    );
  });
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('the chat helpers (npm run line / messenger)', () => {
  let stack: LocalStack;

  beforeAll(async () => {
    stack = await startTestStack({ brandApi: { latencyMs: BRAND_LATENCY_MS } });
  });

  afterAll(async () => {
    await stack.idle();
    await stack.stop();
  });

  test("LINE: prints the answer as it lands, only this customer's, and exits 0", async () => {
    const run = await runScript('line', ['text', 'hello there', '--user', 'U-chat-1'], { CALLCARD_API_URL: stack.url });
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toMatch(/^webhook → 200 \{"ok":true,"queued":1\} \(\d+ ms\)\n/);
    expect(run.stdout).toMatch(
      /reply \(\+\d+ ms\)\n {2}Sorry, I did not catch that\. Try one of these: quick replies: My tickets \/ Best sellers \/ Register\n/,
    );
    // Well within the time a person waits: about 0.7 s to the answer on an idle 2-core machine.
    expect(run.ms).toBeLessThan(5_000);
  });

  test('Messenger: the same, through the Send API stand-in', async () => {
    const run = await runScript('messenger', ['text', 'hello there', '--user', 'PSID-chat-1'], { CALLCARD_API_URL: stack.url });
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toMatch(/send to PSID-chat-1 \(\+\d+ ms\)\n {2}Sorry, I did not catch that\. Try one of these:/);
  });

  test('a webhook answered with a non-2xx: exit 1, and nothing is waited for', async () => {
    const run = await runScript('line', ['text', 'hello', '--user', 'U-chat-2', '--secret', 'not-the-channel-secret'], {
      CALLCARD_API_URL: stack.url,
    });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^webhook → 401 \{"error":"invalid signature"\}/);
    expect(run.stderr).toContain('the webhook was refused (401)');
  });

  test('no answer within --wait: exit 1, with what did come (the loading animation)', async () => {
    const run = await runScript('line', ['text', 'hot', '--user', 'U-chat-3', '--wait', '1'], { CALLCARD_API_URL: stack.url });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('loading to U-chat-3');
    expect(run.stderr).toContain('no answer within 1 s');
    await stack.idle();
  });

  test('nothing listening (PORT): the hint to start the stack, and exit 1', async () => {
    const port = await closedPort();
    const run = await runScript('line', ['text', 'hot'], { PORT: String(port) });
    expect(run.code).toBe(1);
    expect(run.stderr.trim()).toBe(`cannot reach callcard at http://127.0.0.1:${port} (ECONNREFUSED): is the stack running? (npm start)`);
  });

  test('nothing listening (CALLCARD_API_URL): the same hint', async () => {
    const port = await closedPort();
    const run = await runScript('messenger', ['text', 'hot'], { CALLCARD_API_URL: `http://127.0.0.1:${port}/`, PORT: '1' });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`cannot reach callcard at http://127.0.0.1:${port} (ECONNREFUSED): is the stack running? (npm start)`);
  });

  test('the usage names the settings it reads: PORT and CALLCARD_API_URL (exit 2)', async () => {
    const run = await runScript('line', [], {});
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('CALLCARD_API_URL');
    expect(run.stderr).toContain('PORT');
    const help = await runScript('line', ['--help'], {});
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('CALLCARD_API_URL');
  });
});
