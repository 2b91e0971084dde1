// A run's exports, made once and then served from PROJECT/runs/<run>/exports/: the bundle as a
// zip (made here, with fflate), the ONNX model (`visiontune export`) and the uint8-quantized
// bundle as a zip (`visiontune compress quantize`, then zipped); the two CLI jobs wait in the
// same queue as the runs. What is not on disk yet is queued, running or failed in memory.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { zipSync } from 'fflate';
import { writeFileAtomic } from '../../engine/file-io.js';
import { HttpError } from '../../serve/http-error.js';
import type { ExportFormat, ExportState } from '../api-types.js';
import type { JobEnd, JobQueue } from './job-queue.js';
import { BUNDLE_DIR, EXPORTS_DIR, exists, runDir } from './run-files.js';
import { runSummary } from './run-store.js';

/** Each format's file in the exports folder. */
export const EXPORT_FILES: Record<ExportFormat, string> = {
  'bundle-zip': 'bundle.zip',
  onnx: 'model.onnx',
  'quantized-zip': 'quantized.zip',
};

/** The quantized bundle's folder (zipped into quantized.zip). */
const QUANTIZED_DIR = 'quantized';

export const isExportFormat = (name: string): name is ExportFormat =>
  Object.hasOwn(EXPORT_FILES, name);

function exportFormat(name: string): ExportFormat {
  if (!isExportFormat(name))
    throw new HttpError(
      400,
      'BAD_FORMAT',
      `format: '${name}' is not an export format (${Object.keys(EXPORT_FILES).join(', ')})`,
    );
  return name;
}

/** A folder's files as a zip, paths relative to it with '/'. */
async function zipFolder(folder: string, file: string): Promise<void> {
  const files: Record<string, Uint8Array> = {};
  for (const entry of await fs.readdir(folder, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const full = path.join(entry.parentPath, entry.name);
    files[path.relative(folder, full).split(path.sep).join('/')] = await fs.readFile(full);
  }
  await fs.mkdir(path.dirname(file), { recursive: true });
  await writeFileAtomic(file, zipSync(files));
}

export class RunExports {
  /** Jobs not finished with a file: `project/run/format` → state. */
  private readonly pending = new Map<string, ExportState>();

  constructor(
    private readonly dir: string,
    private readonly queue: JobQueue,
  ) {}

  private async folders(name: string, id: string, format: string) {
    const project = path.join(this.dir, name);
    await runSummary(project, id); // 404 for no run
    const run = runDir(project, id);
    const exportsDir = path.join(run, EXPORTS_DIR);
    const valid = exportFormat(format);
    return {
      project,
      run,
      exportsDir,
      format: valid,
      file: path.join(exportsDir, EXPORT_FILES[valid]),
    };
  }

  async state(name: string, id: string, format: string): Promise<ExportState> {
    const f = await this.folders(name, id, format);
    const stat = await fs.stat(f.file).catch(() => undefined);
    if (stat?.isFile())
      return { format: f.format, status: 'ready', file: EXPORT_FILES[f.format], bytes: stat.size };
    return this.pending.get(`${name}/${id}/${f.format}`) ?? { format: f.format, status: 'missing' };
  }

  /** The file of a ready export, for download; 404 while it is not made. */
  async file(name: string, id: string, format: string): Promise<string> {
    const state = await this.state(name, id, format);
    if (state.status !== 'ready')
      throw new HttpError(
        404,
        'NO_EXPORT',
        `the ${state.format} export of run '${id}' is ${state.status}`,
      );
    return (await this.folders(name, id, format)).file;
  }

  /** Makes the export unless it is made or on its way. */
  async request(name: string, id: string, format: string): Promise<ExportState> {
    const f = await this.folders(name, id, format);
    const current = await this.state(name, id, format);
    if (current.status === 'ready' || current.status === 'queued' || current.status === 'running')
      return current;
    const bundle = path.join(f.run, BUNDLE_DIR);
    if (!(await exists(path.join(bundle, 'visiontune.json'))))
      throw new HttpError(409, 'NO_BUNDLE', `run '${id}' has no bundle to export (yet)`);
    if (f.format === 'bundle-zip') {
      await zipFolder(bundle, f.file);
      return this.state(name, id, format);
    }
    const key = `${name}/${id}/${f.format}`;
    const quantized = path.join(f.exportsDir, QUANTIZED_DIR);
    const args =
      f.format === 'onnx'
        ? ['export', '--model', f.run, '--out', f.file]
        : [
            'compress',
            'quantize',
            '--model',
            bundle,
            '--dtype',
            'uint8',
            '--out',
            quantized,
            '--overwrite',
          ];
    this.pending.set(key, { format: f.format, status: 'queued' });
    this.queue.add({
      project: name,
      run: id,
      cwd: f.project,
      args: async () => {
        await fs.mkdir(f.exportsDir, { recursive: true });
        return [...args, '--json'];
      },
      onStart: async () => {
        this.pending.set(key, { format: f.format, status: 'running' });
      },
      onEnd: async (end: JobEnd) => {
        try {
          if (end.code !== 0) throw new Error(end.spawnError?.message ?? lastLines(end.stderr));
          if (f.format === 'quantized-zip') await zipFolder(quantized, f.file);
          this.pending.delete(key);
        } catch (err) {
          this.pending.set(key, {
            format: f.format,
            status: 'failed',
            error: (err as Error).message,
          });
        }
      },
    });
    return this.state(name, id, format);
  }
}

const lastLines = (text: string) =>
  text.trim().split('\n').slice(-5).join('\n') || 'the export stopped without a message';
