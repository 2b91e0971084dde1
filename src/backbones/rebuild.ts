// Rebuilds an already-built fully convolutional body at a new square input size and/or cut at
// a layer: serialize the config, edit it, rebuild with modelFromJSON, copy weights by layer name.
// Conv weights do not depend on the spatial size, so the copy is exact; a graph with a size frozen
// into a reshape (an imported transformer) is refused at any other size, naming the layer.
// Registers the BatchNorm training fix before any model is deserialized.
import './batchnorm-fix.js';
import './relu-layer.js';
import * as tf from '@tensorflow/tfjs';
import { badUsage, VisiontuneError } from '../errors.js';
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
  const notAt = (why: string) =>
    badUsage(
      `inputSize: ${model.name} cannot run at ${edit.inputSize} px, only at ${squareInputSize(source) ?? 'its native size'}: ${why} (a size fixed when the model was exported, e.g. a transformer's token count)`,
    );
  let rebuilt: tf.LayersModel;
  try {
    rebuilt = await tf.models.modelFromJSON({ modelTopology: editTopology(json, edit) as never });
  } catch (err) {
    // Shapes that stop fitting at the new size fail tfjs's shape inference.
    if (edit.inputSize === undefined || err instanceof VisiontuneError) throw err;
    throw notAt((err as Error).message);
  }
  const resized = edit.inputSize !== undefined && edit.inputSize !== squareInputSize(source);
  const fixed = resized ? fixedReshape(rebuilt, source) : undefined;
  if (fixed) {
    rebuilt.dispose();
    throw notAt(
      `layer '${fixed.name}' reshapes ${JSON.stringify(fixed.input)} to a fixed ${JSON.stringify(fixed.output)}`,
    );
  }
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

const RESHAPES = new Set(['Reshape', 'VisiontuneOnnxReshape']);

/** A reshape's input and output shapes and how many known values its output has per known
 * input value (free axes count as 1). */
function reshapeOf(layer: tf.layers.Layer) {
  const shapes = layer.inboundNodes[0]?.inputShapes as tf.Shape | tf.Shape[] | undefined;
  const input = (shapes && Array.isArray(shapes[0]) ? shapes[0] : shapes) as tf.Shape | undefined;
  const output = layer.outputShape as tf.Shape;
  if (!input || Array.isArray(output[0])) return undefined;
  const known = (shape: tf.Shape) => shape.reduce<number>((n, d) => n * (d ?? 1), 1);
  return { input, output, ratio: known(output) / known(input) };
}

/**
 * A reshape of `rebuilt` that no longer relates its input and output as it does in `source`: a
 * size frozen into the graph (an imported transformer's token count), so the model runs only at
 * the input size it was made at. (Comparing with the source keeps a reshape that merges the batch
 * with other axes, which holds at any size, from counting.)
 */
function fixedReshape(rebuilt: tf.LayersModel, source: tf.LayersModel) {
  for (const layer of rebuilt.layers) {
    if (!RESHAPES.has(layer.getClassName())) continue;
    const before = reshapeOf(source.getLayer(layer.name));
    const after = reshapeOf(layer);
    if (before && after && before.ratio !== after.ratio) return { name: layer.name, ...after };
  }
  return undefined;
}
