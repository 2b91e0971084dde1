// Where a whole model loaded as a backbone (a TF.js layers model, an ONNX import) is cut by
// default: at the features timm and torchvision read from a classifier. A fully convolutional
// model keeps its output; a CNN whose head reads the last feature map through pooling and
// flattening alone keeps that map (pooling it gives the pre-logits exactly, and a map is what
// taps, pooling and `--layer auto` work with); any other classifier (ViT's class token after the
// final LayerNorm, MaxViT's and MobileNetV3's MLP heads, Swin behind a norm) is cut at the input
// of its final Linear layer — the "pre-logits", a [batch, dim] vector used as is.
import type * as tf from '@tensorflow/tfjs';
import { badInput } from '../errors.js';
import { cutPoints, featureShape, vectorWidth } from './graph.js';
import { OnnxConstantOp } from './onnx/layers.js';

/** Layers that only pool, flatten, reshape or drop: a head reading a map through them pools it. */
const POOL_OR_RESHAPE = new Set([
  'GlobalAveragePooling2D',
  'GlobalMaxPooling2D',
  'AveragePooling2D',
  'MaxPooling2D',
  'Flatten',
  'Reshape',
  'Permute',
  'Dropout',
  'SpatialDropout2D',
  'VisiontuneOnnxReshape',
  'VisiontuneOnnxTranspose',
]);

const inbound = (layer: tf.layers.Layer) => layer.inboundNodes.flatMap((n) => n.inboundLayers);

/**
 * The final Linear layer of a classifier ([batch, classes] out): the output's Dense layer, or the
 * Dense before an ONNX MatMul's separate bias Add. Undefined for any other model.
 */
export function linearHead(model: tf.LayersModel): tf.layers.Layer | undefined {
  if (model.outputs.length !== 1) return undefined;
  let head = model.outputs[0]!.sourceLayer;
  if (vectorWidth(head) === undefined) return undefined;
  if (head instanceof OnnxConstantOp && head.op === 'add') head = inbound(head)[0] ?? head;
  return head.getClassName() === 'Dense' ? head : undefined;
}

/**
 * The pre-logits layer (the head's [batch, dim] input) when the classifier needs it; undefined
 * when `lastMap` reaches the head through pooling/reshaping only, or the model has no Linear head.
 */
export function preLogitsLayer(
  model: tf.LayersModel,
  lastMap: tf.layers.Layer | undefined,
): tf.layers.Layer | undefined {
  const head = linearHead(model);
  if (!head) return undefined;
  const input = inbound(head);
  if (input.length !== 1 || vectorWidth(input[0]!) === undefined) return undefined;
  if (lastMap) {
    const layers = model.layers;
    const between = layers.slice(layers.indexOf(lastMap) + 1, layers.indexOf(head));
    if (between.every((l) => POOL_OR_RESHAPE.has(l.getClassName()))) return undefined;
  }
  return input[0];
}

/** The default cut's layer name (see the header). */
export function defaultCut(model: tf.LayersModel): string {
  const out = model.outputs[0]?.sourceLayer;
  if (out && featureShape(out)) return out.name;
  const maps = cutPoints(model).filter((l) => featureShape(l) && l.getClassName() !== 'InputLayer');
  const last = maps[maps.length - 1];
  const preLogits = preLogitsLayer(model, last);
  if (preLogits) return preLogits.name;
  if (!last) throw badInput(`model '${model.name}' has no 4-D feature map to use as a backbone`);
  return last.name;
}
