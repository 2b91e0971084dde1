// The studio's runs as processes: start (validate, make the run folder, queue), the child's life
// written to studio-run.json (queued → running → completed | failed | cancelled | interrupted),
// cancel, resume (requeued with --resume: the loop continues from its last checkpoint), and a
// server restart: runs left 'running' by a process that is gone become 'interrupted', 'queued'
// ones are queued again in the order they were made; closing the app stops the running child and
// marks it 'interrupted'.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../../engine/file-io.js';
import { processAlive } from '../../guard/lock.js';
import { writeOwner } from '../../guard/owner.js';
import { RUN_KIND } from '../../methods/run-template.js';
import { HttpError } from '../../serve/http-error.js';
import type { CliRunEvent } from '../../train/run-events.js';
import type { QueueState, RunSummary } from '../api-types.js';
import { projectDir, projectNames, readProjectMeta } from '../projects/meta-file.js';
import { type Job, type JobEnd, JobQueue } from './job-queue.js';
import {
  declaredRunCommand,
  fieldFlags,
  runCommandSpec,
  validateRunOptions,
} from './run-commands.js';
import {
  CONFIG_FILE,
  EVENTS_FILE,
  newRunId,
  RUN_ID,
  type RunRecord,
  readRunRecord,
  runDir,
  runsDir,
  setAsideEvents,
  writeRunRecord,
} from './run-files.js';
import { runArgs, runSummary } from './run-store.js';

/** Signals that stop a process without it failing. */
const STOP_SIGNALS: ReadonlySet<string> = new Set(['SIGINT', 'SIGTERM', 'SIGHUP']);

/** Statuses a run may be resumed from. */
const RESUMABLE = new Set(['cancelled', 'interrupted', 'failed']);

/** The last error event of an events file, in the CLI's words. */
async function lastError(file: string): Promise<string | undefined> {
  const text = await fs.readFile(file, 'utf8').catch(() => '');
  let message: string | undefined;
  for (const line of text.split('\n')) {
    try {
      const event = JSON.parse(line) as CliRunEvent;
      if (event.type === 'error') message = event.message;
    } catch {}
  }
  return message;
}

/** What a failed process said: its error event, else the last lines of its stderr. */
async function failure(dir: string, end: JobEnd): Promise<string> {
  if (end.spawnError) return `could not start the CLI: ${end.spawnError.message}`;
  const said = await lastError(path.join(dir, EVENTS_FILE));
  if (said) return said;
  const tail = end.stderr.trim().split('\n').slice(-5).join('\n');
  return tail || `the CLI exited with ${end.signal ?? `code ${end.code}`}`;
}

export class RunManager {
  readonly queue: JobQueue;

  constructor(
    /** The projects folder. */
    private readonly dir: string,
    /** The lock file that keeps one run on the machine across studios. */
    machineLock?: string,
    graceMs?: number,
  ) {
    this.queue = new JobQueue(graceMs, machineLock);
  }

  private projectFolder = (name: string) => projectDir(this.dir, name);

  /** Validates and queues a run of `command` with `options` in project `name`. */
  async start(name: string, command: string, options: unknown): Promise<RunSummary> {
    const meta = await readProjectMeta(this.dir, name);
    const spec = runCommandSpec(command);
    if (!spec.tasks.includes(meta.task))
      throw new HttpError(
        400,
        'BAD_COMMAND',
        `command: '${command}' does not fit a ${meta.task} project (it fits ${spec.tasks.join(', ')})`,
      );
    if (typeof options !== 'object' || options === null || Array.isArray(options))
      throw new HttpError(400, 'BAD_OPTIONS', 'options: expected an object of option fields');
    const project = this.projectFolder(name);
    const id = newRunId();
    const dir = runDir(project, id);
    const opts = options as Record<string, unknown>;
    await validateRunOptions(spec.name, opts, await spec.fill(project, dir));
    await fs.mkdir(dir, { recursive: true });
    // Marked as a visiontune run folder, so the CLI's --out claim accepts the studio's files.
    await writeOwner(dir, RUN_KIND);
    await writeFileAtomic(path.join(dir, CONFIG_FILE), `${JSON.stringify(opts, null, 2)}\n`);
    await writeRunRecord(dir, {
      command: spec.name,
      options: opts,
      status: 'queued',
      createdAt: new Date().toISOString(),
    });
    this.enqueue(name, id);
    return runSummary(project, id);
  }

  /** Cancels a queued or running run: the queued one is removed, the running one stopped. */
  async cancel(name: string, id: string): Promise<RunSummary> {
    const project = this.projectFolder(name);
    const dir = runDir(project, id);
    const record = await this.studioRecord(name, id);
    const match = (job: Job) => job.project === name && job.run === id;
    if (record.status === 'queued') {
      // Waiting in this queue, or its current job waiting for the machine's lock (stopping that
      // one writes its record); a record alone is just marked.
      if (this.queue.remove(match) || !(await this.queue.stop(match, 'cancel')))
        await writeRunRecord(dir, {
          ...record,
          status: 'cancelled',
          endedAt: new Date().toISOString(),
        });
    } else if (record.status === 'running') {
      if (!(await this.queue.stop(match, 'cancel')))
        throw new HttpError(409, 'NOT_RUNNING', `run '${id}' is not running in this studio`);
    } else
      throw new HttpError(409, 'RUN_ENDED', `run '${id}' is ${record.status}; nothing to cancel`);
    return runSummary(project, id);
  }

