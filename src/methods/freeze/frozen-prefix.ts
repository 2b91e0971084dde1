// The frozen prefix of a fine-tuning network (`--unfreeze N`): the layers before the first one
// that trains, cut at a single tensor everything after reads through. The prefix then runs once
// per batch as a frozen forward pass (ONNX Runtime where it can: bundle/onnx/frozen-forward.ts),
// without gradients or a training tape, and only the suffix (a model on the cut tensor, sharing
// the original layers and weights) runs in TF.js under the tape. Frozen layers already run in
// inference mode (BatchNorm: backbones/batchnorm-fix.ts), so the result is the same.
import * as tf from '@tensorflow/tfjs';
import { freezesToInference } from '../../backbones/batchnorm-fix.js';

export interface FrozenPrefixSplit {
  /** The layer whose output is the cut: the prefix's last layer. */
  cut: string;
  /** Layers in the prefix (weights or not, input layers left out). */
  prefixLayers: number;
  /** The rest of the network, taking the cut tensor as its input; the same layer objects. */
  suffix: tf.LayersModel;
}

// What tfjs-layers keeps on each layer call; public at run time, not in the typings.
interface LayerCall {
  inputTensors: tf.SymbolicTensor[];
  outputTensors: tf.SymbolicTensor[];
  callArgs?: Record<string, unknown>;
}
const callOf = (t: tf.SymbolicTensor) =>
  (t.sourceLayer as unknown as { inboundNodes: LayerCall[] }).inboundNodes[t.nodeIndex]!;

/** Runs the same in training as in inference (no dropout or noise, BatchNorm frozen to inference). */
function frozenAndStill(layer: tf.layers.Layer): boolean {
  if (layer.trainable && layer.trainableWeights.length > 0) return false;
  if (/Dropout|Noise/.test(layer.getClassName())) return false;
  // A nested model may hide training-only behaviour; it is not looked into.
  if ((layer as unknown as { layers?: unknown }).layers) return false;
  return freezesToInference(layer);
}

/** The model's layer calls (one output tensor each) in an order where inputs come first. */
function callsInOrder(model: tf.LayersModel): tf.SymbolicTensor[] | undefined {
  const seen = new Map<number, tf.SymbolicTensor>();
  const inputs = new Set(model.inputs.map((t) => t.id));
  let ok = true;
  const visit = (t: tf.SymbolicTensor) => {
    if (seen.has(t.id) || inputs.has(t.id)) return;
    const call = callOf(t);
    if (call.outputTensors.length !== 1) ok = false;
    for (const u of call.inputTensors) visit(u);
    seen.set(t.id, t);
  };
  for (const t of model.outputs) visit(t);
  // Map insertion order is a post-order: every tensor after the tensors it is computed from.
  return ok ? [...seen.values()] : undefined;
}

/**
 * The latest cut such that every layer before it is frozen and still, and one tensor carries
 * everything the rest reads; undefined when there is none worth cutting (no frozen weights
 * before it, nothing trainable after it, several inputs, or a layer with several outputs).
 */
export function splitFrozenPrefix(model: tf.LayersModel): FrozenPrefixSplit | undefined {
  if (model.inputs.length !== 1 || model.outputs.length !== 1) return undefined;
  const order = callsInOrder(model);
  if (!order) return undefined;
  // The last position reading each tensor (an output is read "after the end").
  const lastUse = new Map<number, number>();
  order.forEach((t, i) => {
    for (const u of callOf(t).inputTensors) lastUse.set(u.id, i);
  });
  for (const t of model.outputs) lastUse.set(t.id, order.length);
  let open = new Set(model.inputs.map((t) => t.id));
  let best = -1;
  let frozenWeights = false;
  for (let i = 0; i < order.length; i++) {
    const layer = order[i]!.sourceLayer as tf.layers.Layer;
    if (!frozenAndStill(layer)) break;
    frozenWeights ||= layer.weights.length > 0;
    open.add(order[i]!.id);
    open = new Set([...open].filter((id) => (lastUse.get(id) ?? -1) > i));
    if (open.size === 1 && open.has(order[i]!.id) && frozenWeights && i < order.length - 1)
      best = i;
  }
  if (best < 0) return undefined;
  const cutTensor = order[best]!;
  const input = tf.input({ shape: cutTensor.shape.slice(1) as number[], name: 'frozen_prefix' });
  const mapped = new Map<number, tf.SymbolicTensor>([[cutTensor.id, input]]);
  for (const t of order.slice(best + 1)) {
    const call = callOf(t);
    const args = call.inputTensors.map((u) => mapped.get(u.id)!);
    const layer = t.sourceLayer as tf.layers.Layer;
    const out = layer.apply(args.length === 1 ? args[0]! : args, call.callArgs ?? {});
    mapped.set(t.id, out as tf.SymbolicTensor);
  }
  const suffix = tf.model({ inputs: input, outputs: mapped.get(model.outputs[0]!.id)! });
  return {
    cut: (cutTensor.sourceLayer as tf.layers.Layer).name,
    prefixLayers: best + 1,
    suffix,
  };
}
