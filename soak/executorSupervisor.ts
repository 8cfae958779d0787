import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { ChildMessage, ExecutorChildConfig } from './executorChild';

/** One SIGKILL of the executor process. */
export interface KillRecord {
  n: number;
  /** ms since the soak started. */
  atMs: number;
  pid: number;
  /** How long after an invocation started the kill came (ms). */
  afterInvocationStartMs: number;
  /** Invocations running when it came, and the jobs in them. */
  invocationsInFlight: number;
  jobsInFlight: string[];
  /** From the kill until the next executor process was ready (ms). */
  restartMs: number;
}

export interface SupervisorHooks {
  onInvocationStart(jobIds: string[]): void;
  onInvocationEnd(succeeded: string[], failed: string[]): void;
}

/**
 * Runs the executor in a child process (soak/executorChild.ts), kills it with SIGKILL when told, and
 * starts a new one at once, as Lambda would start a new instance.
 */
export class ExecutorSupervisor {
  private child: ChildProcess | undefined;
  /** The current process's running invocations (each process has its own map: a dead one's late reports stay in its own). */
  private inFlight = new Map<number, string[]>();
  private stopping = false;

  private nextInvocationStart: (() => void) | undefined;
  readonly kills: KillRecord[] = [];
  /** Executor processes started (the first included). */
  processes = 0;
  /** Exits nobody asked for. */
  readonly crashes: Array<{ pid: number; code: number | null; signal: string | null }> = [];

  constructor(
    private readonly config: ExecutorChildConfig,
    private readonly hooks: SupervisorHooks,
    private readonly logFd: number,
    /** The clock of `KillRecord.atMs`. */
    private readonly startedAt = Date.now(),
  ) {}

  /** Starts an executor process; resolves once it polls the queue. */
  async start(): Promise<void> {
    const child = fork(path.join(__dirname, 'executorChild.ts'), [], {
      execArgv: ['--import', 'tsx'],
      env: { ...process.env, SOAK_EXECUTOR_CONFIG: JSON.stringify(this.config) },
      stdio: ['ignore', this.logFd, this.logFd, 'ipc'],
    });
    this.child = child;
    this.processes += 1;
    const inFlight = new Map<number, string[]>();
    this.inFlight = inFlight;
    const ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the executor process did not start within 60 s')), 60_000);
      child.on('message', (message: ChildMessage) => {
        if (message.type === 'ready') {
          clearTimeout(timer);
          resolve();
        } else if (message.type === 'invocation-start') {
          inFlight.set(message.invocation, message.jobIds);
          this.hooks.onInvocationStart(message.jobIds);
          this.nextInvocationStart?.();
        } else if (message.type === 'invocation-end') {
          inFlight.delete(message.invocation);
          this.hooks.onInvocationEnd(message.succeeded, message.failed);
        }
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        if (this.child !== child) return;
        this.child = undefined;
        if (this.stopping || signal === 'SIGKILL') return;
        // Not ours: note it and start another, as Lambda would.
        this.crashes.push({ pid: child.pid ?? 0, code, signal });
        reject(new Error(`the executor process exited (${code ?? signal})`));
        void this.start().catch((error: unknown) => console.error('[soak] could not restart the executor', error));
      });
    });
    await ready;
  }

  /**
   * SIGKILL the executor process mid-batch: at the next invocation start (or at once when one is
   * already running), `delayMs` later; then `whileDown`, then start a new process.
   */
  async killMidBatch(delayMs: number, whileDown?: (jobsInFlight: string[]) => Promise<void>): Promise<KillRecord> {
    if (this.inFlight.size === 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 10_000);
        this.nextInvocationStart = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.nextInvocationStart = undefined;
    }
    const sawStartAt = Date.now();
    await new Promise((resolve) => setTimeout(resolve, delayMs));
    const child = this.child;
    if (!child?.pid) throw new Error('no executor process to kill');
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const killedAt = Date.now();
    process.kill(child.pid, 'SIGKILL');
    await exited;
    // What was in flight, once the reports the process wrote before it died have been read: an
    // invocation that started just before the kill counts, one that ended just before does not.
    await new Promise((resolve) => setTimeout(resolve, 50));
    const jobsInFlight = [...this.inFlight.values()].flat();
    const invocationsInFlight = this.inFlight.size;
    // Nothing runs the killed jobs now (they come back after the visibility timeout): look at them as they were left.
    await whileDown?.(jobsInFlight);
    await this.start();
    const record: KillRecord = {
      n: this.kills.length + 1,
      atMs: killedAt - this.startedAt,
      pid: child.pid,
      afterInvocationStartMs: killedAt - sawStartAt,
      invocationsInFlight,
      jobsInFlight,
      restartMs: Date.now() - killedAt,
    };
    this.kills.push(record);
    return record;
  }

  /** Stops the executor process (SIGTERM: it finishes what it runs, then exits). */
  async stop(): Promise<void> {
    this.stopping = true;
    const child = this.child;
    if (!child?.pid) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    process.kill(child.pid, 'SIGTERM');
    const timer = setTimeout(() => {
      if (child.pid && child.exitCode === null) process.kill(child.pid, 'SIGKILL');
    }, 15_000);
    await exited;
    clearTimeout(timer);
  }
}
