// Detection served: each image letterboxed as `detect predict` does (decodeForPrediction,
// letterboxInto), one forward pass per batch, boxes decoded with NMS and mapped back to the
// image's pixels (found-boxes.ts, shared with the browser): COCO-style [x, y, width, height].
import * as tf from '@tensorflow/tfjs';
import { predictBatch, type RunnableBundle } from '../../bundle/batch-model.js';
import { sharpDecoder } from '../../data/decode-sharp.js';
import type { Letterbox } from '../../data/detection/augment.js';
import type { ImageSize } from '../../data/detection/image-size.js';
import { letterboxInto } from '../../data/detection/letterbox-input.js';
import { decodeForPrediction } from '../../data/detection/loader.js';
import { normalizeTable } from '../../data/transforms/normalize.js';
import { detectorOf } from '../../methods/detection/bundle-detector.js';
import {
  boxesInImage,
  type FoundBox,
  outputsPerImage,
} from '../../methods/detection/found-boxes.js';
import { stack, type TaskRunner } from './types.js';

interface Item {
  input: Float32Array;
  letterbox: Letterbox;
  size: ImageSize;
}

/** One image's answer: its boxes in its own pixels, with labels (also the multi-task route's). */
export function boxesAnswer(
  found: readonly FoundBox[],
  categories: readonly string[],
  size: ImageSize,
): Record<string, unknown> {
  return {
    width: size.width,
    height: size.height,
    boxes: found.map((b) => ({
      bbox: b.bbox,
      label: categories[b.category],
      category: b.category,
      score: b.score,
    })),
  };
}

export function detector(bundle: RunnableBundle): TaskRunner<Item> {
  const d = detectorOf(bundle);
  const size = d.layout.inputSize;
  const lut = normalizeTable(bundle.meta.preprocessing);
  return {
    bundle,
    describe: () => ({
      output: 'boxes [x, y, width, height] in image pixels with label and score',
      ...d.decode,
    }),
    async prepare(bytes, id) {
      const image = await decodeForPrediction(sharpDecoder(), id, bytes);
      const input = new Float32Array(size * size * 3);
      const { letterbox } = letterboxInto({ image, boxes: [] }, size, lut, input, 0);
      return { input, letterbox, size: { width: image.width, height: image.height } };
    },
    async run(items) {
      const x = tf.tensor4d(stack(items.map((i) => i.input)), [items.length, size, size, 3]);
      const output = await predictBatch(d.model, x).finally(() => x.dispose());
      const data = (await output.data()) as Float32Array;
      output.dispose();
      const stride = outputsPerImage(d.layout, data.length, items.length);
      return items.map((item, k) => {
        const found = boxesInImage(
          data.subarray(k * stride, (k + 1) * stride),
          d.layout,
          d.decode,
          item.letterbox,
          item.size,
        );
        return boxesAnswer(found, d.categories, item.size);
      });
    },
  };
}
