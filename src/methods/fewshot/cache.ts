// Features of every image in a pool at the network's cut, computed once in inference mode:
// episodes then only gather rows. With no prefix the rows are the preprocessed images. The prefix
// is frozen: it runs where frozen passes run (ONNX Runtime when installed: frozen-forward.ts).
import * as tf from '@tensorflow/tfjs';
import { frozenForward } from '../../bundle/onnx/frozen-forward.js';
import { createLoader, evalTransform } from '../../data/index.js';
import type { DataSource, Sample } from '../../data/types.js';
import type { FewShotNetwork } from './network.js';

/** Center crop kept at evaluation, as in classification (timm's crop_pct); saved with bundles. */
export const FEWSHOT_CROP_PCT = 0.875;

export interface FeatureCache {
  /** [count, ...itemShape] row-major. */
  values: Float32Array;
  itemShape: number[];
  count: number;
}

export async function cacheFeatures(
  network: FewShotNetwork,
  source: DataSource,
  samples: readonly Sample[],
  options: { batchSize?: number; onBatch?: (n: number) => void } = {},
): Promise<FeatureCache> {
  const { config, prefix } = network;
  const transform = evalTransform(config, { size: config.inputSize, cropPct: FEWSHOT_CROP_PCT });
  const loader = createLoader(source, samples, { batchSize: options.batchSize ?? 64, transform });
  let values: Float32Array | undefined;
  let itemShape: number[] = [];
  let offset = 0;
  const forward = prefix ? await frozenForward(prefix) : undefined;
  for await (const batch of loader) {
    const out = forward ? await forward.run(batch.x) : batch.x;
    const data = (await out.data()) as Float32Array;
    if (!values) {
      itemShape = out.shape.slice(1);
      values = new Float32Array(samples.length * (data.length / out.shape[0]!));
    }
    values.set(data, offset);
    offset += data.length;
    tf.dispose([batch.x, out]);
    options.onBatch?.(batch.samples.length);
  }
  return { values: values ?? new Float32Array(0), itemShape, count: samples.length };
}

/** Rows `items` of the cache as one tensor [items.length, ...itemShape]. */
export function gatherRows(cache: FeatureCache, items: readonly number[]): tf.Tensor {
  const size = cache.itemShape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(items.length * size);
  items.forEach((item, i) => {
    out.set(cache.values.subarray(item * size, (item + 1) * size), i * size);
  });
  return tf.tensor(out, [items.length, ...cache.itemShape]);
}
