// Runs as the API shows them, read from the run folders: a studio run from its studio-run.json,
// a run the CLI wrote into PROJECT/runs/ (no studio-run.json) from its files alone — completed
// when its bundle is there, with the bundle's metrics. Details add the configuration, the CLI
// line that reproduces the run, the epoch history and the classification evaluation.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import {
  EVALUATION_FILE,
  type EvaluationFile,
} from '../../methods/classification/evaluation-file.js';
import { HttpError } from '../../serve/http-error.js';
import { MetricsLog } from '../../train/metrics-log.js';
import type { RunCommand, RunDetail, RunSummary } from '../api-types.js';
import { fieldFlags, RUN_COMMANDS } from './run-commands.js';
import {
  BUNDLE_DIR,
  CONFIG_FILE,
  exists,
  METRICS_FILE,
  REPORT_FILE,
  RUN_ID,
  readRunRecord,
  runDir,
  runsDir,
} from './run-files.js';

const BUNDLE_META = 'visiontune.json';

async function readJson(file: string): Promise<unknown> {
  try {
    return JSON.parse(await fs.readFile(file, 'utf8'));
  } catch {
    return undefined;
  }
}

interface BundleMetaView {
  metrics?: Record<string, unknown>;
  training?: Record<string, unknown>;
}

const bundleMeta = async (dir: string) =>
  (await readJson(path.join(dir, BUNDLE_DIR, BUNDLE_META))) as BundleMetaView | undefined;

const numbersOf = (values: Record<string, unknown> = {}) =>
  Object.fromEntries(
    Object.entries(values).filter((e): e is [string, number] => typeof e[1] === 'number'),
  );

/** The summary of the run in folder `dir` (named `id`), or undefined when it is no run folder. */
export async function summaryAt(dir: string, id: string): Promise<RunSummary | undefined> {
  const stat = await fs.stat(dir).catch(() => undefined);
  if (!stat?.isDirectory()) return undefined;
  const record = await readRunRecord(dir).catch((err: Error) => err);
  if (record instanceof Error)
    // A damaged studio-run.json: listed, with what is wrong, rather than failing the whole list.
    return {
      id,
      command: 'cli',
      origin: 'studio',
      status: 'failed',
      createdAt: stat.birthtime.toISOString(),
      error: record.message,
      hasBundle: false,
      hasReport: false,
    };
  const meta = await bundleMeta(dir);
  const history = await MetricsLog.read(path.join(dir, METRICS_FILE));
  const config = record?.options ?? meta?.training ?? {};
  const epochs = typeof config.epochs === 'number' ? config.epochs : undefined;
  const common = {
    id,
    hasBundle: meta !== undefined,
    hasReport: await exists(path.join(dir, REPORT_FILE)),
    ...(meta?.metrics && { metrics: numbersOf(meta.metrics) }),
    ...(history.length > 0 && { epoch: history.at(-1)!.epoch }),
    ...(epochs !== undefined && { epochs }),
  };
  if (!record)
    return {
      ...common,
      command: 'cli',
      origin: 'cli',
      // Without the studio's record, a finished run is one whose bundle was written.
      status: meta ? 'completed' : 'interrupted',
      createdAt: stat.birthtime.toISOString(),
    };
  return {
    ...common,
    command: record.command,
    origin: 'studio',
    status: record.status,
    createdAt: record.createdAt,
    ...(record.startedAt && { startedAt: record.startedAt }),
    ...(record.endedAt && { endedAt: record.endedAt }),
    ...(record.error && { error: record.error }),
  };
}

/** The run `id` of `project`; 404 when there is none. */
export async function runSummary(project: string, id: string): Promise<RunSummary> {
  const summary = await summaryAt(runDir(project, id), id);
  if (!summary) throw new HttpError(404, 'UNKNOWN_RUN', `no run '${id}' in this project`);
  return summary;
}

/** Every run folder of `project`, newest first. */
export async function listRuns(project: string): Promise<RunSummary[]> {
  const entries = await fs.readdir(runsDir(project), { withFileTypes: true }).catch(() => []);
  const runs = await Promise.all(
    entries
      .filter((e) => e.isDirectory() && RUN_ID.test(e.name))
      .map((e) => summaryAt(path.join(runsDir(project), e.name), e.name)),
  );
  return runs
    .filter((r): r is RunSummary => r !== undefined)
    .sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id));
}

/** An image id as the project names it: project-relative with '/', or absolute outside it. */
export function projectImageId(project: string, file: string): string {
  const relative = path.relative(project, path.resolve(project, file));
  if (relative.startsWith('..') || path.isAbsolute(relative)) return file;
  return relative.split(path.sep).join('/');
}

/** The CLI arguments of a studio run: command words, the project's data flags, --config. */
export async function runArgs(
  project: string,
  dir: string,
  command: RunCommand,
): Promise<string[]> {
  const { words, fill } = RUN_COMMANDS[command];
  return [
    ...words,
    ...(await fieldFlags(command, await fill(project, dir))),
    '--config',
    path.join(dir, CONFIG_FILE),
  ];
}

const quote = (s: string) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

export async function runDetail(project: string, id: string): Promise<RunDetail> {
  const summary = await runSummary(project, id);
  const dir = runDir(project, id);
  const record = await readRunRecord(dir);
  const config = record
    ? (((await readJson(path.join(dir, CONFIG_FILE))) as Record<string, unknown>) ?? record.options)
    : ((await bundleMeta(dir))?.training ?? {});
  const evaluation = (await readJson(path.join(dir, EVALUATION_FILE))) as
    | EvaluationFile
    | undefined;
  return {
    summary,
    config,
    ...(record && {
      cli: ['visiontune', ...(await runArgs(project, dir, record.command))].map(quote).join(' '),
    }),
    history: await MetricsLog.read(path.join(dir, METRICS_FILE)),
    ...(evaluation?.predictions && {
      evaluation: {
        ...evaluation,
        predictions: evaluation.predictions.map((p) => ({
          ...p,
          id: projectImageId(project, p.id),
        })),
      },
    }),
  };
}
