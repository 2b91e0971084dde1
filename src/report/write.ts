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

type RenderPage<R> = (report: R, options: RenderReportOptions) => Promise<string>;

/**
 * Renders a page with this visiontune's version in the footer (unless `options` names another
 * generator) and writes it to `file`. Returns the file's path.
 */
export async function writePage<R>(
  file: string,
  render: RenderPage<R>,
  report: R,
  options: RenderReportOptions = {},
): Promise<string> {
  const html = await render(report, { generator: `visiontune ${version}`, ...options });
  await writeFileAtomic(file, html);
  return file;
}

/** `(file, report, options?) => path`: writes `render`'s page to the file given. */
export function fileWriter<R>(render: RenderPage<R>) {
  return (file: string, report: R, options: RenderReportOptions = {}): Promise<string> =>
    writePage(file, render, report, options);
}

/** `(dir, report, options?) => path`: writes `render`'s page as `<dir>/<name>`. */
export function folderWriter<R>(name: string, render: RenderPage<R>) {
  return (dir: string, report: R, options: RenderReportOptions = {}): Promise<string> =>
    writePage(path.join(dir, name), render, report, options);
}

/** Renders the run report and writes `<outDir>/report.html`. Returns the file's path. */
export const writeReport = folderWriter<RunReport>(REPORT_FILE, renderReport);

/** Writes the model card as `<bundleDir>/README.md`. Returns the file's path. */
export async function writeModelCard(bundleDir: string, card: ModelCard): Promise<string> {
  const file = path.join(bundleDir, MODEL_CARD_FILE);
  await writeFileAtomic(file, renderModelCard(card));
  return file;
}
