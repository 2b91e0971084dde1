// Detection in the browser: the image letterboxed as Node's detection loader does
// (data/detection/letterbox-input.ts), the output decoded by Node's found-boxes.ts (decode, NMS, boxes
// mapped back to the image's pixels).
import * as tf from '@tensorflow/tfjs';
import { predictBatch } from '../bundle/predict-batch.js';
import { letterboxInto } from '../data/detection/letterbox-input.js';
import { normalizeTable } from '../data/transforms/normalize.js';
import { badInput } from '../errors.js';
import {
  boxesInImage,
  type DecodeSettings,
  type FoundBox,
  outputsPerImage,
} from '../methods/detection/found-boxes.js';
import { type ImageInput, toDecodedImage } from './image-input.js';
import { requireTask, type WebBundle } from './load-bundle.js';

export interface Detection extends FoundBox {
  label: string;
}

/** Objects in `input`, boxes [x, y, width, height] in its pixels; settings default to the bundle's. */
export async function detect(
  bundle: WebBundle,
  input: ImageInput,
  settings: Partial<DecodeSettings> = {},
): Promise<Detection[]> {
  requireTask(bundle, 'detection');
  const { meta } = bundle;
  if (!meta.detection) throw badInput(`${bundle.url}: visiontune.json has no detection section`);
  const { strides, scoreThreshold, nmsIou, maxDetections } = meta.detection;
  const size = meta.preprocessing.inputSize;
  const layout = { inputSize: size, strides, numClasses: meta.labels.length };
  const image = await toDecodedImage(input);
  const pixels = new Float32Array(size * size * 3);
  const boxed = letterboxInto(
    { image, boxes: [] },
    size,
    normalizeTable(meta.preprocessing),
    pixels,
    0,
  );
  const x = tf.tensor4d(pixels, [1, size, size, 3]);
  const y = await predictBatch(bundle.model, x).finally(() => x.dispose());
  const output = (await y.data()) as Float32Array;
  y.dispose();
  outputsPerImage(layout, output.length, 1);
  const decode = { scoreThreshold, nmsIou, maxDetections, ...settings };
  return boxesInImage(output, layout, decode, boxed.letterbox, image).map((b) => ({
    ...b,
    label: meta.labels[b.category] ?? String(b.category),
  }));
}
