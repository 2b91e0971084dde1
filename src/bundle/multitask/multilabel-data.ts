// Labelled images for evaluating a multi-label classifier: a CSV manifest (header `path,labels`,
// labels `;`-separated, optional `split`) or JSONL ({"path", "labels": [..] or "a;b", "split"?}),
// paths relative to the manifest and confined to its folder, as the single-label manifest's
// (data/sources/manifest.ts). Kept behind this one function so the multi-task data openers
// (src/data/multitask) can take its place.
import { dirname, extname } from 'node:path';
import { parseCsv } from '../../data/sources/csv.js';
import { badInput } from '../../errors.js';
import { confine, readDocument, refuseReason } from '../../guard/index.js';

const SPLITS = ['train', 'val', 'test'];

export interface MultiLabelSample {
  id: string;
  labels: string[];
  split?: string;
}

const splitLabels = (v: unknown): string[] =>
  (Array.isArray(v) ? v.map(String) : String(v ?? '').split(';'))
    .map((l) => l.trim())
    .filter((l) => l !== '');

function rows(
  text: string,
  file: string,
): { where: string; path: unknown; labels: unknown; split?: unknown }[] {
  if (extname(file).toLowerCase() === '.csv') {
    const records = parseCsv(text);
    const cols = (records.shift()?.fields ?? []).map((h) => h.trim().toLowerCase());
    const [iPath, iLabels, iSplit] = ['path', 'labels', 'split'].map((c) => cols.indexOf(c));
    if (iPath < 0 || iLabels < 0)
      throw badInput(
        `${file}: a multi-label manifest has the columns path,labels (header: ${cols.join(',')})`,
      );
    return records.map((r) => ({
      where: `${file} line ${r.line}`,
      path: r.fields[iPath!]?.trim(),
      labels: r.fields[iLabels!],
      split: iSplit! >= 0 ? r.fields[iSplit!]?.trim() || undefined : undefined,
    }));
  }
  return text.split(/\r?\n/).flatMap((line, i) => {
    if (line.trim() === '') return [];
    const where = `${file} line ${i + 1}`;
    let o: { path?: unknown; labels?: unknown; split?: unknown };
    try {
      o = JSON.parse(line);
    } catch {
      throw badInput(`${where}: invalid JSON`);
    }
    return [{ where, path: o?.path, labels: o?.labels, split: o?.split }];
  });
}

/** The manifest's images with their label sets; any bad row is refused, naming its line. */
export async function readMultiLabelManifest(file: string): Promise<MultiLabelSample[]> {
  const ext = extname(file).toLowerCase();
  if (!['.csv', '.jsonl', '.ndjson'].includes(ext))
    throw badInput(`${file}: a multi-label manifest is a .csv or .jsonl file`);
  const text = await readDocument(file, `Manifest ${file}`);
  const samples: MultiLabelSample[] = [];
  for (const row of rows(text, file)) {
    if (typeof row.path !== 'string' || row.path === '')
      throw badInput(`${row.where}: expected a 'path'`);
    const confined = await confine(dirname(file), row.path);
    if ('reason' in confined) throw badInput(`${row.where}: ${confined.reason}`);
    const refused = await refuseReason(confined.path, 'image');
    if (refused) throw badInput(`${row.where}: ${confined.path}: ${refused}`);
    const split = typeof row.split === 'string' ? row.split : undefined;
    if (split !== undefined && !SPLITS.includes(split))
      throw badInput(`${row.where}: unknown split '${split}' (train, val or test)`);
    samples.push({
      id: confined.path,
      labels: splitLabels(row.labels),
      ...(split ? { split } : {}),
    });
  }
  if (samples.length === 0) throw badInput(`${file}: no images`);
  return samples;
}
