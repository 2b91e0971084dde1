// Every task of a multi-task network scored from ONE forward pass per batch, as the network is
// used: each image letterboxed to the input (the multi-task loader's evaluation path), then per
// task on the images that task labels —
// - classification: softmax, the classification metrics (accuracy, per-class, calibration);
// - multilabel: sigmoid, mAP over classes and F1 at 0.5 (metrics/multilabel.ts);
// - detection: the FCOS output decoded and mapped back to the image's pixels, COCO AP;
// - segmentation: argmax per pixel against the letterboxed mask (padding is the ignore index),
//   the confusion-matrix metrics at the network's input resolution.
import * as tf from '@tensorflow/tfjs';
import type { DetectionSample } from '../../data/detection/types.js';
import type { MultiTaskBatch, MultiTaskLoader, TaskShape } from '../../data/multitask/index.js';
import type { SkipReport } from '../../data/types.js';
import {
  ClassificationAccumulator,
  type ClassificationMetrics,
} from '../../metrics/classification.js';
import type { DetectionMetrics } from '../../metrics/detection/coco-eval.js';
import { MultiLabelAccumulator, type MultiLabelMetrics } from '../../metrics/multilabel.js';
import {
  SegmentationAccumulator,
  type SegmentationMetrics,
} from '../../metrics/segmentation/index.js';
import type { DecodeSettings, FoundBox } from '../detection/detect-samples.js';
import { evaluateFound } from '../detection/evaluate.js';
import { boxesInImage, outputsPerImage } from '../detection/found-boxes.js';
import type { TaskHead } from './network.js';

export type TaskEvaluation =
  | { kind: 'classification'; images: number; metrics: ClassificationMetrics }
  | { kind: 'multilabel'; images: number; metrics: MultiLabelMetrics }
  | {
      kind: 'detection';
      images: number;
      metrics: DetectionMetrics;
      found: Map<DetectionSample, FoundBox[]>;
    }
  | { kind: 'segmentation'; images: number; metrics: SegmentationMetrics };

export interface MultiTaskEvaluation {
  tasks: Record<string, TaskEvaluation>;
  skipped: SkipReport;
}

export interface EvaluateOptions extends DecodeSettings {
  /** Multi-label decision threshold (default 0.5). */
  threshold?: number;
}

/** One task's running tally over batches. */
interface Tally {
  add(output: Float32Array, shape: number[], batch: EvalBatch, head: TaskHead): void;
  finish(): TaskEvaluation;
}

type EvalBatch = MultiTaskBatch;

function tallyFor(head: TaskHead, shape: TaskShape, options: EvaluateOptions): Tally {
  const C = head.numClasses;
  const presentRows = (present: Float32Array) => [...present.keys()].filter((i) => present[i]! > 0);
  switch (head.kind) {
    case 'classification': {
      const acc = new ClassificationAccumulator(C, { topK: [1, Math.min(5, C)] });
      let images = 0;
      return {
        add(output, _shape, batch) {
          const t = batch.targets[head.name]!;
          const rows = presentRows(t.present);
          if (rows.length === 0) return;
          const probs = tf.tidy(() =>
            tf.softmax(tf.tensor2d(output, [t.present.length, C])).gather(rows),
          );
          acc.add(
            probs.dataSync(),
            rows.map((i) => t.classes![i]!),
          );
          probs.dispose();
          images += rows.length;
        },
        finish: () => ({ kind: 'classification', images, metrics: acc.result() }),
      };
    }
    case 'multilabel': {
      const acc = new MultiLabelAccumulator(C, { threshold: options.threshold ?? 0.5 });
      return {
        add(output, _shape, batch) {
          const t = batch.targets[head.name]!;
          const probs = output.map((v) => 1 / (1 + Math.exp(-v)));
          acc.add(probs, t.multi!, t.present);
        },
        finish: () => ({ kind: 'multilabel', images: acc.count, metrics: acc.result() }),
      };
    }
    case 'detection': {
      const found = new Map<DetectionSample, FoundBox[]>();
      const layout = head.layout!;
      return {
        add(output, _shape, batch) {
          const t = batch.targets[head.name]!;
          const stride = outputsPerImage(layout, output.length, t.present.length);
          batch.samples.forEach((sample, k) => {
            const label = sample.labels[head.name];
            if (!t.present[k] || label?.kind !== 'detection') return;
            const rows = output.subarray(k * stride, (k + 1) * stride);
            found.set(
              label.sample,
              boxesInImage(rows, layout, options, batch.letterboxes[k]!, batch.sizes[k]!),
            );
          });
        },
        finish: () => ({
          kind: 'detection',
          images: found.size,
          metrics: evaluateFound(found),
          found,
        }),
      };
    }
    case 'segmentation': {
      const ignoreIndex = shape.ignoreIndex ?? 255;
      const acc = new SegmentationAccumulator(C, { ignoreIndex });
      let images = 0;
      return {
        add(output, outShape, batch) {
          const t = batch.targets[head.name]!;
          const [B, H, W] = outShape as [number, number, number, number];
          const pixels = H * W;
          const predicted = tf.tidy(() => tf.tensor4d(output, [B, H, W, C]).argMax(-1).toInt());
          const labels = predicted.dataSync();
          predicted.dispose();
          for (let b = 0; b < B; b++) {
            if (!t.present[b]) continue;
            acc.add(
              Uint8Array.from(t.masks!.subarray(b * pixels, (b + 1) * pixels)),
              Uint8Array.from(labels.subarray(b * pixels, (b + 1) * pixels)),
            );
            images++;
          }
        },
        finish: () => ({ kind: 'segmentation', images, metrics: acc.metrics() }),
      };
    }
  }
}

/** Runs the network over `samples` batch by batch, handing each task its output. */
async function scoreBatches(
  model: tf.LayersModel,
  loader: MultiTaskLoader,
  each: (batch: MultiTaskBatch, outputs: { data: Float32Array; shape: number[] }[]) => void,
): Promise<void> {
  for await (const batch of loader.epoch(0)) {
    const out = model.predict(batch.x);
    batch.x.dispose();
    const tensors = Array.isArray(out) ? out : [out];
    const outputs = await Promise.all(
      tensors.map(async (t) => ({ data: (await t.data()) as Float32Array, shape: t.shape })),
    );
    tf.dispose(tensors);
    each(batch, outputs);
  }
}

/**
 * Every task scored on the images of `loader` (an evaluation loader: letterboxed, in order), each
 * on the images it labels.
 */
export async function evaluateMultiTask(
  model: tf.LayersModel,
  heads: readonly TaskHead[],
  shapes: readonly TaskShape[],
  loader: MultiTaskLoader,
  options: EvaluateOptions,
): Promise<MultiTaskEvaluation> {
  const tallies = heads.map((head, k) => tallyFor(head, shapes[k]!, options));
  await scoreBatches(model, loader, (batch, outputs) => {
    heads.forEach((head, k) => {
      const out = outputs[head.output]!;
      tallies[k]!.add(out.data, out.shape, batch, head);
    });
  });
  return {
    tasks: Object.fromEntries(heads.map((h, k) => [h.name, tallies[k]!.finish()])),
    skipped: loader.skipped,
  };
}
