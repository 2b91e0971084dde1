// A detection bundle at work: load it (refusing other tasks), evaluate it on a data set in any
// format, or find objects in image files (no annotations needed).
import path from 'node:path';
import { type BatchModel, openBundle, type RunnableBundle } from '../../bundle/batch-model.js';
import { notA } from '../../bundle/multitask/task-view.js';
import { sharpDecoder } from '../../data/decode-sharp.js';
import { openDetectionData } from '../../data/detection/open.js';
import type { DetectionDataset, DetectionSample } from '../../data/detection/types.js';
import { uniqueNames } from '../../data/unique-names.js';
import { badInput } from '../../errors.js';
import type { DetectorLayout } from '../../heads/detection/layout.js';
import type { DetectionMetrics } from '../../metrics/detection/coco-eval.js';
import { type DecodeSettings, detectSamples, type FoundBox } from './detect-samples.js';
import { evaluateFound } from './evaluate.js';

export interface DetectorBundle {
  bundle: RunnableBundle;
  model: BatchModel;
  layout: DetectorLayout;
  decode: DecodeSettings;
  categories: string[];
  /** The training data's COCO category ids, for results files. */
  categoryIds?: number[];
}

/** A detector bundle on TF.js, or (engine 'onnx') on ONNX Runtime, from a folder or a .onnx file. */
export async function openDetectorBundle(
  dir: string,
  options: { engine?: string; threads?: number } = {},
): Promise<DetectorBundle> {
  return detectorOf(await openBundle(dir, options));
}

/** An opened bundle as a detector (refused when it is not one). */
export function detectorOf(bundle: RunnableBundle): DetectorBundle {
  const { meta } = bundle;
  if (meta.task !== 'detection' || !meta.detection) throw notA(bundle, 'detector');
  const { strides, scoreThreshold, nmsIou, maxDetections } = meta.detection;
  const ids = meta.training.categoryIds;
  return {
    bundle,
    model: bundle.model,
    layout: { inputSize: meta.preprocessing.inputSize, strides, numClasses: meta.labels.length },
    decode: { scoreThreshold, nmsIou, maxDetections },
    categories: meta.labels,
    categoryIds: Array.isArray(ids) ? (ids as number[]) : undefined,
  };
}

export interface RunOptions {
  batch?: number;
  skipBad?: boolean;
  decode?: Partial<DecodeSettings>;
}

export async function runDetector(
  d: DetectorBundle,
  samples: readonly DetectionSample[],
  options: RunOptions = {},
) {
  const { mean, std } = d.bundle.meta.preprocessing;
  return detectSamples(d.model, d.layout, samples, {
    mean,
    std,
    ...d.decode,
    ...options.decode,
    decoder: sharpDecoder(),
    batch: options.batch ?? 8,
    skipBad: options.skipBad,
  });
}

/** Categories of the data matched to the bundle's by name; boxes of others are an error. */
function toBundleCategories(
  data: DetectionDataset,
  categories: readonly string[],
): DetectionSample[] {
  const index = data.categories.map((name) => categories.indexOf(name));
  const unknown = data.categories.filter((_, i) => index[i] < 0);
  if (unknown.length > 0) {
    throw badInput(
      `${data.name}: categories ${unknown.join(', ')} are not among the detector's (${categories.join(', ')})`,
    );
  }
  return data.samples.map((s) => ({
    ...s,
    boxes: s.boxes.map((b) => ({ ...b, category: index[b.category] })),
  }));
}

/**
 * COCO category ids for the detector's category indices, taken from the evaluated file where it
 * has the category (its ids may differ from the training file's), else the training file's.
 */
export function idsInBundleOrder(
  data: Pick<DetectionDataset, 'categories' | 'categoryIds'>,
  d: Pick<DetectorBundle, 'categories' | 'categoryIds'>,
): number[] {
  return d.categories.map((name, b) => {
    const i = data.categories.indexOf(name);
    return (i >= 0 ? data.categoryIds?.[i] : undefined) ?? d.categoryIds?.[b] ?? b + 1;
  });
}

export async function evaluateDetector(
  d: DetectorBundle,
  location: string,
  options: RunOptions & { images?: string; split?: 'train' | 'val' | 'test' } = {},
): Promise<{
  metrics: DetectionMetrics;
  found: Map<DetectionSample, FoundBox[]>;
  data: DetectionDataset;
  /** COCO ids of the detector's categories, for results files about this data. */
  categoryIds: number[];
  skippedImages: number;
}> {
  const data = await openDetectionData(location, {
    images: options.images,
    split: options.split,
    skipBad: options.skipBad,
  });
  const samples = toBundleCategories(data, d.categories);
  const { results, skipped } = await runDetector(d, samples, options);
  return {
    metrics: evaluateFound(results),
    found: results,
    data,
    categoryIds: idsInBundleOrder(data, d),
    skippedImages: skipped.count,
  };
}

/**
 * Samples for images without annotations (size 0: read from the image itself), each with a unique
 * name for results files and drawings (data/unique-names.ts).
 */
export function unannotated(files: readonly string[]): DetectionSample[] {
  const names = uniqueNames(files);
  return files.map((f, i) => ({
    id: path.resolve(f),
    sourceId: names[i],
    width: 0,
    height: 0,
    boxes: [],
  }));
}
