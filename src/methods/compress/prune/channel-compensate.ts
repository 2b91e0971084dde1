// Mean compensation for removed channels. A removed channel's contribution to each layer that
// read it is not zero but, on average, its mean activation times the weights that read it; the
// network's later BatchNorm statistics (frozen after fine-tuning) expect that contribution. So the
// expected contribution of the removed channels, measured on calibration images through the
// original network, is folded into what follows each reading layer: its bias, or the moving mean
// of the BatchNorm right after it (the bias correction Nagel et al. 2019 apply to quantization
// error, applied to pruning). Exact when the removed channels are constant, as for a 1×1 conv.
// What is left of a removed channel's loss is its variance through the weights that read it, so
// the same statistics score channels: Σ over readers of Var[x_j] · ‖W[.., j, :]‖² is the expected
// squared error of removing channel j after compensation (channels taken as independent).
import * as tf from '@tensorflow/tfjs';
import type { ChannelGroup } from './channel-groups.js';
import type { ChannelPruneReport } from './channel-prune.js';

/** Per input channel mean and variance of a reading layer's input over calibration images. */
export interface InputStats {
  mean: Float32Array;
  variance: Float32Array;
}

const READERS = new Set(['Conv2D', 'Dense']);

export interface CompensationReport {
  /** Layers whose bias or following BatchNorm mean absorbed the removed channels' mean. */
  compensated: string[];
  /** Layers reading removed channels that could not be compensated, with why. */
  skipped: { layer: string; reason: string }[];
}

interface Reader {
  layer: tf.layers.Layer;
  removed: number[];
  /** Kept output channels of the reading layer (in the pruned model's order). */
  keptOutputs?: number[];
}

/** Conv2D and Dense layers that read channels removed from a group, with those channels. */
function readers(original: tf.LayersModel, report: ChannelPruneReport) {
  const keptOutputs = new Map<string, number[]>();
  for (const g of report.groups)
    if (g.after < g.before) for (const p of g.producers) keptOutputs.set(p, g.kept);
  const found: Reader[] = [];
  const skipped: CompensationReport['skipped'] = [];
  for (const group of report.groups) {
    if (group.after === group.before) continue;
    const kept = new Set(group.kept);
    const removed = [...Array(group.before).keys()].filter((c) => !kept.has(c));
    for (const name of group.consumers) {
      const layer = original.getLayer(name);
      const cls = layer.getClassName();
      const shape = (layer.input as tf.SymbolicTensor).shape;
      if (!READERS.has(cls)) skipped.push({ layer: name, reason: cls });
      else if (shape.at(-1) !== group.before)
        skipped.push({ layer: name, reason: 'reads more than this group (concatenated input)' });
      else found.push({ layer, removed, keptOutputs: keptOutputs.get(name) });
    }
  }
  return { found, skipped };
}

/**
 * Input statistics of every Conv2D / Dense layer of `original` over the calibration batches
 * (each tensor disposed after use): the per-channel mean and variance over images and positions.
 */
export async function readerInputStats(
  original: tf.LayersModel,
  batches: AsyncIterable<tf.Tensor>,
): Promise<Map<string, InputStats>> {
  const layers = original.layers.filter(
    (l) => READERS.has(l.getClassName()) && l.inboundNodes.length === 1,
  );
  const probe = tf.model({
    inputs: original.inputs,
    outputs: layers.map((l) => l.input as tf.SymbolicTensor),
  });
  let sums: tf.Tensor[] | undefined;
  let n = 0;
  for await (const x of batches) {
    const moments = tf.tidy(() =>
      ([probe.predict(x)].flat() as tf.Tensor[]).flatMap((o) => {
        const axes = [...Array(o.rank - 1).keys()];
        return [tf.mean(o, axes), tf.mean(tf.square(o), axes)];
      }),
    );
    x.dispose();
    const next = sums ? moments.map((m, i) => tf.add(m, sums![i])) : moments;
    if (sums) tf.dispose([...sums, ...moments]);
    sums = next;
    n++;
  }
  const stats = new Map<string, InputStats>();
  if (!sums) return stats;
  const values = sums.map((t) => tf.tidy(() => tf.div(t, n)).dataSync() as Float32Array);
  tf.dispose(sums);
  layers.forEach((l, i) => {
    const mean = values[2 * i];
    const square = values[2 * i + 1];
    const variance = mean.map((m, c) => Math.max(0, square[c] - m * m));
    stats.set(l.name, { mean, variance });
  });
  return stats;
}

