// Multi-label metrics (metrics/multilabel.ts) as the text `visiontune eval` prints: the summary
// line, then AP, F1 and support per class.
import type { MultiLabelMetrics } from '../../metrics/index.js';

export function formatMultiLabelMetrics(m: MultiLabelMetrics, labels: readonly string[]): string {
  const pct = (v: number | null) => (v === null ? '-' : `${(100 * v).toFixed(1)}%`);
  const width = Math.max(5, ...labels.map((l) => l.length));
  return [
    `${m.images} images   mAP ${pct(m.mAP)}   micro-F1 ${pct(m.microF1)}   macro-F1 ${pct(m.macroF1)}   subset accuracy ${pct(m.subsetAccuracy)}   (threshold ${m.threshold})`,
    `${'class'.padEnd(width)}  AP      F1      support`,
    ...m.perClass.map(
      (c, i) =>
        `${(labels[i] ?? String(i)).padEnd(width)}  ${pct(c.averagePrecision).padEnd(6)}  ${pct(c.f1).padEnd(6)}  ${c.support}`,
    ),
  ].join('\n');
}
