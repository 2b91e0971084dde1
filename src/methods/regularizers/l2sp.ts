// L2-SP (Li, Grandvalet & Davoine, ICML 2018, "Explicit Inductive Bias for Transfer Learning
// with Convolutional Networks"): instead of decaying fine-tuned weights toward 0, pull the
// weights that came from the pretrained model toward their starting point,
//   Ω(w) = α/2 · ‖w_S − w⁰_S‖²  +  β/2 · ‖w_S̄‖²,
// S = backbone weights (pretrained), S̄ = new weights (the head), added to the task loss.
//
// Choices, stated once:
// - Defaults α = 0.1, β = 0.01: the values used for L2-SP in the paper's experiments (chosen
//   there by cross-validation on a grid; tune per task). Both are coefficients of the 1/2-scaled
//   squares, so the gradient is α(w − w⁰) and βw, the same scale as SGD weight decay.
// - Which weights: every weight of kind "trainable" (kernels, biases, BatchNorm gamma/beta),
//   because the paper penalizes all pretrained parameters. BatchNorm moving mean/variance are
//   statistics, not parameters (no gradient), and are skipped. `includeNorm: false` drops the
//   gamma/beta of normalization layers for recipes that keep them unregularized.
// - Frozen weights: the penalty covers the weights that train *now* (model.trainableWeights at
//   each call), measured against the snapshot taken at creation, so gradual unfreezing works
//   without rebuilding it. A frozen backbone weight equals its anchor anyway.
// - Use optimizer weight decay 0 for the backbone alongside L2-SP (decay would pull toward 0).
//   The paper trains with SGD + momentum; with Adam the penalty gradient is rescaled per weight
//   like any L2 term in the loss.
import * as tf from '@tensorflow/tfjs';
import { badUsage } from '../../errors.js';

export interface L2SPOptions {
  /** Weight of the pull toward the starting weights (backbone). Default 0.1. */
  alpha?: number;
  /** Weight of plain L2 on the new weights (head). Default 0.01. */
  beta?: number;
  /**
   * Whether a top-level layer (by name) is new rather than pretrained. Default: names starting
   * `head`, as createModel names its classifier and buildParamGroups assumes.
   */
  isHead?: (layerName: string) => boolean;
  /** Penalize gamma/beta of normalization layers too. Default true (the paper: all params). */
  includeNorm?: boolean;
}

export interface L2SP {
  /** Ω(w) from tfjs ops on the live variables: differentiable under tf.variableGrads. */
  penalty(): tf.Scalar;
  /** Names of the weights in each term (all of them, frozen or not). */
  readonly backbone: readonly string[];
  readonly head: readonly string[];
  /** Frees the snapshot of the starting weights. */
  dispose(): void;
}

export const L2SP_DEFAULTS = { alpha: 0.1, beta: 0.01 } as const;

interface Entry {
  variable: tf.LayerVariable;
  /** Starting value (backbone only). */
  anchor?: tf.Tensor;
}

/** A layer that contains layers (a nested model used as a layer). */
function sublayers(layer: tf.layers.Layer): tf.layers.Layer[] | undefined {
  const inner = (layer as unknown as { layers?: tf.layers.Layer[] }).layers;
  return Array.isArray(inner) ? inner : undefined;
}

/**
 * The weights a layer would train if unfrozen. `trainableWeights` is empty for a frozen layer,
 * so it cannot tell a frozen kernel from a moving statistic; the layer's own list can.
 */
function ownParameters(layer: tf.layers.Layer): tf.LayerVariable[] {
  const own = (layer as unknown as { _trainableWeights?: tf.LayerVariable[] })._trainableWeights;
  return Array.isArray(own) ? own : layer.trainableWeights;
}

function isNormLayer(layer: tf.layers.Layer): boolean {
  return /Normalization$/.test(layer.getClassName());
}

export function createL2SP(model: tf.LayersModel, options: L2SPOptions = {}): L2SP {
  const alpha = options.alpha ?? L2SP_DEFAULTS.alpha;
  const beta = options.beta ?? L2SP_DEFAULTS.beta;
  const isHead = options.isHead ?? ((name: string) => name.startsWith('head'));
  const includeNorm = options.includeNorm ?? true;
  for (const [name, v] of [
    ['alpha', alpha],
    ['beta', beta],
  ] as const) {
    if (!(Number.isFinite(v) && v >= 0)) throw badUsage(`L2-SP ${name}: must be >= 0 (got ${v})`);
  }

  const entries: Entry[] = [];
  const seen = new Set<number>();
  const walk = (layer: tf.layers.Layer, head: boolean): void => {
    const inner = sublayers(layer);
    if (inner) {
      for (const l of inner) walk(l, head);
      return;
    }
    if (!includeNorm && isNormLayer(layer)) return;
    for (const variable of ownParameters(layer)) {
      if (seen.has(variable.id)) continue; // a layer shared between two places
      seen.add(variable.id);
      entries.push(head ? { variable } : { variable, anchor: tf.clone(variable.read()) });
    }
  };
  for (const layer of model.layers) walk(layer, isHead(layer.name));

  let disposed = false;
  return {
    backbone: entries.filter((e) => e.anchor).map((e) => e.variable.name),
    head: entries.filter((e) => !e.anchor).map((e) => e.variable.name),
    penalty(): tf.Scalar {
      if (disposed) throw new Error('L2-SP: penalty() after dispose()');
      const live = new Set(model.trainableWeights.map((v) => v.id));
      return tf.tidy(() => {
        const pull: tf.Scalar[] = [];
        const shrink: tf.Scalar[] = [];
        for (const { variable, anchor } of entries) {
          if (!live.has(variable.id)) continue;
          const w = variable.read();
          if (anchor) {
            if (alpha !== 0) pull.push(tf.sum(tf.square(tf.sub(w, anchor))));
          } else if (beta !== 0) {
            shrink.push(tf.sum(tf.square(w)));
          }
        }
        let total: tf.Scalar = tf.scalar(0);
        if (pull.length > 0) total = tf.add(total, tf.mul(tf.addN(pull), alpha / 2));
        if (shrink.length > 0) total = tf.add(total, tf.mul(tf.addN(shrink), beta / 2));
        return total;
      });
    },
    dispose(): void {
      if (disposed) return;
      disposed = true;
      for (const e of entries) e.anchor?.dispose();
    },
  };
}
