// Test helpers for channel pruning (not a test itself): random non-trivial weights, the masked
// original that a pruned model must reproduce, and output comparison on random inputs.
import '../../../backbones/batchnorm-fix.js';
import '../../../backbones/relu-layer.js';
import * as tf from '@tensorflow/tfjs';
import type { KerasModelJson } from '../../../backbones/topology.js';
import { type ChannelGraph, restoreDepthMultipliers } from './channel-groups.js';
import type { ChannelPruneReport } from './channel-prune.js';

/** Random weights everywhere, BatchNorm statistics included (fresh models have trivial ones). */
export function randomizeWeights(model: tf.LayersModel, seed = 1): void {
  for (const layer of model.layers) {
    if (!layer.weights.length) continue;
    const values = layer.weights.map((w, i) => {
      const name = w.originalName.split('/').at(-1) ?? '';
      const shape = w.shape as number[];
      const s = seed * 1000 + i + layer.name.length * 7;
      if (name.startsWith('moving_variance')) return tf.randomUniform(shape, 0.5, 2, 'float32', s);
      if (name.startsWith('gamma')) return tf.randomUniform(shape, -1.5, 1.5, 'float32', s);
      if (shape.length < 2) return tf.randomNormal(shape, 0, 0.5, 'float32', s);
      const fanIn = shape.slice(0, -1).reduce((a, b) => a * b, 1);
      return tf.randomNormal(shape, 0, Math.sqrt(2 / fanIn), 'float32', s);
    });
    layer.setWeights(values);
    tf.dispose(values);
  }
}

/** An independent copy: rebuilt from the config, weights copied by layer name. */
export async function copyModel(model: tf.LayersModel): Promise<tf.LayersModel> {
  const json = model.toJSON(null, false) as KerasModelJson;
  restoreDepthMultipliers(json, model);
  const copy = await tf.models.modelFromJSON({ modelTopology: json as never });
  for (const layer of copy.layers) {
    const weights = model.getLayer(layer.name).getWeights();
    if (weights.length) layer.setWeights(weights);
  }
  return copy;
}

/** Which weight axis of a consumer reads its input channels (test-side table, on purpose). */
const INPUT_AXIS: Record<string, [string, number][]> = {
  Conv2D: [['kernel', 2]],
  Dense: [['kernel', 0]],
  Conv2DTranspose: [['kernel', 3]],
  SeparableConv2D: [['depthwise_kernel', 2]],
};

/**
 * The original with every consumer's input weights zeroed where they read a removed channel:
 * the removed channels then contribute nothing, which is what pruning claims to compute.
 */
export async function maskedOriginal(
  model: tf.LayersModel,
  graph: ChannelGraph,
  report: ChannelPruneReport,
): Promise<tf.LayersModel> {
  const copy = await copyModel(model);
  for (const g of report.groups) {
    const kept = new Set(g.kept);
    const removed = [...Array(g.before).keys()].filter((i) => !kept.has(i));
    if (!removed.length) continue;
    for (const ref of graph.groups[g.id].consumers) {
      const layer = copy.getLayer(ref.layer);
      const axes = INPUT_AXIS[layer.getClassName()];
      if (!axes) throw new Error(`no input axis known for ${layer.getClassName()}`);
      const weights = layer.weights.map((w) => {
        const short = w.originalName.split('/').at(-1)?.replace(/_\d+$/, '');
        const axis = axes.find(([n]) => n === short)?.[1];
        const value = w.read();
        if (axis === undefined) return value.clone();
        return tf.tidy(() => {
          const mask = new Float32Array(value.shape[axis]).fill(1);
          for (const i of removed) mask[ref.offset + i] = 0;
          const shape = value.shape.map((d, a) => (a === axis ? d : 1));
          return tf.mul(value, tf.tensor(mask, shape));
        });
      });
      layer.setWeights(weights);
      tf.dispose(weights);
    }
  }
  return copy;
}

/** Max |a - b| over max |b|, on one batch of random inputs. */
export function relativeDiff(a: tf.LayersModel, b: tf.LayersModel, seed = 7): number {
  return tf.tidy(() => {
    const inputs = b.inputs.map((t, i) =>
      tf.randomNormal([2, ...(t.shape.slice(1) as number[])], 0, 1, 'float32', seed + i),
    );
    const outA = [a.predict(inputs)].flat() as tf.Tensor[];
    const outB = [b.predict(inputs)].flat() as tf.Tensor[];
    let worst = 0;
    outB.forEach((y, i) => {
      const scale = tf.max(tf.abs(y)).dataSync()[0] || 1;
      const diff = tf.max(tf.abs(tf.sub(outA[i], y))).dataSync()[0];
      worst = Math.max(worst, diff / scale);
    });
    return worst;
  });
}
