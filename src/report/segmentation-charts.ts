// Vega-lite specs for the segmentation report: the per-epoch losses and logged values (the
// detection report's charts, which already plot any `loss*` key and any other number), IoU per
// class, and the pixel confusion matrix. Same conventions as charts.ts: data inline, a
// `description` that becomes the SVG's aria-label, null when there is nothing to draw.
import type { TopLevelSpec } from 'vega-lite';
import type { EpochRecord } from '../train/metrics-log.js';
import { classBarsSpec, confusionSpec, finite } from './charts.js';
import { categoryNames, detectionLossSpec, epochMetricsSpec } from './detection-charts.js';

/** `loss`, `loss_*` and `val_loss` per epoch on one chart. Null when none was logged. */
export function segmentationLossSpec(history: readonly EpochRecord[]): TopLevelSpec | null {
  return detectionLossSpec(history);
}

/** val_miou, val_pixel_acc, lr… per epoch, one panel each. Null when only losses were logged. */
export function epochValuesSpec(history: readonly EpochRecord[]): TopLevelSpec | null {
  return epochMetricsSpec(history);
}

/**
 * IoU per class as horizontal bars, worst class at the top, the value written on each bar.
 * Classes whose IoU is NaN (in neither ground truth nor prediction) are left out and counted
 * in the subtitle. Null when every class is NaN.
 */
export function iouPerClassSpec(
  classes: readonly string[],
  perClassIoU: readonly number[],
): TopLevelSpec | null {
  const name = categoryNames(
    classes,
    perClassIoU.map((_, i) => i),
  );
  const rows = perClassIoU
    .map((iou, i) => ({ name: name(i), iou, text: finite(iou) ? iou.toFixed(2) : '' }))
    .filter((r) => finite(r.iou))
    .sort((a, b) => a.iou - b.iou);
  if (rows.length === 0) return null;
  const n = rows.length;
  const omitted = perClassIoU.length - n;
  return classBarsSpec({
    rows,
    nameField: 'name',
    valueField: 'iou',
    valueTitle: 'IoU',
    title: {
      text: 'IoU per class',
      subtitle: `worst class first${omitted > 0 ? `; ${omitted} class${omitted === 1 ? '' : 'es'} not in ground truth or prediction omitted (n/a)` : ''}`,
    },
    description: `IoU per class bar chart, ${n} classes`,
    steps: [18, 11, 8],
  });
}

interface Layer {
  mark?: { type?: string };
  encoding?: Record<string, unknown> & { text?: Record<string, unknown> };
}

/**
 * The classification confusion heatmap (rows = ground truth) over pixel counts. Counts run to
 * millions, which would overflow the cells, so they are written with SI prefixes (`1.2M`); the
 * exact counts are in the report's table.
 */
export function pixelConfusionSpec(
  confusion: readonly (readonly number[])[],
  classes: readonly string[],
  split = 'val',
): TopLevelSpec {
  const spec = confusionSpec(confusion, classes, split) as unknown as {
    title: { text: string; subtitle: string };
    layer: Layer[];
  };
  const layer = spec.layer.map((l) =>
    l.mark?.type === 'text' && l.encoding?.text
      ? { ...l, encoding: { ...l.encoding, text: { ...l.encoding.text, format: '.2~s' } } }
      : l,
  );
  const counted = layer.length > 1;
  return {
    ...spec,
    title: {
      ...spec.title,
      subtitle: `${counted ? 'pixels (k = thousand, M = million); ' : ''}colour = share of the true class`,
    },
    layer,
  } as unknown as TopLevelSpec;
}
