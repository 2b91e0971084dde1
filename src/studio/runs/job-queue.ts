// One CLI child process at a time on this machine, in FIFO order across projects: training runs
// and the export jobs (ONNX, quantization) share it, because each takes the whole machine. Other
// studios on the machine (other project folders) are kept out by a lock file that a job holds
// while its process runs; a job waiting for it stays queued. A job
// is the CLI's arguments plus what to do when its process starts and ends; stopping a job sends
// SIGTERM, then SIGKILL after a grace period. The queue knows nothing about run folders.
import { type ChildProcess, spawn } from 'node:child_process';
import { acquireLock, type Lock } from '../../guard/lock.js';
import { cliNodeArgs } from './cli-entry.js';

/** Why a job's process was stopped (it ended by itself when undefined). */
export type StopCause = 'cancel' | 'close';

export interface JobEnd {
  code: number | null;
  signal: NodeJS.Signals | null;
  stopped?: StopCause;
  /** The end of its stderr, for a failure that wrote no error event. */
  stderr: string;
  /** Set when the process could not start. */
  spawnError?: Error;
  /** Stopped before its process started (while it waited for the machine). */
  notStarted?: true;
}

export interface Job {
  project: string;
  run: string;
  /** The CLI's arguments after the node arguments (command words first). */
  args(): Promise<string[]>;
  cwd: string;
  onStart(pid: number): Promise<void>;
  onEnd(end: JobEnd): Promise<void>;
}

const STDERR_TAIL = 4000;

interface Current {
  job: Job;
  child?: ChildProcess;
  stopped?: StopCause;
  ended: Promise<void>;
  /** Aborts the wait for the machine's lock (a stop before the process started). */
  waiting: AbortController;
}

export class JobQueue {
  private readonly waiting: Job[] = [];
  private current?: Current;
  private closed = false;

  constructor(
    /** How long a stopped process has after SIGTERM before SIGKILL. */
    private readonly graceMs = 5000,
    /** The lock file that keeps one job running on the machine (none: this queue alone). */
    private readonly machineLock?: string,
  ) {}

  add(job: Job): void {
    if (this.closed) return;
    this.waiting.push(job);
    this.next();
  }

  /**
   * Removes a waiting job; false when it is not waiting (a job waiting for the machine's lock is
   * already the current one: stop it).
   */
  remove(match: (job: Job) => boolean): boolean {
    const index = this.waiting.findIndex(match);
    if (index < 0) return false;
    this.waiting.splice(index, 1);
    return true;
  }

  running(): Job | undefined {
    return this.current?.job;
  }

  queued(): readonly Job[] {
    return this.waiting;
  }

  /** Stops the running job if it matches; resolves once its process ended and onEnd ran. */
  async stop(match: (job: Job) => boolean, cause: StopCause): Promise<boolean> {
    const current = this.current;
    if (!current || !match(current.job)) return false;
    current.stopped ??= cause;
    current.waiting.abort();
    const child = current.child;
    if (child && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), this.graceMs);
      await current.ended;
      clearTimeout(timer);
    } else await current.ended;
    return true;
  }

  /** Takes no more jobs, and stops the running one (its onEnd sees cause 'close'). */
  async close(): Promise<void> {
    this.closed = true;
    this.waiting.length = 0;
    await this.stop(() => true, 'close');
  }

  private next(): void {
    if (this.current || this.closed) return;
    const job = this.waiting.shift();
    if (!job) return;
    let finish!: () => void;
    const ended = new Promise<void>((resolve) => {
      finish = resolve;
    });
    const current: Current = { job, ended, waiting: new AbortController() };
    this.current = current;
    this.launch(current).finally(() => {
      this.current = undefined;
      finish();
      this.next();
    });
  }

  private async launch(current: Current): Promise<void> {
    const { job } = current;
    let args: string[];
    try {
      args = await job.args();
    } catch (err) {
      return job.onEnd({ code: null, signal: null, stderr: '', spawnError: err as Error });
    }
    let lock: Lock | undefined;
    if (this.machineLock)
      lock = await acquireLock(this.machineLock, "the machine's training slot", {
        wait: true,
        signal: current.waiting.signal,
      }).catch(() => undefined);
    try {
      if (current.stopped)
        return job.onEnd({
          code: null,
          signal: null,
          stopped: current.stopped,
          stderr: '',
          notStarted: true,
        });
      await this.runChild(current, args);
    } finally {
      await lock?.release();
    }
  }

  private async runChild(current: Current, args: string[]): Promise<void> {
    const { job } = current;
    const child = spawn(process.execPath, [...cliNodeArgs(), ...args], {
      cwd: job.cwd,
      stdio: ['ignore', 'ignore', 'pipe'],
      // Its own process group: Ctrl-C at the studio's terminal stops the studio, which then stops
      // the child itself (and marks the run interrupted) instead of the child dying first.
      detached: true,
    });
    current.child = child;
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString('utf8')).slice(-STDERR_TAIL);
    });
    const exit = new Promise<JobEnd>((resolve) => {
      child.once('error', (err) => resolve({ code: null, signal: null, stderr, spawnError: err }));
      child.once('close', (code, signal) => resolve({ code, signal, stderr }));
    });
    if (child.pid !== undefined) await job.onStart(child.pid);
    const end = await exit;
    await job.onEnd(
      current.stopped ? { ...end, stderr, stopped: current.stopped } : { ...end, stderr },
    );
  }
}
