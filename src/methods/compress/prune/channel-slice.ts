// Cuts one layer's weights down to the kept channels: each weight axis that is indexed by the
// layer's input or output channels is gathered at the kept positions of that channel axis.
import * as tf from '@tensorflow/tfjs';
import type { ChannelSegment } from './channel-groups.js';
import { type WeightAxes, weightAxes } from './channel-rules.js';

/** Kept positions along a channel axis made of `segments`, given each group's kept indices. */
export function keptPositions(
  segments: ChannelSegment[],
  kept: Map<number, number[]>,
  repeat = 1,
): number[] {
  const positions: number[] = [];
  for (const s of segments) {
    const keep = kept.get(s.group);
    const indices = keep ?? [...Array(s.size).keys()];
    for (const i of indices)
      for (let r = 0; r < repeat; r++) positions.push((s.offset + i) * repeat + r);
  }
  return positions;
}

/** Whether any segment loses channels. */
export function isCut(segments: ChannelSegment[], kept: Map<number, number[]>): boolean {
  return segments.some((s) => (kept.get(s.group)?.length ?? s.size) !== s.size);
}

/** The weights of `layer` with every channel axis gathered at the kept positions (new tensors). */
export function sliceWeights(
  layer: tf.layers.Layer,
  rules: WeightAxes,
  input: ChannelSegment[],
  output: ChannelSegment[],
  kept: Map<number, number[]>,
): tf.Tensor[] {
  return layer.weights.map((variable) =>
    tf.tidy(() => {
      let w: tf.Tensor = variable.read();
      for (const a of weightAxes(rules, variable.originalName) ?? []) {
        const segments = a.side === 'in' ? input : output;
        if (!isCut(segments, kept)) continue;
        const axis = a.axis < 0 ? w.rank + a.axis : a.axis;
        w = tf.gather(w, keptPositions(segments, kept, a.repeat), axis);
      }
      // A fresh tensor even when nothing is cut: setWeights must not alias the source model.
      return w === variable.read() ? tf.clone(w) : w;
    }),
  );
}
