// Segmentation in the browser: Node's segmentImage (methods/segmentation/segment-image.ts) on the
// decoded image, a label map at the image's own size and each class's share of it.
import type { LabelMap } from '../data/segmentation/types.js';
import { badInput } from '../errors.js';
import {
  classShares,
  type InferenceMode,
  segmentImage,
} from '../methods/segmentation/segment-image.js';
import { type ImageInput, toDecodedImage } from './image-input.js';
import { requireTask, type WebBundle } from './load-bundle.js';

export interface Segmentation {
  /** One class index per pixel, row-major, at the image's size. */
  mask: LabelMap;
  mode: 'resize' | 'slide';
  /** Share of the image's pixels per class name (classes present only). */
  classShares: Record<string, number>;
}

export async function segment(
  bundle: WebBundle,
  input: ImageInput,
  options: { mode?: InferenceMode; overlap?: number; batch?: number } = {},
): Promise<Segmentation> {
  requireTask(bundle, 'segmentation');
  const { meta } = bundle;
  if (!meta.segmentation)
    throw badInput(`${bundle.url}: visiontune.json has no segmentation section`);
  const image = await toDecodedImage(input);
  const { mean, std, inputSize } = meta.preprocessing;
  const { mask, mode } = await segmentImage(bundle.model, image, {
    mean,
    std,
    size: inputSize,
    mode: options.mode ?? meta.segmentation.inference,
    overlap: options.overlap,
    batch: options.batch ?? 8,
  });
  return { mask, mode, classShares: classShares(mask, meta.labels) };
}
