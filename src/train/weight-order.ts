// A model's weights in an order that does not depend on which layers are trainable.
// `model.weights` lists trainable weights first, so freezing or unfreezing a layer reorders it;
// checkpoints, best-weight snapshots and weight fingerprints are positional and need an order
// that survives (gradual) unfreezing. Walking the layers gives one: a layer's own list keeps its
// order when the layer is frozen, and nested models are walked the same way.
import type * as tf from '@tensorflow/tfjs';

type Layer = tf.layers.Layer;

function collect(layer: Layer, out: tf.LayerVariable[], seen: Set<Layer>): void {
  if (seen.has(layer)) return;
  seen.add(layer);
  const inner = (layer as Partial<tf.LayersModel>).layers;
  if (inner) for (const l of inner) collect(l, out, seen);
  else out.push(...layer.weights);
}

export function orderedWeights(model: tf.LayersModel): tf.LayerVariable[] {
  const out: tf.LayerVariable[] = [];
  const seen = new Set<Layer>();
  for (const layer of model.layers) collect(layer, out, seen);
  return out;
}
