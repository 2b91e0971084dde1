// A segmenter over labelled images: each image decoded and segmented at its own size
// (segment-image.ts), compared with its label map in one confusion matrix. The next images are
// decoded while the model runs. The first `keep` results are kept for the report's triplets.

import type { BatchModel } from '../../bundle/batch-model.js';
import type { ImageDecoder } from '../../data/decode.js';
import { prefetched } from '../../data/prefetch.js';
import { type MaskSource, sampleMask } from '../../data/segmentation/sample-mask.js';
import type { LabelMap, SegmentationSample } from '../../data/segmentation/types.js';
import type { DecodedImage, SkipReport } from '../../data/types.js';
import { recordSkip } from '../../data/validate.js';
import { VisiontuneError } from '../../errors.js';
import {
  SegmentationAccumulator,
  type SegmentationMetrics,
} from '../../metrics/segmentation/index.js';
import { type SegmentImageOptions, segmentImage } from './segment-image.js';

export interface EvaluateSegmenterOptions extends SegmentImageOptions {
  decoder: ImageDecoder;
  source: MaskSource;
  skipBad?: boolean;
  /** Results kept (image, truth, prediction) for drawing; default 0. */
  keep?: number;
}

export interface KeptResult {
  sample: SegmentationSample;
  image: DecodedImage;
  truth: LabelMap;
  prediction: LabelMap;
}

export interface SegmenterEvaluation {
  metrics: SegmentationMetrics;
  kept: KeptResult[];
  skipped: SkipReport;
  /** Images segmented by each inference mode. */
  modes: { resize: number; slide: number };
}

export async function evaluateSegmenter(
  model: BatchModel,
  samples: readonly SegmentationSample[],
  options: EvaluateSegmenterOptions,
): Promise<SegmenterEvaluation> {
  const accumulator = new SegmentationAccumulator(options.source.classes.length, {
    ignoreIndex: options.source.ignoreIndex,
  });
  const skipped: SkipReport = { count: 0, examples: [] };
  const kept: KeptResult[] = [];
  const modes = { resize: 0, slide: 0 };
  const load = async (i: number) => {
    const sample = samples[i];
    try {
      const image = await options.decoder.decode(sample.image, sample.image);
      return { sample, image, truth: await sampleMask(sample, options.source, image) };
    } catch (err) {
      if (!options.skipBad || !(err instanceof VisiontuneError)) throw err;
      recordSkip(skipped, err.message);
      return null;
    }
  };
  for await (const { sample, image, truth } of prefetched(samples.length, load, 2, () => {})) {
    const { mask, mode } = await segmentImage(model, image, options);
    accumulator.add(truth.data, mask.data);
    modes[mode]++;
    if (kept.length < (options.keep ?? 0)) kept.push({ sample, image, truth, prediction: mask });
  }
  return { metrics: accumulator.metrics(), kept, skipped, modes };
}
