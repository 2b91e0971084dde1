// Scores each channel of a group: how much the network would lose without it. 'l1' sums the L1
// norms of the channel's output filters over the group's conv/dense producers; 'bn-gamma' sums
// |gamma| over its BatchNorms (Network Slimming, Liu et al. 2017).
import * as tf from '@tensorflow/tfjs';
import type { ChannelGraph, ChannelGroup } from './channel-groups.js';
import { weightAxes } from './channel-rules.js';

export type ChannelImportance = 'l1' | 'bn-gamma';

function weightNamed(layer: tf.layers.Layer, short: string): tf.LayerVariable | undefined {
  return layer.weights.find(
    (w) => w.originalName.split('/').at(-1)?.replace(/_\d+$/, '') === short,
  );
}

/**
 * Per-channel L1 norm of each producer's filters, divided by that producer's mean norm: producers
 * tied by an Add (a residual stream) differ in scale by orders of magnitude, and raw sums would
 * let the largest decide alone.
 */
function l1Scores(model: tf.LayersModel, graph: ChannelGraph, group: ChannelGroup): Float64Array {
  const scores = new Float64Array(group.channels);
  for (const ref of group.producers) {
    const rule = graph.layers.get(ref.layer)!.rule;
    if (rule.kind !== 'produce') continue;
    const layer = model.getLayer(ref.layer);
    const kernel = weightNamed(layer, 'kernel') ?? weightNamed(layer, 'pointwise_kernel');
    if (!kernel) continue;
    const out = weightAxes(rule.weights, kernel.originalName)?.find((a) => a.side === 'out');
    if (!out) continue;
    const norms = tf.tidy(() => {
      const w = kernel.read();
      const axis = out.axis < 0 ? w.rank + out.axis : out.axis;
      const other = [...Array(w.rank).keys()].filter((a) => a !== axis);
      return tf.sum(tf.abs(w), other).dataSync();
    });
    let mean = 0;
    for (let c = 0; c < group.channels; c++) mean += norms[ref.offset + c] / group.channels;
    for (let c = 0; c < group.channels; c++) scores[c] += norms[ref.offset + c] / (mean || 1);
  }
  return scores;
}

function gammaScores(model: tf.LayersModel, group: ChannelGroup): Float64Array | undefined {
  const scores = new Float64Array(group.channels);
  let found = false;
  for (const ref of group.perChannel) {
    if (ref.className !== 'BatchNormalization') continue;
    const gamma = weightNamed(model.getLayer(ref.layer), 'gamma');
    if (!gamma) continue;
    found = true;
    const values = gamma.read().dataSync();
    for (let c = 0; c < group.channels; c++) scores[c] += Math.abs(values[ref.offset + c]);
  }
  return found ? scores : undefined;
}

/** Scores of the group's channels and the criterion really used ('bn-gamma' falls back to l1). */
export function channelScores(
  model: tf.LayersModel,
  graph: ChannelGraph,
  group: ChannelGroup,
  importance: ChannelImportance,
): { scores: Float64Array; used: ChannelImportance } {
  if (importance === 'bn-gamma') {
    const scores = gammaScores(model, group);
    if (scores) return { scores, used: 'bn-gamma' };
  }
  return { scores: l1Scores(model, graph, group), used: 'l1' };
}

/** Indices of the `keep` highest scores, ascending (ties go to the earlier channel). */
export function topChannels(scores: ArrayLike<number>, keep: number): number[] {
  const order = Array.from(scores, (s, i) => [s, i] as const).sort(
    (a, b) => b[0] - a[0] || a[1] - b[1],
  );
  return order
    .slice(0, keep)
    .map(([, i]) => i)
    .sort((a, b) => a - b);
}
