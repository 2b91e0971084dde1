// How `compare` rows read as words: sizes, rates, compression histories and the plain-text
// table the CLI prints. Shared by the HTML report so both say the same thing.
import path from 'node:path';
import type { CompressionStep } from '../../bundle/meta.js';
import type { CompareRow } from './compare.js';

/** Decimal megabytes, as file managers show them: `12.4 MB`, `0.031 MB`. */
export function formatMegabytes(bytes: number): string {
  const mb = bytes / 1e6;
  return `${mb >= 10 ? mb.toFixed(1) : mb >= 0.1 ? mb.toFixed(2) : mb.toPrecision(2)} MB`;
}

/** `1.23M`, `45.6k`, `812`. */
export function formatCount(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)}k`;
  return String(n);
}

export function formatRate(imagesPerSecond: number): string {
  return imagesPerSecond >= 100 ? imagesPerSecond.toFixed(0) : imagesPerSecond.toPrecision(3);
}

export const formatPercent = (v: number): string => `${(v * 100).toFixed(1)}%`;

// The one or two details that say what a step did, in the order a reader looks for them.
const KEY_DETAILS = ['dtype', 'sparsity', 'keep', 'ratio', 'fraction', 'student', 'temperature'];

function detailText(key: string, value: unknown): string | null {
  // `quantize uint8` says it all; other strings need their name: `student mobilenet_v2_small`.
  if (typeof value === 'string') return key === 'dtype' ? value : `${key} ${value}`;
  if (typeof value !== 'number' || !Number.isFinite(value)) return null;
  if (key === 'sparsity' || key === 'fraction' || key === 'ratio' || key === 'keep') {
    return value > 0 && value <= 1 ? `${key} ${formatPercent(value)}` : `${key} ${value}`;
  }
  return `${key} ${value}`;
}

/** One step: `quantize uint8 ← runs/prune`, `prune-magnitude sparsity 50.0% ← runs/base`. */
export function describeStep(step: CompressionStep): string {
  const details = KEY_DETAILS.map((k) => detailText(k, step.details[k]))
    .filter((t): t is string => t !== null)
    .slice(0, 2);
  return [step.kind, ...details, '←', step.from].join(' ');
}

/** A bundle's compression history, oldest step first; `—` for an uncompressed bundle. */
export function describeCompression(steps: readonly CompressionStep[] | undefined): string {
  return steps && steps.length > 0 ? steps.map(describeStep).join('; ') : '—';
}

/** Short, unique names for charts and tables: folder names, or the paths when those collide. */
export function bundleNames(dirs: readonly string[]): string[] {
  const base = dirs.map((d) => path.basename(path.resolve(d)));
  return new Set(base).size === base.length ? base : dirs.map((d) => path.normalize(d));
}

export const COMPARE_COLUMNS = [
  'bundle',
  'params',
  'nonzero',
  'sparsity',
  'disk',
  'weights',
  'dtype',
  'img/s',
  'accuracy',
  'macro F1',
  'compression',
] as const;

/** One row's cells, in COMPARE_COLUMNS order. */
export function rowCells(r: CompareRow): string[] {
  return [
    r.name,
    formatCount(r.params),
    formatCount(r.nonzeroParams),
    formatPercent(r.sparsity),
    formatMegabytes(r.diskBytes),
    formatMegabytes(r.weightsBytes),
    r.weightDtype,
    formatRate(r.throughput.imagesPerSecond),
    formatPercent(r.accuracy),
    r.macroF1.toFixed(3),
    r.compressionText,
  ];
}

/** The table as aligned plain text (numbers right-aligned), for the terminal. */
export function formatCompareTable(rows: readonly CompareRow[]): string {
  const table = [[...COMPARE_COLUMNS], ...rows.map(rowCells)];
  const widths = COMPARE_COLUMNS.map((_, c) => Math.max(...table.map((r) => r[c].length)));
  const left = new Set([0, 6, COMPARE_COLUMNS.length - 1]);
  return table
    .map((cells) =>
      cells
        .map((cell, c) => (left.has(c) ? cell.padEnd(widths[c]) : cell.padStart(widths[c])))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
