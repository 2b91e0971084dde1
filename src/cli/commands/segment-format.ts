// Segmentation metrics as people read them: the headline line, then IoU and accuracy per class.
import type { SegmentationMetrics } from '../../metrics/segmentation/index.js';

const show = (v: number) => (Number.isNaN(v) ? '  n/a' : v.toFixed(3));

export function formatSegmentationMetrics(
  m: SegmentationMetrics,
  classes: readonly string[],
): string {
  const lines = [
    `mIoU ${show(m.meanIoU)}  pixel acc ${show(m.pixelAccuracy)}  mean class acc ${show(m.meanClassAccuracy)}  mDice ${show(m.dice.mean)}  fwIoU ${show(m.frequencyWeightedIoU)}`,
  ];
  const width = Math.max(5, ...classes.map((c) => c.length));
  classes.forEach((name, c) => {
    const pixels = m.confusion[c].reduce((a, b) => a + b, 0);
    lines.push(
      `  ${name.padEnd(width)}  IoU ${show(m.perClassIoU[c])}  acc ${show(m.perClassAccuracy[c])}  (${pixels} pixels)`,
    );
  });
  return lines.join('\n');
}
