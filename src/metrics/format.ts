// Plain-text rendering of ClassificationMetrics for the CLI: a summary block, a per-class table
// with label names, and the confusion matrix when it is small enough to read in a terminal.

import { badInput } from '../errors.js';
import type { ClassificationMetrics } from './classification.js';

export interface FormatMetricsOptions {
  /** Print the confusion matrix only up to this many classes (default 12). */
  confusionMaxClasses?: number;
  /** Label names longer than this are shortened with an ellipsis (default 24). */
  maxLabelWidth?: number;
  /** Digits after the decimal point for rates (default 4 in the summary, 3 in tables). */
  digits?: number;
}

function shorten(name: string, width: number): string {
  return name.length <= width ? name : `${name.slice(0, width - 1)}…`;
}

function table(rows: string[][], rightAlignFrom: number): string[] {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r) =>
    r
      .map((cell, c) => (c >= rightAlignFrom ? cell.padStart(widths[c]) : cell.padEnd(widths[c])))
      .join('  ')
      .trimEnd(),
  );
}

/**
 * A short text report. `labelNames[i]` names class i (indices are used when omitted). Top-k rows
 * with k >= numClasses are left out because they are 1 by construction. Rates whose denominator
 * was zero are printed with a `*` and explained in a footnote.
 */
export function formatMetrics(
  metrics: ClassificationMetrics,
  labelNames?: readonly string[],
  options: FormatMetricsOptions = {},
): string {
  const C = metrics.numClasses;
  if (labelNames && labelNames.length !== C) {
    throw badInput(`got ${labelNames.length} label names for ${C} classes`);
  }
  const maxWidth = options.maxLabelWidth ?? 24;
  const names = Array.from({ length: C }, (_, i) =>
    shorten(labelNames?.[i] ?? String(i), maxWidth),
  );
  const d = options.digits ?? 4;
  const dt = options.digits ?? 3;

  const summary: string[][] = [['samples', String(metrics.count)]];
  summary.push(['accuracy', metrics.accuracy.toFixed(d)]);
  for (const [k, v] of Object.entries(metrics.topK)) {
    if (Number(k) > 1 && Number(k) < C) summary.push([`top-${k} accuracy`, v.toFixed(d)]);
  }
  summary.push(['balanced accuracy', metrics.balancedAccuracy.toFixed(d)]);
  summary.push(['macro F1', metrics.macroF1.toFixed(d)]);
  summary.push(['weighted F1', metrics.weightedF1.toFixed(d)]);
  summary.push([`ECE (${metrics.eceBins} bins)`, metrics.ece.toFixed(d)]);
  summary.push(['NLL', metrics.nll.toFixed(d)]);
  const lines = table(summary, 1);

  let flagged = false;
  const rate = (v: number, undefinedFlag: boolean) => {
    if (undefinedFlag) flagged = true;
    return `${v.toFixed(dt)}${undefinedFlag ? '*' : ' '}`;
  };
  const perClass: string[][] = [['class', 'support', 'predicted', 'precision ', 'recall ', 'f1 ']];
  for (const m of metrics.perClass) {
    perClass.push([
      names[m.label],
      String(m.support),
      String(m.predicted),
      rate(m.precision, m.precisionUndefined),
      rate(m.recall, m.recallUndefined),
      rate(m.f1, m.f1Undefined),
    ]);
  }
  lines.push('', ...table(perClass, 1));
  if (flagged)
    lines.push('* undefined (zero denominator: no predictions or no samples), shown as 0');

  if (C <= (options.confusionMaxClasses ?? 12)) {
    const header = ['true \\ predicted', ...names];
    const rows = metrics.confusion.map((row, r) => [names[r], ...row.map(String)]);
    lines.push(
      '',
      'confusion matrix (rows = true, columns = predicted)',
      ...table([header, ...rows], 1),
    );
  }
  return lines.join('\n');
}
