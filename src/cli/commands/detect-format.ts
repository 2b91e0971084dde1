// COCO metrics as people read them: the summary lines pycocotools prints, then AP per class.
import type { DetectionMetrics } from '../../metrics/detection/coco-eval.js';

const show = (v: number) => (v < 0 ? '  n/a' : v.toFixed(3));

export function formatDetectionMetrics(m: DetectionMetrics, categories: readonly string[]): string {
  const lines = [
    `AP ${show(m.ap)}  AP50 ${show(m.ap50)}  AP75 ${show(m.ap75)}  APs ${show(m.apSmall)}  APm ${show(m.apMedium)}  APl ${show(m.apLarge)}`,
    `AR1 ${show(m.ar1)}  AR10 ${show(m.ar10)}  AR100 ${show(m.ar100)}  ARs ${show(m.arSmall)}  ARm ${show(m.arMedium)}  ARl ${show(m.arLarge)}`,
  ];
  const width = Math.max(5, ...categories.map((c) => c.length));
  for (const c of m.perCategory) {
    const name = (categories[c.categoryId] ?? String(c.categoryId)).padEnd(width);
    lines.push(`  ${name}  AP ${show(c.ap)}  AP50 ${show(c.ap50)}  (${c.groundTruth} boxes)`);
  }
  return lines.join('\n');
}
