import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

/**
 * scripts/ensure-chromium.sh waits for another apt run that holds apt's lock (apt-get exits 100 then),
 * instead of failing; any other apt failure still fails it. apt-get, dpkg-query and id are stand-ins
 * here: nothing is installed.
 */
const SCRIPT = join(__dirname, '../../../scripts/ensure-chromium.sh');
const LOCKED = 'E: Could not get lock /var/lib/dpkg/lock-frontend. It is held by process 4242 (apt-get)';

describe('ensure-chromium.sh and apt lock', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ensure-chromium-'));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** Fake apt-get: each call appends its arguments to calls.log; the first `lockedCalls` calls fail as locked, or with `failWith`. */
  async function run(options: { lockedCalls: number; failWith?: { status: number; message: string } }) {
    const bin = join(dir, 'bin');
    await writeFile(join(dir, 'count'), '0');
    const script = (name: string, body: string) =>
      writeFile(join(bin, name), `#!/usr/bin/env bash\n${body}\n`).then(() => chmod(join(bin, name), 0o755));
    await mkdir(bin);
    await script('id', 'echo 0');
    await script('dpkg-query', 'exit 1');
    await script('chromium', 'echo "Chromium 1.2.3"');
    await script(
      'apt-get',
      [
        `n=$(cat ${dir}/count); n=$((n + 1)); echo $n > ${dir}/count`,
        `echo "$*" >> ${dir}/calls.log`,
        options.failWith ? `echo "${options.failWith.message}" >&2; exit ${options.failWith.status}` : '',
        `if [ $n -le ${options.lockedCalls} ]; then echo "${LOCKED}" >&2; exit 100; fi`,
        // Installing puts the browser where the script looks for it.
        `if [ "$3" = install ]; then cp ${bin}/chromium ${dir}/chromium-installed; fi`,
        'exit 0',
      ].join('\n'),
    );
    const env = {
      ...process.env,
      PATH: `${bin}:${process.env.PATH ?? ''}`,
      ENSURE_CHROMIUM_BIN: join(dir, 'chromium-installed'),
      ENSURE_CHROMIUM_RETRY_SECONDS: '0.05',
    };
    const result = await promisify(execFile)('bash', [SCRIPT], { env }).then(
      (out) => ({ code: 0, ...out }),
      (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }),
    );
    const calls = (await readFile(join(dir, 'calls.log'), 'utf8').catch(() => '')).trim().split('\n');
    return { ...result, calls };
  }

  test('another apt run holds the lock: it waits, then installs (not exit 100)', async () => {
    const result = await run({ lockedCalls: 3 });
    expect(result.stderr).toContain('another apt run holds the lock: waiting');
    expect(result.code).toBe(0);
    // Three refusals for the lock, then the update and the install.
    expect(result.calls.map((c) => c.split(' ')[2])).toEqual(['update', 'update', 'update', 'update', 'install']);
    expect(result.calls[0]).toMatch(/^-o DPkg::Lock::Timeout=600 update/);
    expect(result.stdout).toContain('installing chromium fonts-noto-cjk');
    expect(result.stdout).toContain('Chromium 1.2.3');
  });

  test('any other apt failure is not waited for', async () => {
    const result = await run({ lockedCalls: 0, failWith: { status: 100, message: 'E: Unable to locate package chromium' } });
    expect(result.code).toBe(100);
    expect(result.calls).toHaveLength(1);
    expect(result.stderr).toContain('Unable to locate package chromium');
  });
});
