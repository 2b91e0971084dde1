// Gives a built architecture the weights of a Keras weight file the way Keras's own load_weights
// does: by layer name when every layer that has weights finds its name in the file, else in order
// (the i-th layer with weights in the file to the i-th in the model, Keras's default, which
// survives the renumbered names of files saved by older Keras versions). Every array's shape is
// checked first, so a wrong file changes nothing and the error names the layer.
import * as tf from '@tensorflow/tfjs';
import { badInput } from '../errors.js';
import type { KerasLayerWeights } from './keras-h5.js';

export type WeightMatch = 'by name' | 'in order';

export function setKerasWeights(
  model: tf.LayersModel,
  file: readonly KerasLayerWeights[],
  source: string,
): WeightMatch {
  const targets = model.layers.filter((l) => l.weights.length > 0);
  const stored = file.filter((l) => l.weights.length > 0);
  const byName = new Map(stored.map((l) => [l.layer, l]));
  const named = targets.every((t) => byName.get(t.name)?.weights.length === t.weights.length);
  if (!named && stored.length !== targets.length)
    throw badInput(
      `${source}: holds weights for ${stored.length} layers, the architecture ${model.name} has ${targets.length} (and the names differ): not this architecture's weights`,
    );
  const pairs = targets.map((t, i) => ({
    target: t,
    from: named ? byName.get(t.name)! : stored[i]!,
  }));
  for (const { target, from } of pairs) {
    if (from.weights.length !== target.weights.length)
      throw badInput(
        `${source}: layer '${from.layer}' has ${from.weights.length} arrays, '${target.name}' needs ${target.weights.length}`,
      );
    target.weights.forEach((w, k) => {
      const got = from.weights[k]!.shape;
      if (got.join() !== w.shape.join())
        throw badInput(
          `${source}: ${from.layer}/${from.weights[k]!.name} has shape [${got}], layer '${target.name}' expects [${w.shape}]`,
        );
    });
  }
  for (const { target, from } of pairs) {
    const tensors = from.weights.map((a) => tf.tensor(a.data, a.shape, 'float32'));
    target.setWeights(tensors);
    tf.dispose(tensors);
  }
  return named ? 'by name' : 'in order';
}