/** Scores a group's channels by the expected squared error their removal leaves (see above). */
export function varianceScorer(
  original: tf.LayersModel,
  stats: ReadonlyMap<string, InputStats>,
): (group: ChannelGroup) => Float64Array | undefined {
  return (group) => {
    const scores = new Float64Array(group.channels);
    let any = false;
    for (const ref of group.consumers) {
      const s = stats.get(ref.layer);
      if (!s) continue;
      any = true;
      const rowNorms = tf.tidy(() => {
        const kernel = original.getLayer(ref.layer).getWeights()[0];
        const axes = [...Array(kernel.rank).keys()].filter((a) => a !== kernel.rank - 2);
        return tf.sum(tf.square(kernel), axes).dataSync();
      });
      for (let c = 0; c < group.channels; c++)
        scores[c] += s.variance[ref.offset + c] * rowNorms[ref.offset + c];
    }
    return any ? scores : undefined;
  };
}

/** The layer right after `layer` when it is the only one reading it. */
function onlyNext(layer: tf.layers.Layer): tf.layers.Layer | undefined {
  const next = layer.outboundNodes.map((n) => n.outboundLayer);
  return next.length === 1 ? next[0] : undefined;
}

export function compensateRemovedChannels(
  original: tf.LayersModel,
  pruned: tf.LayersModel,
  report: ChannelPruneReport,
  stats: ReadonlyMap<string, InputStats>,
): CompensationReport {
  const { found, skipped } = readers(original, report);
  const compensated: string[] = [];
  for (const reader of found) {
    const { layer, removed, keptOutputs } = reader;
    const mean = stats.get(layer.name)?.mean;
    if (!mean) {
      skipped.push({ layer: layer.name, reason: 'no calibration statistics' });
      continue;
    }
    // delta[o] = Σ_removed j  mean_j · Σ_spatial W[.., j, o]: the removed channels' expected input.
    const delta = tf.tidy(() => {
      const kernel = layer.getWeights()[0];
      const perInput = kernel.rank === 4 ? tf.sum(kernel, [0, 1]) : kernel;
      const rows = tf.gather(perInput, tf.tensor1d(removed, 'int32'));
      const m = tf.tensor2d(
        Array.from(removed, (c) => mean[c]),
        [1, removed.length],
      );
      const full = tf.matMul(m, rows).reshape([-1]);
      return keptOutputs ? tf.gather(full, tf.tensor1d(keptOutputs, 'int32')) : full;
    });
    const target = pruned.getLayer(layer.name);
    const next = onlyNext(target);
    // setWeights copies into the variables: the tensors made here are all temporary.
    const how = tf.tidy(() => {
      const weights = target.getWeights();
      if (weights.length > 1) {
        target.setWeights([weights[0], tf.add(weights[1], delta), ...weights.slice(2)]);
        return 'bias';
      }
      if (next?.getClassName() !== 'BatchNormalization') return undefined;
      const values = next.getWeights();
      const at = next.weights.findIndex((w) => w.originalName.endsWith('moving_mean'));
      values[at] = tf.sub(values[at], delta);
      next.setWeights(values);
      return 'batchnorm';
    });
    if (how) compensated.push(layer.name);
    else skipped.push({ layer: layer.name, reason: 'no bias and no BatchNorm right after it' });
    delta.dispose();
  }
  return { compensated, skipped };
}
