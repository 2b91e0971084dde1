// Node-only edge of the report layer: writes report.html and a bundle's README.md atomically
// (engine/file-io's writeFileAtomic), so a crash or a reader mid-write never sees half a page.
import path from 'node:path';
import { writeFileAtomic } from '../engine/file-io.js';
import { version } from '../version.js';
import { type RenderReportOptions, renderReport } from './html.js';
import { renderModelCard } from './model-card.js';
import type { ModelCard, RunReport } from './types.js';

export const REPORT_FILE = 'report.html';
export const MODEL_CARD_FILE = 'README.md';

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
