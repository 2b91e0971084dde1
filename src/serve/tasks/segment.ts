// Segmentation served: each image decoded at its working size and segmented as `segment predict`
// does (decodeForSegmenter, segmentDecoded: resize or sliding windows by the bundle's setting),
// answered with the index mask as a PNG (one class index per pixel, at the image's size) and
// each class's share of the pixels. Images still queue and batch together, but each runs its own
// forward pass(es): the number of windows depends on the image's size.
import type { RunnableBundle } from '../../bundle/batch-model.js';
import type { ImageSize } from '../../data/detection/image-size.js';
import type { LabelMap } from '../../data/segmentation/types.js';
import type { DecodedImage } from '../../data/types.js';
import {
  decodeForSegmenter,
  inferenceSettings,
  segmentDecoded,
  segmenterOf,
} from '../../methods/segmentation/bundle-segmenter.js';
import { encodeIndexPng } from '../../report/mask-images.js';
import type { TaskRunner } from './types.js';

interface Item {
  image: DecodedImage;
  size: ImageSize;
}

/** One image's answer: the index mask as a base64 PNG and the class shares (also the
 * multi-task route's). */
export async function maskAnswer(
  mask: LabelMap,
  mode: 'resize' | 'slide',
  shares: Record<string, number>,
): Promise<Record<string, unknown>> {
  return {
    width: mask.width,
    height: mask.height,
    mode,
    classShares: shares,
    mask: {
      format: 'png',
      encoding: 'base64',
      data: (await encodeIndexPng(mask)).toString('base64'),
    },
  };
}

export function segmenter(bundle: RunnableBundle): TaskRunner<Item> {
  const d = segmenterOf(bundle);
  const settings = inferenceSettings(d, {});
  return {
    bundle,
    describe: () => ({
      output: 'index mask PNG (base64; pixel value = class index) and class shares',
      inference: d.inference,
    }),
    prepare: (bytes, id) => decodeForSegmenter(d, id, bytes),
    async run(items) {
      const results: (Record<string, unknown> | Error)[] = [];
      for (const { image, size } of items) {
        try {
          const { segmented, mask, shares } = await segmentDecoded(d, image, size, settings);
          results.push(await maskAnswer(mask, segmented.mode, shares));
        } catch (err) {
          results.push(err instanceof Error ? err : new Error(String(err)));
        }
      }
      return results;
    },
  };
}
