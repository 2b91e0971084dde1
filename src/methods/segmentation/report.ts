// The segmentation run's report: loss curves, validation mIoU per epoch, per-class IoU and the
// pixel confusion matrix, and image | ground truth | prediction strips of the first evaluated
// images. Also the headline numbers a bundle records.
import path from 'node:path';
import type { SegmentationMetrics } from '../../metrics/segmentation/index.js';
import { maskTriplet } from '../../report/mask-images.js';
import { writeSegmentationReport } from '../../report/segmentation.js';
import type { EpochRecord } from '../../train/metrics-log.js';
import type { SegmenterEvaluation } from './evaluate.js';

/** The scalar metrics (NaN ones left out: JSON has no NaN). */
export function headline(m: SegmentationMetrics): Record<string, number> {
  const values = {
    meanIoU: m.meanIoU,
    pixelAccuracy: m.pixelAccuracy,
    meanClassAccuracy: m.meanClassAccuracy,
    meanDice: m.dice.mean,
    frequencyWeightedIoU: m.frequencyWeightedIoU,
  };
  return Object.fromEntries(Object.entries(values).filter(([, v]) => Number.isFinite(v)));
}

export async function writeRunReport(input: {
  out: string;
  title: string;
  history: EpochRecord[];
  classes: string[];
  ignoreIndex: number;
  evaluation: SegmenterEvaluation;
  evaluatedOn: string;
  config: Record<string, unknown>;
  notes: string[];
}): Promise<string> {
  const samples = await Promise.all(
    input.evaluation.kept.map(async (k) => ({
      name: path.basename(k.sample.image),
      image: await maskTriplet(k.image, k.truth, k.prediction, {
        maxSide: 256,
        ignoreIndex: input.ignoreIndex,
      }),
    })),
  );
  const { resize, slide } = input.evaluation.modes;
  return writeSegmentationReport(path.join(input.out, 'report.html'), {
    title: input.title,
    history: input.history,
    classes: input.classes,
    metrics: input.evaluation.metrics,
    evaluatedOn: input.evaluatedOn,
    samples,
    config: input.config,
    notes: [
      ...input.notes,
      `Inference at each image's own size: ${resize} image(s) fitted into the input, ${slide} by sliding windows.`,
    ],
  });
}
