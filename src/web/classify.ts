// Classification and embedding in the browser: the bundle's preprocessing (bundle/preprocess.ts)
// and output reading (bundle/classify-output.ts) are Node's own functions.
import * as tf from '@tensorflow/tfjs';
import { type Scored, softmaxRows, topClasses } from '../bundle/classify-output.js';
import { predictBatch } from '../bundle/predict-batch.js';
import { preprocessImages } from '../bundle/preprocess.js';
import { type ImageInput, toDecodedImage } from './image-input.js';
import { requireTask, type WebBundle } from './load-bundle.js';

/** The model input for `input`: NHWC floats of one inputSize × inputSize image. */
export async function preprocess(bundle: WebBundle, input: ImageInput): Promise<Float32Array> {
  return preprocessImages(bundle.meta.preprocessing, [await toDecodedImage(input)]);
}

/** The network's raw output for `input` (logits, or an embedding bundle's features). */
export async function forward(bundle: WebBundle, input: ImageInput): Promise<Float32Array> {
  const size = bundle.meta.preprocessing.inputSize;
  const x = tf.tensor4d(await preprocess(bundle, input), [1, size, size, 3]);
  const y = await predictBatch(bundle.model, x).finally(() => x.dispose());
  try {
    return (await y.data()) as Float32Array;
  } finally {
    y.dispose();
  }
}

export interface Classification {
  /** Softmax probabilities, one per label. */
  probabilities: Float32Array;
  /** The `topK` most probable classes, most probable first. */
  top: Scored[];
}

export async function classify(
  bundle: WebBundle,
  input: ImageInput,
  options: { topK?: number } = {},
): Promise<Classification> {
  requireTask(bundle, 'classification');
  const logits = tf.tensor2d(await forward(bundle, input), [1, bundle.meta.labels.length]);
  const probabilities = await softmaxRows(logits).finally(() => logits.dispose());
  return { probabilities, top: topClasses(probabilities, bundle.meta.labels, options.topK ?? 5) };
}
