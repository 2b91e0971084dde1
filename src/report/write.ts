// Node-only edge of the report layer: writes report.html and a bundle's README.md atomically
// (temp file in the same folder, fsync, rename), so a crash or a reader mid-write never sees
// half a page.
import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { version } from '../version.js';
import { type RenderReportOptions, renderReport } from './html.js';
import { renderModelCard } from './model-card.js';
import type { ModelCard, RunReport } from './types.js';

export const REPORT_FILE = 'report.html';
export const MODEL_CARD_FILE = 'README.md';

/** Replaces `file` in one step; the temp file is removed if anything fails before the rename. */
export async function writeFileAtomic(file: string, content: string | Uint8Array): Promise<void> {
  const dir = path.dirname(file);
  await mkdir(dir, { recursive: true });
  const tmp = path.join(
    dir,
    `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`,
  );
  try {
    const fh = await open(tmp, 'w');
    try {
      await fh.writeFile(content);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

/** Renders the run report and writes `<outDir>/report.html`. Returns the file's path. */
export async function writeReport(
  outDir: string,
  run: RunReport,
  options: RenderReportOptions = {},
): Promise<string> {
  const html = await renderReport(run, { generator: `visiontune ${version}`, ...options });
  const file = path.join(outDir, REPORT_FILE);
  await writeFileAtomic(file, html);
  return file;
}

/** Writes the model card as `<bundleDir>/README.md`. Returns the file's path. */
export async function writeModelCard(bundleDir: string, card: ModelCard): Promise<string> {
  const file = path.join(bundleDir, MODEL_CARD_FILE);
  await writeFileAtomic(file, renderModelCard(card));
  return file;
}
