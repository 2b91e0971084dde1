// A studio run's folder PROJECT/runs/<id>/ and the files the studio keeps there beside the CLI's
// own (bundle/, report.html, metrics.jsonl, evaluation.json, checkpoints/): studio-run.json (what
// was started and how it went, written atomically at every change), studio-config.json (the
// options, as the CLI's --config JSON takes them) and events.jsonl (the CLI's --events file).
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from '../../engine/file-io.js';
import { HttpError } from '../../serve/http-error.js';
import type { RunCommand, RunStatus } from '../api-types.js';
import { RUNS_DIR } from '../projects/layout.js';
import { isRunCommand } from './run-commands.js';

export const RUN_FILE = 'studio-run.json';
export const CONFIG_FILE = 'studio-config.json';
export const EVENTS_FILE = 'events.jsonl';
export const BUNDLE_DIR = 'bundle';
export const REPORT_FILE = 'report.html';
export const METRICS_FILE = 'metrics.jsonl';
export const EXPORTS_DIR = 'exports';

/**
 * Moves an ended attempt's events.jsonl aside (events.attempt-<n>.jsonl), so the stream of a
 * resumed run shows only the new attempt (its earlier epochs come from metrics.jsonl).
 */
export async function setAsideEvents(dir: string): Promise<void> {
  const earlier = (await fs.readdir(dir)).filter((f) => /^events\.attempt-\d+\.jsonl$/.test(f));
  await fs
    .rename(
      path.join(dir, EVENTS_FILE),
      path.join(dir, `events.attempt-${earlier.length + 1}.jsonl`),
    )
    .catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
    });
}

/** A run folder's name: one path segment, not hidden (so never '.' or '..'). */
export const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export const RUN_STATUSES = [
  'queued',
  'running',
  'completed',
  'failed',
  'cancelled',
  'interrupted',
] as const satisfies readonly RunStatus[];

/** Statuses a run leaves only by a resume. */
export const ENDED: ReadonlySet<RunStatus> = new Set([
  'completed',
  'failed',
  'cancelled',
  'interrupted',
]);

const recordSchema = z.object({
  command: z.custom<RunCommand>(
    (v) => typeof v === 'string' && isRunCommand(v),
    'not a run command',
  ),
  options: z.record(z.string(), z.unknown()),
  status: z.enum(RUN_STATUSES),
  createdAt: z.string(),
  startedAt: z.string().optional(),
  endedAt: z.string().optional(),
  pid: z.number().int().optional(),
  exitCode: z.number().int().nullable().optional(),
  error: z.string().optional(),
  /** The next start continues from the last checkpoint. */
  resume: z.boolean().optional(),
});

export type RunRecord = z.output<typeof recordSchema>;

/** A new run id: the time (sorts as it was created) and a random tail (unique). */
export function newRunId(now = new Date()): string {
  const time = now.toISOString().replace(/[:.]/g, '-').replace('T', '_').replace('Z', '');
  return `${time}-${randomBytes(3).toString('hex')}`;
}

export const runsDir = (project: string) => path.join(project, RUNS_DIR);

/** The folder of run `id` of `project`; 400 for an id that is not a run folder name. */
export function runDir(project: string, id: string): string {
  if (!RUN_ID.test(id))
    throw new HttpError(400, 'BAD_RUN_ID', `'${id}' is not a run id (one folder name under runs/)`);
  return path.join(runsDir(project), id);
}

/** studio-run.json of a run folder; undefined when there is none (a CLI run). */
export async function readRunRecord(dir: string): Promise<RunRecord | undefined> {
  let text: string;
  try {
    text = await fs.readFile(path.join(dir, RUN_FILE), 'utf8');
  } catch {
    return undefined;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {}
  const parsed = recordSchema.safeParse(json);
  if (!parsed.success)
    throw new HttpError(
      500,
      'DAMAGED_RUN',
      `${path.join(dir, RUN_FILE)}: not a valid run file (${parsed.error.issues[0]?.message})`,
    );
  return parsed.data;
}

export async function writeRunRecord(dir: string, record: RunRecord): Promise<void> {
  await writeFileAtomic(path.join(dir, RUN_FILE), `${JSON.stringify(record, null, 2)}\n`);
}

export const exists = (file: string) =>
  fs.stat(file).then(
    () => true,
    () => false,
  );
