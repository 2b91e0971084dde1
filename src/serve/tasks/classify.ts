// Classification served: the bundle's eval transform per image (bundle/preprocess.ts), one forward
// pass per batch, softmax top-k per image (classifyBatch, as `visiontune predict`); a multi-label
// classifier also answers the classes at or above the default threshold (`present`).
import * as tf from '@tensorflow/tfjs';
import type { RunnableBundle } from '../../bundle/batch-model.js';
import { MULTI_LABEL_THRESHOLD } from '../../bundle/classify-output.js';
import { type Classified, classifyBatch } from '../../bundle/predict.js';
import { bundleTransform } from '../../bundle/preprocess.js';
import { sharpDecoder } from '../../data/decode-sharp.js';
import { Rng } from '../../util/rng.js';
import { stack, type TaskRunner } from './types.js';

interface Item {
  input: Float32Array;
  top: number;
}

/** One image's answer: its top classes, and a multi-label classifier's present ones. */
export function classesAnswer(classified: Classified, top: number): Record<string, unknown> {
  const { present } = classified;
  return { classes: classified.top.slice(0, top), ...(present ? { present } : {}) };
}

// Eval transforms draw no randomness; the contract still wants a stream.
const NO_RANDOMNESS = new Rng(0);

export function classifier(bundle: RunnableBundle): TaskRunner<Item> {
  const transform = bundleTransform(bundle.meta.preprocessing);
  const { size } = transform;
  return {
    bundle,
    describe: () => ({
      output: bundle.meta.multiLabel
        ? `top-k classes with sigmoid probabilities, and the classes present (probability ≥ ${MULTI_LABEL_THRESHOLD})`
        : 'top-k classes with softmax probabilities',
    }),
    async prepare(bytes, id, params) {
      const image = await sharpDecoder().decode(bytes, id, transform.decodeHint);
      return { input: transform.apply(image, NO_RANDOMNESS), top: params.top };
    },
    async run(items) {
      const x = tf.tensor4d(stack(items.map((i) => i.input)), [items.length, size, size, 3]);
      try {
        const top = await classifyBatch(bundle, x, Math.max(...items.map((i) => i.top)));
        return items.map((item, i) => classesAnswer(top[i], item.top));
      } finally {
        x.dispose();
      }
    },
  };
}
