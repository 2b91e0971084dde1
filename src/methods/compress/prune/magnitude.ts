// Unstructured magnitude pruning: the smallest-magnitude conv, depthwise and dense kernel weights
// are set to zero and held there by masks while the network fine-tunes (re-applied after every
// optimizer step, so momentum and weight decay cannot revive them). Threshold global (one cut over
// every kernel, as Zhu & Gupta's global variant; layers end at different sparsities) or per layer.
import * as tf from '@tensorflow/tfjs';
import type { Callback } from '../../../train/callbacks.js';
import { isPruningStep, type SparsitySchedule, sparsityAt } from './schedule.js';

const PRUNED_CLASSES = new Set(['Conv2D', 'DepthwiseConv2D', 'SeparableConv2D', 'Dense']);

export interface PrunableWeight {
  layer: string;
  variable: tf.LayerVariable;
}

export interface LayerSparsity {
  layer: string;
  weight: string;
  size: number;
  zeros: number;
  sparsity: number;
}

export interface SparsityReport {
  layers: LayerSparsity[];
  size: number;
  zeros: number;
  /** zeros / size over every prunable kernel. */
  sparsity: number;
}

/** The kernels magnitude pruning acts on; biases and BatchNorm parameters are left dense. */
export function prunableWeights(model: tf.LayersModel): PrunableWeight[] {
  return model.layers.flatMap((layer) =>
    PRUNED_CLASSES.has(layer.getClassName())
      ? layer.weights
          .filter((w) => /kernel$/.test(w.originalName) && w.shape.length >= 2)
          .map((variable) => ({ layer: layer.name, variable }))
      : [],
  );
}

/** The k-th smallest value (0-based) of `values`; `values` is left unchanged. */
function kthSmallest(values: Float32Array, k: number): number {
  return Float32Array.from(values).sort()[k];
}

export function sparsityOf(weights: readonly PrunableWeight[]): SparsityReport {
  const layers = weights.map(({ layer, variable }) => {
    const v = variable.read().dataSync();
    let zeros = 0;
    for (const x of v) if (x === 0) zeros++;
    return { layer, weight: variable.name, size: v.length, zeros, sparsity: zeros / v.length };
  });
  const size = layers.reduce((n, l) => n + l.size, 0);
  const zeros = layers.reduce((n, l) => n + l.zeros, 0);
  return { layers, size, zeros, sparsity: size ? zeros / size : 0 };
}

export class MagnitudePruner {
  readonly weights: PrunableWeight[];
  private masks = new Map<tf.LayerVariable, tf.Tensor>();

  constructor(
    model: tf.LayersModel,
    readonly scope: 'global' | 'layer' = 'global',
  ) {
    this.weights = prunableWeights(model);
  }

  /** New masks keeping the largest-magnitude (1 − sparsity) share of weights, applied now. */
  prune(sparsity: number): void {
    const magnitudes = this.weights.map(
      (w) => tf.tidy(() => tf.abs(w.variable.read()).dataSync()) as Float32Array,
    );
    const cut = (values: Float32Array) => {
      const k = Math.floor(sparsity * values.length);
      // Weights at or below the k-th smallest magnitude go (ties at exactly 0 are pruned already).
      return k === 0 ? -1 : kthSmallest(values, k - 1);
    };
    let global = -1;
    if (this.scope === 'global') {
      const all = new Float32Array(magnitudes.reduce((n, m) => n + m.length, 0));
      let offset = 0;
      for (const m of magnitudes) {
        all.set(m, offset);
        offset += m.length;
      }
      global = cut(all);
    }
    this.weights.forEach((w, i) => {
      const threshold = this.scope === 'global' ? global : cut(magnitudes[i]);
      const mask = Float32Array.from(magnitudes[i], (m) => (m > threshold ? 1 : 0));
      this.masks.get(w.variable)?.dispose();
      this.masks.set(w.variable, tf.tensor(mask, w.variable.shape as number[]));
    });
    this.apply();
  }

  /** Masks from the weights as they are: after a resume, the zeros are the pruned weights. */
  adoptZeros(): void {
    for (const w of this.weights) {
      const mask = tf.tidy(() => tf.cast(tf.notEqual(w.variable.read(), 0), 'float32'));
      this.masks.get(w.variable)?.dispose();
      this.masks.set(w.variable, mask);
    }
  }

  /** Zeroes every pruned weight again. */
  apply(): void {
    for (const [variable, mask] of this.masks) {
      tf.tidy(() => {
        variable.write(tf.mul(variable.read(), mask));
      });
    }
  }

  report(): SparsityReport {
    return sparsityOf(this.weights);
  }

  dispose(): void {
    for (const m of this.masks.values()) m.dispose();
    this.masks.clear();
  }

  /**
   * The loop callback: masks recomputed on the schedule's pruning steps and re-applied after
   * every optimizer step; on resume, taken from the restored weights.
   */
  callback(schedule: SparsitySchedule): Callback {
    return {
      onResume: () => this.adoptZeros(),
      onBatchBegin: ({ step }) => {
        if (isPruningStep(step, schedule)) this.prune(sparsityAt(step, schedule));
      },
      onBatchEnd: () => this.apply(),
    };
  }
}
