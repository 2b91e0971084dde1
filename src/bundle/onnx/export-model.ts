// A TF.js layers model → an ONNX model computing the same outputs from the same NHWC inputs.
// Walks the model's graph back from its outputs (shared layers give one node per call), converts
// each layer call with the converters for its class, and keeps rank-4 values NCHW inside.
import type * as tf from '@tensorflow/tfjs';
import { badInput } from '../../errors.js';
import {
  ExportContext,
  type LayerConverter,
  NCHW_TO_NHWC,
  NHWC_TO_NCHW,
  type Ref,
} from './context.js';
import { GraphBuilder } from './graph-builder.js';
import { PEFT_CONVERTERS } from './peft-layers.js';
import { SPATIAL_CONVERTERS } from './spatial-layers.js';
import { TENSOR_CONVERTERS } from './tensor-layers.js';

const CONVERTERS: Record<string, LayerConverter> = {
  ...SPATIAL_CONVERTERS,
  ...TENSOR_CONVERTERS,
  ...PEFT_CONVERTERS,
};

/** Layer classes the exporter converts. */
export const EXPORTABLE_LAYERS = Object.keys(CONVERTERS).sort();

export interface LayersToOnnxOptions {
  graphName?: string;
  docString?: string;
  metadata?: Record<string, string>;
}

// What tfjs-layers keeps on each layer call; public at run time, not in the typings.
interface LayerCall {
  inputTensors: tf.SymbolicTensor[];
  outputTensors: tf.SymbolicTensor[];
}
const callOf = (t: tf.SymbolicTensor) =>
  (t.sourceLayer as unknown as { inboundNodes: LayerCall[] }).inboundNodes[t.nodeIndex];

/** Layers without a converter, named, so one error can list them all. */
function unsupportedLayers(model: tf.LayersModel): string[] {
  return model.layers
    .filter((l) => l.getClassName() !== 'InputLayer' && !CONVERTERS[l.getClassName()])
    .map((l) => `${l.getClassName()} (${l.name})`);
}

export function layersModelToOnnx(
  model: tf.LayersModel,
  options: LayersToOnnxOptions = {},
): Uint8Array {
  const unsupported = unsupportedLayers(model);
  if (unsupported.length > 0) {
    throw badInput(
      `${unsupported.length} layer(s) have no ONNX export: ${unsupported.join(', ')}`,
      [`exportable layer classes: ${EXPORTABLE_LAYERS.join(', ')}`],
    );
  }
  const b = new GraphBuilder();
  const ctx = new ExportContext(b);
  const refs = new Map<number, Ref>();

  const inputs = model.inputs.map((t, i) => {
    const name = b.unique(model.inputs.length === 1 ? 'input' : `input_${i}`);
    const shape = t.shape.map((d, axis) => (axis === 0 ? null : d));
    if (shape.slice(1).some((d) => d === null))
      throw badInput(
        `model input ${name} has an unknown size [${t.shape}]; export needs a fixed one`,
      );
    const graphValue =
      shape.length === 4
        ? b.node('Transpose', [name], { perm: NHWC_TO_NCHW }, `${name}_nchw`)
        : name;
    refs.set(t.id, { name: graphValue, shape });
    return { name, shape };
  });

  const visit = (t: tf.SymbolicTensor): Ref => {
    const known = refs.get(t.id);
    if (known) return known;
    const layer = t.sourceLayer as tf.layers.Layer;
    const call = callOf(t);
    if (call.outputTensors.length !== 1)
      throw badInput(
        `layer ${layer.name} has ${call.outputTensors.length} outputs; export supports one`,
      );
    const args = call.inputTensors.map(visit);
    const shape = t.shape.map((d, axis) => (axis === 0 ? null : d));
    const ref = CONVERTERS[layer.getClassName()](ctx, layer, layer.getConfig(), args, shape);
    refs.set(t.id, ref);
    return ref;
  };

  // Taken first so no layer's node can claim them.
  const outputNames = model.outputs.map((_, i) =>
    b.unique(model.outputs.length === 1 ? 'output' : `output_${i}`),
  );
  const outputs = model.outputs.map((t, i) => {
    const ref = visit(t);
    const nhwc =
      ref.shape.length === 4 ? b.node('Transpose', [ref.name], { perm: NCHW_TO_NHWC }) : ref.name;
    return { name: b.nodeTo(outputNames[i], 'Identity', [nhwc]), shape: ref.shape };
  });

  return b.encode({
    graphName: options.graphName ?? model.name,
    inputs,
    outputs,
    docString: options.docString,
    metadata: options.metadata,
  });
}
