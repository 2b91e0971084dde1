// Manifest source: a CSV (header row; columns `path`, optional `label`, optional `split`) or
// JSONL (one {"path", "label"?, "split"?} object per line). Paths are relative to the
// manifest's folder and may not leave it (guard/confine.ts; --allow-outside-root lifts that);
// the manifest itself is read under the document size limit. Refused rows, missing files, unknown labels (when a label set is given), bad split
// names, malformed rows and unreadable image headers are all collected and settled at once.
import { dirname, extname } from 'node:path';
import { badInput } from '../../errors.js';
import { confine, readDocument, refuseReason } from '../../guard/index.js';
import { sharpDecoder } from '../decode-sharp.js';
import type { DataSource, Sample, SkipReport, SplitName } from '../types.js';
import { checkImages, type Problem, settleProblems, sortClassNames } from '../validate.js';
import { parseCsv } from './csv.js';
import type { SourceOptions } from './options.js';

const SPLITS = new Set(['train', 'val', 'test']);

/** One manifest row as written; `label` is the label column's text (a multi-label list too). */
export interface ManifestRow {
  where: string;
  path: string;
  label?: string;
  split?: string;
}
type Row = ManifestRow;

export const MANIFEST_EXTENSIONS = new Set(['.csv', '.jsonl', '.ndjson']);

interface LabelColumn {
  name: string;
  /** Every row must have it (a missing CSV column fails the file; a JSONL row is a problem). */
  required: boolean;
}

function csvRows(text: string, file: string, problems: Problem[], column: LabelColumn): Row[] {
  const records = parseCsv(text);
  const header = records.shift();
  if (!header) throw badInput(`Manifest ${file} is empty (expected a header row: path,label)`);
  const cols = header.fields.map((h) => h.trim().toLowerCase());
  const iPath = cols.indexOf('path');
  if (iPath < 0)
    throw badInput(`Manifest ${file} has no 'path' column (header: ${header.fields.join(',')})`);
  const iLabel = cols.indexOf(column.name);
  if (iLabel < 0 && column.required)
    throw badInput(
      `Manifest ${file} has no '${column.name}' column (header: ${header.fields.join(',')})`,
    );
  const iSplit = cols.indexOf('split');
  const rows: Row[] = [];
  for (const r of records) {
    const where = `${file} line ${r.line}`;
    if (r.fields.length !== cols.length) {
      problems.push({
        path: where,
        reason: `expected ${cols.length} fields, got ${r.fields.length}`,
      });
      continue;
    }
    rows.push({
      where,
      path: r.fields[iPath]!.trim(),
      label: iLabel >= 0 ? r.fields[iLabel]!.trim() : undefined,
      split: iSplit >= 0 ? r.fields[iSplit]!.trim() || undefined : undefined,
    });
  }
  return rows;
}

function jsonlRows(text: string, file: string, problems: Problem[], column: LabelColumn): Row[] {
  const rows: Row[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    if (raw.trim() === '') return;
    const where = `${file} line ${i + 1}`;
    let obj: unknown;
    try {
      obj = JSON.parse(raw);
    } catch {
      problems.push({ path: where, reason: 'invalid JSON' });
      return;
    }
    const o = obj as { path?: unknown; split?: unknown } & Record<string, unknown>;
    if (typeof o !== 'object' || o === null || typeof o.path !== 'string') {
      problems.push({ path: where, reason: "expected an object with a string 'path'" });
      return;
    }
    const value = o[column.name];
    if (column.required && !(column.name in o)) {
      problems.push({ path: where, reason: `expected a '${column.name}' field` });
      return;
    }
    // A list (multi-label manifests) is kept as the CSV writes it: names joined by ';'.
    const label =
      value === undefined || value === null
        ? undefined
        : Array.isArray(value)
          ? value.map(String).join(';')
          : String(value);
    const split = typeof o.split === 'string' ? o.split : undefined;
    rows.push({ where, path: o.path, label, split });
  });
  return rows;
}

