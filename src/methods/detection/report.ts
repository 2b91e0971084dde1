// The detection run's report: loss curves, COCO metrics, AP and PR curves per class, and sample
// images with predictions (solid, score ≥ 0.3) over ground truth (dashed).
import path from 'node:path';
import type { DetectionSample } from '../../data/detection/types.js';
import type { DetectionMetrics } from '../../metrics/detection/coco-eval.js';
import { writeDetectionReport } from '../../report/detection.js';
import { categoryColor, drawBoxes } from '../../report/draw-boxes.js';
import type { EpochRecord } from '../../train/metrics-log.js';
import type { FoundBox } from './detect-samples.js';

/** Predictions drawn at or above this score: what a user would keep. */
export const DRAW_SCORE = 0.3;
const SAMPLES = 8;

export async function drawSample(
  sample: DetectionSample,
  found: readonly FoundBox[],
  categories: readonly string[],
  options: { maxSide?: number; minSide?: number; groundTruth?: boolean; minScore?: number } = {},
): Promise<Buffer> {
  const truth = options.groundTruth
    ? sample.boxes.map((b) => ({
        bbox: b.bbox,
        label: categories[b.category] ?? String(b.category),
        color: '#ffffff',
        dashed: true,
      }))
    : [];
  const predicted = found
    .filter((f) => f.score >= (options.minScore ?? DRAW_SCORE))
    .map((f) => ({
      bbox: f.bbox,
      label: categories[f.category] ?? String(f.category),
      score: f.score,
      color: categoryColor(f.category),
    }));
  return drawBoxes(sample.id, [...truth, ...predicted], {
    format: 'jpeg',
    maxSide: options.maxSide,
    minSide: options.minSide,
  });
}

export async function writeRunReport(input: {
  out: string;
  title: string;
  history: EpochRecord[];
  categories: string[];
  metrics: DetectionMetrics;
  found: ReadonlyMap<DetectionSample, FoundBox[]>;
  config: Record<string, unknown>;
  notes: string[];
}): Promise<string> {
  const chosen = [...input.found].slice(0, SAMPLES);
  const samples = await Promise.all(
    chosen.map(async ([sample, boxes]) => ({
      name: path.basename(sample.id),
      image: await drawSample(sample, boxes, input.categories, {
        maxSide: 320,
        minSide: 256,
        groundTruth: true,
      }),
    })),
  );
  const file = path.join(input.out, 'report.html');
  await writeDetectionReport(file, {
    title: input.title,
    history: input.history,
    categories: input.categories,
    metrics: input.metrics,
    samples,
    config: input.config,
    notes: [
      ...input.notes,
      `Samples: predictions with score ≥ ${DRAW_SCORE} in color, ground truth dashed white.`,
    ],
  });
  return file;
}
