// Multi-label classification data: each image carries a set of classes (possibly empty). Two
// formats: a CSV/JSONL manifest with `path,labels[,split]` where labels are separated by ';' (in
// JSONL a list works too), read through the classification manifest reader (same path
// confinement, split names and header checks); and a COCO file, whose image-level labels are the
// categories with at least one annotation in the image (an image without annotations is a
// negative for every class, as COCO labels exhaustively).
import { extname } from 'node:path';
import { badInput } from '../../errors.js';
import { openCoco } from '../detection/coco.js';
import { MANIFEST_EXTENSIONS, readManifestRows } from '../sources/manifest.js';
import type { SourceOptions } from '../sources/options.js';
import type { SkipReport, SplitName } from '../types.js';
import { sortClassNames } from '../validate.js';
import { skipReportOf } from './skips.js';

export interface MultiLabelSample {
  /** The image file's path. */
  id: string;
  /** Indices into the data set's classes, ascending, no repeats. */
  labels: number[];
}

export interface MultiLabelDataset {
  name: string;
  classes: string[];
  /** A manifest's split column, else everything under train. */
  splits: Partial<Record<SplitName, MultiLabelSample[]>>;
  skipped?: SkipReport;
}

export interface MultiLabelOptions extends Pick<SourceOptions, 'decoder' | 'verify' | 'skipBad'> {
  /** The class list in index order (default: the names found, sorted). */
  classes?: string[];
  /** COCO: the images folder (default: the annotation file's folder). */
  images?: string;
}

/** The separator between labels in a manifest's `labels` field. */
export const LABEL_SEPARATOR = ';';

/** A `labels` field's names: split on ';', trimmed, empty ones and repeats dropped. */
export function parseLabelList(text: string | undefined): string[] {
  if (text === undefined) return [];
  return [...new Set(text.split(LABEL_SEPARATOR).map((l) => l.trim()))].filter((l) => l !== '');
}

async function openMultiLabelManifest(
  file: string,
  options: MultiLabelOptions,
): Promise<MultiLabelDataset> {
  const known = options.classes ? new Set(options.classes) : undefined;
  const { rows, skipped } = await readManifestRows(file, {
    ...options,
    labelColumn: 'labels',
    requireLabelColumn: true,
    checkLabel: (text) => {
      const unknown = parseLabelList(text).filter((l) => known && !known.has(l));
      return unknown.length > 0
        ? `label${unknown.length > 1 ? 's' : ''} ${unknown.map((l) => `'${l}'`).join(', ')} not in the class list`
        : undefined;
    },
  });
  const classes = options.classes ?? sortClassNames(rows.flatMap((r) => parseLabelList(r.label)));
  const index = new Map(classes.map((c, i) => [c, i]));
  const splits: MultiLabelDataset['splits'] = {};
  for (const r of rows) {
    const split = (r.split ?? 'train') as SplitName;
    splits[split] ??= [];
    splits[split]!.push({
      id: r.abs,
      labels: parseLabelList(r.label)
        .map((l) => index.get(l)!)
        .sort((a, b) => a - b),
    });
  }
  return { name: file, classes, splits, ...(skipped ? { skipped } : {}) };
}

async function openCocoImageLabels(
  file: string,
  options: MultiLabelOptions,
): Promise<MultiLabelDataset> {
  const coco = await openCoco(file, { images: options.images, skipBad: options.skipBad });
  const wanted = options.classes;
  if (wanted && wanted.join('\u0000') !== coco.categories.join('\u0000'))
    throw badInput(
      `${file}: its categories (${coco.categories.join(', ')}) differ from the classes given (${wanted.join(', ')})`,
    );
  const samples = coco.samples.map((s) => ({
    id: s.id,
    labels: [...new Set(s.boxes.map((b) => b.category))].sort((a, b) => a - b),
  }));
  const skipped = skipReportOf(coco.skipped);
  return {
    name: file,
    classes: coco.categories,
    splits: { train: samples },
    ...(skipped ? { skipped } : {}),
  };
}

/** A multi-label data set from a manifest (.csv, .jsonl) or a COCO file (.json). */
export async function openMultiLabelData(
  location: string,
  options: MultiLabelOptions = {},
): Promise<MultiLabelDataset> {
  const ext = extname(location).toLowerCase();
  if (ext === '.json') return openCocoImageLabels(location, options);
  if (MANIFEST_EXTENSIONS.has(ext)) return openMultiLabelManifest(location, options);
  throw badInput(
    `${location}: not a multi-label data set (expected a .csv/.jsonl manifest with path,labels or a COCO .json)`,
  );
}