export interface ManifestRowsOptions extends SourceOptions {
  /** The column (CSV) or key (JSONL) holding the label; default 'label'. */
  labelColumn?: string;
  /** Whether every row must have the label column (an empty value is still allowed). */
  requireLabelColumn?: boolean;
  /** Why a row's label text is not acceptable (e.g. not in the label set), or undefined. */
  checkLabel?: (label: string) => string | undefined;
}

/**
 * A manifest's rows, checked: paths confined to the manifest's folder, split names, labels (by
 * `checkLabel`), and image headers. Every problem is collected and settled at once (one error
 * naming them all, or skipped with skipBad). Rows come back in manifest order with absolute paths.
 */
export async function readManifestRows(
  file: string,
  options: ManifestRowsOptions = {},
): Promise<{ rows: (Row & { abs: string })[]; skipped?: SkipReport }> {
  const decoder = options.decoder ?? sharpDecoder();
  const ext = extname(file).toLowerCase();
  if (!MANIFEST_EXTENSIONS.has(ext))
    throw badInput(`Manifest ${file}: expected a .csv or .jsonl file`);
  const text = await readDocument(file, `Manifest ${file}`);
  const problems: Problem[] = [];
  const column = {
    name: options.labelColumn ?? 'label',
    required: options.requireLabelColumn === true,
  };
  const parsed =
    ext === '.csv'
      ? csvRows(text, file, problems, column)
      : jsonlRows(text, file, problems, column);
  const base = dirname(file);

  // Check rows in parallel, then record results in manifest order so messages are stable.
  const checked = await Promise.all(
    parsed.map(async (row): Promise<Problem | (Row & { abs: string })> => {
      if (row.path === '') return { path: row.where, reason: 'empty path' };
      const confined = await confine(base, row.path);
      if ('reason' in confined) return { path: row.where, reason: confined.reason };
      const abs = confined.path;
      if (row.split !== undefined && !SPLITS.has(row.split)) {
        return { path: abs, reason: `unknown split '${row.split}' (${row.where})` };
      }
      const label = row.label === '' ? undefined : row.label;
      const bad = label === undefined ? undefined : options.checkLabel?.(label);
      if (bad) return { path: abs, reason: `${bad} (${row.where})` };
      const refused = await refuseReason(abs, 'image');
      if (refused) return { path: abs, reason: `${refused} (${row.where})` };
      return { ...row, label, abs };
    }),
  );
  const ok: (Row & { abs: string })[] = [];
  for (const c of checked) {
    if ('reason' in c) problems.push(c);
    else ok.push(c);
  }

  const bad = await checkImages(
    ok.map((r) => r.abs),
    decoder,
    options.verify ?? 'header',
    options.concurrency ?? 8,
  );
  problems.push(...bad);
  const skipped = settleProblems(file, problems, options.skipBad === true);
  const badPaths = new Set(bad.map((p) => p.path));
  return { rows: ok.filter((r) => !badPaths.has(r.abs)), ...(skipped ? { skipped } : {}) };
}

export async function openManifest(file: string, options: SourceOptions = {}): Promise<DataSource> {
  const decoder = options.decoder ?? sharpDecoder();
  const labelSet = options.labels ? new Set(options.labels) : null;
  const { rows: good, skipped } = await readManifestRows(file, {
    ...options,
    decoder,
    checkLabel: (label) =>
      labelSet && !labelSet.has(label) ? `label '${label}' is not in the label set` : undefined,
  });

  const classes = options.labels
    ? [...options.labels]
    : sortClassNames(good.flatMap((r) => (r.label === undefined ? [] : [r.label])));
  const index = new Map(classes.map((c, i) => [c, i]));
  const splits: Partial<Record<SplitName, Sample[]>> = {};
  for (const r of good) {
    const split = (r.split ?? 'train') as SplitName;
    splits[split] ??= [];
    splits[split]!.push({
      id: r.abs,
      label: r.label === undefined ? -1 : index.get(r.label)!,
    });
  }
  return {
    name: file,
    classes,
    splits,
    read: (sample, hint) => decoder.decode(sample.id, sample.id, hint),
    ...(skipped ? { skipped } : {}),
  };
}
