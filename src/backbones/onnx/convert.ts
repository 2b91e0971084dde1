// An ONNX vision graph (parse.ts) rebuilt as a tfjs layers model that computes the same function
// on NHWC input: each node, in the graph's (topological) order, through its operator's converter
// (ops/index.ts), each value held in the layout layout.ts describes. Every operator is checked
// before any is converted (and before any tensor's data is decoded), so one error lists all that
// the importer does not support. Outputs leave in their canonical layout (images NHWC).
import * as tf from '@tensorflow/tfjs';
import { badInput } from '../../errors.js';
import { constValue, nodeContexts, tensorValue, type Value } from './context.js';
import { canonicalPerm } from './layout.js';
import { OP_CONVERTERS } from './ops/index.js';
import type { OnnxGraph } from './parse.js';

export interface ConvertOptions {
  /** Square input side in pixels (the ONNX input's own size when it is fixed). */
  inputSize?: number;
  name?: string;
  /** ONNX value names to output instead of the graph's outputs (a cut). */
  outputs?: string[];
  /** Layer name → the name to give that layer instead (names as a conversion without renames
   * gives them). */
  layerNames?: ReadonlyMap<string, string>;
}

export const SUPPORTED_OPS: readonly string[] = [...OP_CONVERTERS.keys()];

function refuseUnsupported(graph: OnnxGraph) {
  const unsupported = graph.nodes.filter((n) => !OP_CONVERTERS.has(n.opType));
  if (unsupported.length > 0)
    throw badInput(
      `unsupported ONNX operators: ${[...new Set(unsupported.map((n) => n.opType))].join(', ')}`,
      unsupported.map((n) => `${n.opType} (node ${n.name})`),
    );
}

/** The model's NHWC input for the graph's one NCHW input. */
function imageInput(graph: OnnxGraph, options: ConvertOptions) {
  if (graph.inputs.length !== 1)
    throw badInput(`the graph has ${graph.inputs.length} inputs; an image model has one`);
  const [input] = graph.inputs;
  const [, channels, h0, w0] = input.shape;
  const side = options.inputSize ?? h0 ?? undefined;
  const width = options.inputSize ?? w0 ?? undefined;
  if (!side || !width || !channels)
    throw badInput(`input ${input.name} has shape [${input.shape}]; give the input size`);
  return tf.input({ shape: [side, width, channels], name: 'input' });
}

export function convertGraph(graph: OnnxGraph, options: ConvertOptions = {}): tf.LayersModel {
  refuseUnsupported(graph);
  const x0 = imageInput(graph, options);
  const values = new Map<string, Value>([[graph.inputs[0].name, tensorValue(x0)]]);
  for (const [name, c] of graph.initializers) values.set(name, constValue(c));
  const batch = graph.inputs[0].shape[0] ?? 1;
  const contextOf = nodeContexts(values, batch, graph.opset, options.layerNames);
  for (const node of graph.nodes) {
    const convert = OP_CONVERTERS.get(node.opType)!;
    values.set(node.outputs[0], convert(contextOf(node)));
  }
  const outputs = (options.outputs ?? graph.outputs.map((o) => o.name)).map((id) => {
    const v = values.get(id);
    if (v?.kind !== 'tensor') throw badInput(`output ${id} is not computed from the input`);
    const node = {
      name: `output_${id}`,
      opType: 'Output',
      inputs: [id],
      outputs: [],
      attributes: {},
    };
    return contextOf(node).arrange(v, canonicalPerm(v.perm.length));
  });
  return tf.model({ inputs: x0, outputs, name: options.name ?? 'onnx_import' });
}
