// Node-only edge of the report layer: writes the HTML pages and a bundle's README.md atomically
// (engine/file-io's writeFileAtomic), so a crash or a reader mid-write never sees half a page.
import path from 'node:path';
import { writeFileAtomic } from '../engine/file-io.js';
import { version } from '../version.js';
import { renderReport } from './html.js';
import { renderModelCard } from './model-card.js';
import type { RenderReportOptions } from './page.js';
import type { ModelCard, RunReport } from './types.js';

export const REPORT_FILE = 'report.html';
export const MODEL_CARD_FILE = 'README.md';

/**
 * Renders a page with this visiontune's version in the footer (unless `options` names another
 * generator) and writes it to `file`. Returns the file's path.
 */
export async function writePage<R>(
  file: string,
  render: (report: R, options: RenderReportOptions) => Promise<string>,
  report: R,
  options: RenderReportOptions = {},
): Promise<string> {
  const html = await render(report, { generator: `visiontune ${version}`, ...options });
  await writeFileAtomic(file, html);
  return file;
}

/** Renders the run report and writes `<outDir>/report.html`. Returns the file's path. */
export async function writeReport(
  outDir: string,
  run: RunReport,
  options: RenderReportOptions = {},
): Promise<string> {
  return writePage(path.join(outDir, REPORT_FILE), renderReport, run, options);
}

/** Writes the model card as `<bundleDir>/README.md`. Returns the file's path. */
export async function writeModelCard(bundleDir: string, card: ModelCard): Promise<string> {
  const file = path.join(bundleDir, MODEL_CARD_FILE);
  await writeFileAtomic(file, renderModelCard(card));
  return file;
}
