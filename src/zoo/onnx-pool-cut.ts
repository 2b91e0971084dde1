// Where a classifier exported to ONNX stops being a backbone: the input of its last global average
// pool (GlobalAveragePool, or ReduceMean over both image axes, as torch's `x.mean([2, 3])`
// exports), the map that timm and torchvision call the features before the head.

import type { OnnxGraph, OnnxNode } from '../backbones/onnx/parse.js';
import { badInput } from '../errors.js';

const IMAGE_AXES = [2, 3];

function poolsImageAxes(node: OnnxNode, graph: OnnxGraph): boolean {
  if (node.opType === 'GlobalAveragePool') return true;
  if (node.opType !== 'ReduceMean') return false;
  // Opset 18 moved the axes from an attribute to a second (constant) input.
  const axes = node.attributes.axes ?? graph.initializers.get(node.inputs[1] ?? '')?.data;
  if (!Array.isArray(axes) && !(axes instanceof Float32Array)) return false;
  const sorted = Array.from(axes, (a) => (a < 0 ? a + 4 : a)).sort();
  return sorted.length === 2 && sorted.every((a, i) => a === IMAGE_AXES[i]);
}

/** The ONNX value the last global pool of `graph` averages; `file` names it in the error. */
export function globalPoolInput(graph: OnnxGraph, file: string): string {
  const pool = [...graph.nodes].reverse().find((n) => poolsImageAxes(n, graph));
  if (!pool)
    throw badInput(
      `${file}: no global average pool (GlobalAveragePool or ReduceMean over H, W) to cut the classifier at`,
    );
  return pool.inputs[0]!;
}
