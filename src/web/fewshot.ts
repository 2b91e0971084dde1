// Few-shot in the browser: new classes added to a fitted few-shot classifier from images taken in
// the page, as `visiontune fewshot add` does. The support images go through the bundle's eval
// preprocessing (bundle/preprocess.ts) and its graph up to the head; the head math is
// methods/fewshot/classifier/grow.ts, the same as Node's.
import * as tf from '@tensorflow/tfjs';
import { BUNDLE_FORMAT_VERSION } from '../bundle/meta.js';
import { preprocessImages } from '../bundle/preprocess.js';
import { badUsage } from '../errors.js';
import { finishGrowth, startGrowth } from '../methods/fewshot/classifier/grow.js';
import { type ImageInput, toDecodedImage } from './image-input.js';
import type { WebBundle } from './load-bundle.js';

export interface NewClass {
  label: string;
  images: readonly ImageInput[];
}

/** Images embedded per forward pass. */
const BATCH = 16;

/** A new bundle whose classifier also knows `added`; the old classes' logits are unchanged. */
export async function addClasses(
  bundle: WebBundle,
  added: readonly NewClass[],
  options: { source?: string } = {},
): Promise<WebBundle> {
  if (!(bundle.model instanceof tf.LayersModel))
    throw badUsage(`${bundle.url}: classes can be added to a TF.js bundle only, not an ONNX one`);
  const source = options.source ?? 'the page';
  const classes = added.map((c) => c.label);
  const grown = { model: bundle.model, meta: bundle.meta, where: bundle.url };
  const growth = startGrowth(grown, classes, source);
  const items = added.flatMap((c, label) => c.images.map((image) => ({ image, label })));
  const p = bundle.meta.preprocessing;
  const chunks: Float32Array[] = [];
  for (let i = 0; i < items.length; i += BATCH) {
    const chunk = items.slice(i, i + BATCH);
    const images = await Promise.all(chunk.map((item) => toDecodedImage(item.image)));
    const x = tf.tensor4d(preprocessImages(p, images), [chunk.length, p.inputSize, p.inputSize, 3]);
    const y = growth.features.predict(x) as tf.Tensor;
    x.dispose();
    chunks.push((await y.data()) as Float32Array);
    y.dispose();
  }
  const embeddings = new Float32Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    embeddings.set(c, at);
    at += c.length;
  }
  const labels = Int32Array.from(items, (item) => item.label);
  const set = { embeddings, labels, dim: items.length > 0 ? embeddings.length / items.length : 0 };
  const { model, meta } = await finishGrowth(grown, growth, set, classes, source);
  return {
    url: bundle.url,
    model,
    meta: {
      ...meta,
      formatVersion: BUNDLE_FORMAT_VERSION,
      createdAt: new Date().toISOString(),
      visiontuneVersion: bundle.meta.visiontuneVersion,
    },
  };
}
