// Runs a detector over images: each is letterboxed to the input size (the detection loader's
// evaluation path), the network's output decoded (heads/detection/decode.ts: scores, boxes,
// class-wise NMS) and the boxes mapped back to the original image's pixels, clipped to it.

import { type BatchModel, predictBatch } from '../../bundle/batch-model.js';
import type { ImageDecoder } from '../../data/decode.js';
import { type Letterbox, unletterbox } from '../../data/detection/augment.js';
import { createDetectionLoader } from '../../data/detection/loader.js';
import type { BBox, DetectionSample } from '../../data/detection/types.js';
import type { NormalizeParams } from '../../data/transforms/normalize.js';
import type { SkipReport } from '../../data/types.js';
import { badInput } from '../../errors.js';
import { decodeDetections } from '../../heads/detection/decode.js';
import {
  channelsPerLocation,
  type DetectorLayout,
  locationCount,
} from '../../heads/detection/layout.js';

export interface DecodeSettings {
  scoreThreshold: number;
  nmsIou: number;
  maxDetections: number;
}

export interface FoundBox {
  bbox: BBox;
  category: number;
  score: number;
}

export interface DetectOptions extends NormalizeParams, DecodeSettings {
  decoder: ImageDecoder;
  batch: number;
  skipBad?: boolean;
}

function clipToImage(b: BBox, width: number, height: number): BBox {
  const x0 = Math.min(width, Math.max(0, b[0]));
  const y0 = Math.min(height, Math.max(0, b[1]));
  const x1 = Math.min(width, Math.max(0, b[0] + b[2]));
  const y1 = Math.min(height, Math.max(0, b[1] + b[3]));
  return [x0, y0, x1 - x0, y1 - y0];
}

/** Detections per image (in `samples` order; images skipped under skipBad are absent). */
export async function detectSamples(
  model: BatchModel,
  layout: DetectorLayout,
  samples: readonly DetectionSample[],
  options: DetectOptions,
): Promise<{ results: Map<DetectionSample, FoundBox[]>; skipped: SkipReport }> {
  const loader = createDetectionLoader(samples, {
    size: layout.inputSize,
    batchSize: options.batch,
    decoder: options.decoder,
    mean: options.mean,
    std: options.std,
    skipBad: options.skipBad,
  });
  const results = new Map<DetectionSample, FoundBox[]>();
  for await (const batch of loader.epoch(0)) {
    const output = await predictBatch(model, batch.x);
    batch.x.dispose();
    const data = (await output.data()) as Float32Array;
    output.dispose();
    const stride = checkDetectorOutput(data.length, batch.samples.length, layout);
    batch.samples.forEach((sample, k) => {
      const output = data.subarray(k * stride, (k + 1) * stride);
      results.set(
        sample,
        boxesInImage(output, layout, options, batch.letterboxes[k], batch.sizes[k]),
      );
    });
  }
  return { results, skipped: loader.skipped };
}

/** Values per image in a batch's output; refuses a model that does not match its metadata. */
export function checkDetectorOutput(
  values: number,
  images: number,
  layout: DetectorLayout,
): number {
  const perImage = channelsPerLocation(layout) * locationCount(layout);
  const stride = values / images;
  // A bundle whose model does not match its visiontune.json (edited, or another model's).
  if (stride !== perImage) {
    throw badInput(
      `the detector outputs ${stride} values per image; its metadata (${layout.numClasses} classes, strides ${layout.strides.join('/')}, ${layout.inputSize} px) needs ${perImage}`,
    );
  }
  return stride;
}

/** One image's output decoded (scores, boxes, NMS) to boxes in the image's pixels, clipped. */
export function boxesInImage(
  output: Float32Array,
  layout: DetectorLayout,
  settings: DecodeSettings,
  letterbox: Letterbox,
  image: { width: number; height: number },
): FoundBox[] {
  const found = decodeDetections(output, layout, {
    scoreThreshold: settings.scoreThreshold,
    iouThreshold: settings.nmsIou,
    maxDetections: settings.maxDetections,
  });
  return found.flatMap((d) => {
    const bbox = clipToImage(unletterbox(d.bbox, letterbox), image.width, image.height);
    return bbox[2] > 0 && bbox[3] > 0 ? [{ bbox, category: d.category, score: d.score }] : [];
  });
}
