// Runs a detector over images: each is letterboxed to the input size (the detection loader's
// evaluation path), the network's output decoded and mapped back to the original image's pixels
// (found-boxes.ts, shared with the browser entry).

import { type BatchModel, predictBatch } from '../../bundle/batch-model.js';
import type { ImageDecoder } from '../../data/decode.js';
import { createDetectionLoader } from '../../data/detection/loader.js';
import type { DetectionSample } from '../../data/detection/types.js';
import type { NormalizeParams } from '../../data/transforms/normalize.js';
import type { SkipReport } from '../../data/types.js';
import type { DetectorLayout } from '../../heads/detection/layout.js';
import {
  boxesInImage,
  type DecodeSettings,
  type FoundBox,
  outputsPerImage,
} from './found-boxes.js';

export type { DecodeSettings, FoundBox };

export interface DetectOptions extends NormalizeParams, DecodeSettings {
  decoder: ImageDecoder;
  batch: number;
  skipBad?: boolean;
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
    const stride = outputsPerImage(layout, data.length, batch.samples.length);
    batch.samples.forEach((sample, k) => {
      const output = data.subarray(k * stride, (k + 1) * stride);
      const boxes = boxesInImage(output, layout, options, batch.letterboxes[k], batch.sizes[k]);
      results.set(sample, boxes);
    });
  }
  return { results, skipped: loader.skipped };
}