  /** Queues a cancelled, interrupted or failed run again, continuing from its last checkpoint. */
  async resume(name: string, id: string): Promise<RunSummary> {
    const project = this.projectFolder(name);
    const record = await this.studioRecord(name, id);
    if (!RESUMABLE.has(record.status))
      throw new HttpError(
        409,
        'NOT_RESUMABLE',
        `run '${id}' is ${record.status}; only cancelled, interrupted or failed runs resume`,
      );
    const { error: _error, endedAt: _endedAt, exitCode: _exit, pid: _pid, ...rest } = record;
    await setAsideEvents(runDir(project, id));
    await writeRunRecord(runDir(project, id), { ...rest, status: 'queued', resume: true });
    this.enqueue(name, id);
    return runSummary(project, id);
  }

  queueState(): QueueState {
    const running = this.queue.running();
    return {
      ...(running && { running: { project: running.project, run: running.run } }),
      queued: this.queue.queued().map((j) => ({ project: j.project, run: j.run })),
    };
  }

  /**
   * After a start: runs whose process is gone are marked interrupted, queued runs are queued
   * again, oldest first.
   */
  async restore(): Promise<void> {
    const queued: { name: string; id: string; createdAt: string }[] = [];
    for (const name of await projectNames(this.dir)) {
      const folder = this.projectFolder(name);
      for (const run of await fs.readdir(runsDir(folder)).catch(() => [])) {
        if (!RUN_ID.test(run)) continue;
        const dir = runDir(folder, run);
        const record = await readRunRecord(dir).catch(() => undefined);
        if (record?.status === 'running' && !(record.pid && processAlive(record.pid)))
          await writeRunRecord(dir, {
            ...record,
            status: 'interrupted',
            endedAt: new Date().toISOString(),
          });
        if (record?.status === 'queued')
          queued.push({ name, id: run, createdAt: record.createdAt });
      }
    }
    queued.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
    for (const { name, id } of queued) this.enqueue(name, id);
  }

  /** Stops the running child (marked interrupted); queued runs stay queued on disk. */
  close(): Promise<void> {
    return this.queue.close();
  }

  /** studio-run.json of a run, 404 for no run, 409 for a run the CLI made (no studio record). */
  private async studioRecord(name: string, id: string): Promise<RunRecord> {
    await readProjectMeta(this.dir, name);
    const project = this.projectFolder(name);
    const summary = await runSummary(project, id);
    const record = await readRunRecord(runDir(project, id));
    if (!record)
      throw new HttpError(
        409,
        'CLI_RUN',
        `run '${id}' was made by the CLI (${summary.status}); the studio only controls its own runs`,
      );
    return record;
  }

  private enqueue(name: string, id: string): void {
    const project = this.projectFolder(name);
    const dir = runDir(project, id);
    const update = async (change: (r: RunRecord) => RunRecord) => {
      const record = await readRunRecord(dir);
      if (record) await writeRunRecord(dir, change(record));
    };
    this.queue.add({
      project: name,
      run: id,
      cwd: project,
      args: async () => {
        const record = await readRunRecord(dir);
        if (!record) throw new Error(`${dir}: the run's record is gone`);
        const resume =
          record.resume &&
          (await declaredRunCommand(record.command)).options.fields.resume !== undefined;
        return [
          ...(await runArgs(project, dir, record.command)),
          ...(resume ? await fieldFlags(record.command, { resume: true }) : []),
          '--events',
          path.join(dir, EVENTS_FILE),
          '--json',
        ];
      },
      onStart: (pid) =>
        update((r) => ({ ...r, status: 'running', startedAt: new Date().toISOString(), pid })),
      onEnd: async (end) => {
        // A studio closing while the run waited for the machine: it stays queued, for the next.
        if (end.notStarted && end.stopped === 'close') return;
        // Stopped by a signal from elsewhere (a shutdown): resumable like a studio shutdown.
        const killed = end.signal !== null && STOP_SIGNALS.has(end.signal);
        const status = end.stopped
          ? end.stopped === 'cancel'
            ? 'cancelled'
            : 'interrupted'
          : end.code === 0
            ? 'completed'
            : killed
              ? 'interrupted'
              : 'failed';
        const error = status === 'failed' ? await failure(dir, end) : undefined;
        await update(({ pid: _pid, error: _error, ...r }) => ({
          ...r,
          status,
          endedAt: new Date().toISOString(),
          exitCode: end.code,
          ...(error && { error }),
        }));
      },
    });
  }
}
