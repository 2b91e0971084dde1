// Rebuilds an already-built fully convolutional body at a new square input size and/or cut at
// a layer: serialize the config, edit it, rebuild with modelFromJSON, copy weights by layer name.
// Conv weights do not depend on the spatial size, so the copy is exact.
// Registers the BatchNorm training fix before any model is deserialized.
import './batchnorm-fix.js';
import './relu-layer.js';
import * as tf from '@tensorflow/tfjs';
import { badUsage } from '../errors.js';
import { editTopology, isFunctionalJson, type TopologyEdit } from './topology.js';

/** A functional (graph) view of any layers model; Sequential models are wrapped. */
export function asFunctional(model: tf.LayersModel): tf.LayersModel {
  if (model instanceof tf.Sequential) {
    return tf.model({ inputs: model.inputs, outputs: model.outputs, name: model.name });
  }
  return model;
}

/**
 * A new model with the edit applied and the source's weights (or fresh random ones when
 * `copyWeights` is false); the source is left untouched.
 */
export async function rebuildBody(
  model: tf.LayersModel,
  edit: TopologyEdit,
  copyWeights = true,
): Promise<tf.LayersModel> {
  const source = asFunctional(model);
  const json = source.toJSON(null, false);
  if (!isFunctionalJson(json)) {
    throw badUsage(
      `model '${model.name}' is not a Keras functional or sequential model; cannot rebuild it`,
    );
  }
  const rebuilt = await tf.models.modelFromJSON({
    modelTopology: editTopology(json, edit) as never,
  });
  if (!copyWeights) return rebuilt;
  for (const layer of rebuilt.layers) {
    const weights = source.getLayer(layer.name).getWeights();
    if (weights.length) layer.setWeights(weights);
  }
  return rebuilt;
}

/** Square input size of an image model, or undefined if its height/width are free or unequal. */
export function squareInputSize(model: tf.LayersModel): number | undefined {
  const shape = model.inputs[0]?.shape;
  if (shape?.length !== 4) return undefined;
  const [, h, w] = shape;
  return h != null && h === w ? h : undefined;
}
