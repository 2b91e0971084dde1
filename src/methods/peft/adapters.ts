// Residual adapters in their parallel form (Rebuffi et al. 2017, 2018): a 1×1 convolution from a
// block's input to its output, added to the block's output. Its kernel starts at zero, so the
// network starts identical to the base; the stride is the block's spatial reduction. Edits the
// Keras JSON (like backbones/topology.ts), so the rebuilt model keeps every other layer and
// weight name. The block's output is the last of its tensors read outside it (a decoder may also
// tap inner ones, which stay as they are); a block with several inputs or outputs from its last
// layer gets no adapter (said why in the summary).
import type * as tf from '@tensorflow/tfjs';
import type { KerasLayerJson, KerasModelJson } from '../../backbones/topology.js';
import type { Block } from '../freeze/index.js';

/** [layer, node, tensor, kwargs] as Keras JSON refers to a tensor. */
type TensorRef = [string, number, number, Record<string, unknown>?];

export const adapterName = (block: string) => `${block}_adapter`;
export const adapterAddName = (block: string) => `${block}_adapter_add`;

function refsOf(layer: KerasLayerJson): TensorRef[] {
  return layer.inbound_nodes.flatMap((node) =>
    Array.isArray(node) ? (node.filter((r) => Array.isArray(r)) as TensorRef[]) : [],
  );
}

const refKey = (r: TensorRef) => `${r[0]}:${r[1]}:${r[2]}`;

function unique(refs: TensorRef[]): TensorRef[] {
  return [...new Map(refs.map((r) => [refKey(r), r])).values()];
}

/** [h, w, c] of a layer's (single) output in the built model, or a reason it is not known. */
function spatialShape(model: tf.LayersModel, layer: string): number[] | string {
  let shape: tf.Shape | tf.Shape[];
  try {
    shape = model.getLayer(layer).outputShape;
  } catch (err) {
    return `output of ${layer} has no single shape (${(err as Error).message})`;
  }
  if (Array.isArray(shape[0]) || shape.length !== 4 || shape.slice(1).some((d) => d == null))
    return `output of ${layer} is not a known [h, w, c] map (${JSON.stringify(shape)})`;
  return (shape as number[]).slice(1);
}

/** The 1×1 stride mapping [h, w] onto [oh, ow] with 'same' padding, or undefined. */
function strideOf([h, w]: number[], [oh, ow]: number[]): number | undefined {
  const s = Math.round(h! / oh!);
  return s >= 1 && Math.ceil(h! / s) === oh && Math.ceil(w! / s) === ow ? s : undefined;
}

export interface AdapterEdit {
  json: KerasModelJson;
  adapters: string[];
  skipped: { block: string; reason: string }[];
}

/**
 * `json` (the functional config of `model`) with an adapter on every block of kind 'block'
 * (not the stem, whose input is the image, nor the top).
 */
export function insertAdapters(
  json: KerasModelJson,
  model: tf.LayersModel,
  blocks: readonly Block[],
): AdapterEdit {
  const layers = json.config.layers;
  const adapters: string[] = [];
  // An input that is an earlier block's adapter sum has that block's output shape.
  const sourceOf = new Map<string, string>();
  const skipped: AdapterEdit['skipped'] = [];
  for (const block of blocks) {
    if (block.kind !== 'block') continue;
    const inBlock = new Set(block.layers);
    const members = layers.filter((l) => inBlock.has(l.name));
    const outside = layers.filter((l) => !inBlock.has(l.name));
    const inputs = unique(members.flatMap(refsOf).filter((r) => !inBlock.has(r[0])));
    // Read outside the block: its output, and maybe inner tensors a decoder taps (those stay).
    const read = unique([
      ...outside.flatMap(refsOf).filter((r) => inBlock.has(r[0])),
      ...(json.config.output_layers as TensorRef[]).filter((r) => inBlock.has(r[0])),
    ]);
    const last = Math.max(...read.map((r) => block.layers.indexOf(r[0])));
    const outputs = read.filter((r) => block.layers.indexOf(r[0]) === last);
    const skip = (reason: string) => skipped.push({ block: block.name, reason });
    if (inputs.length !== 1 || outputs.length !== 1) {
      skip(`${inputs.length} input and ${outputs.length} output tensors, not one each`);
      continue;
    }
    const [input, output] = [inputs[0]!, outputs[0]!];
    const from = spatialShape(model, sourceOf.get(input[0]) ?? input[0]);
    const to = spatialShape(model, output[0]);
    if (typeof from === 'string' || typeof to === 'string') {
      skip(typeof from === 'string' ? from : (to as string));
      continue;
    }
    const stride = strideOf(from, to);
    if (stride === undefined) {
      skip(`no 1×1 stride maps ${from.slice(0, 2)} onto ${to.slice(0, 2)}`);
      continue;
    }
    const conv = adapterName(block.name);
    const add = adapterAddName(block.name);
    const taken = layers.find((l) => l.name === conv || l.name === add);
    if (taken) {
      skip(`the model already has a layer named ${taken.name}`);
      continue;
    }
    // Everything that read the block's output reads the sum instead.
    const rewire = (r: TensorRef) =>
      refKey(r) === refKey(output) ? ([add, 0, 0, r[3] ?? {}] as TensorRef) : r;
    for (const l of outside) {
      l.inbound_nodes = l.inbound_nodes.map((node) =>
        Array.isArray(node)
          ? node.map((r) => (Array.isArray(r) ? rewire(r as TensorRef) : r))
          : node,
      );
    }
    json.config.output_layers = (json.config.output_layers as TensorRef[]).map(
      (r) => rewire(r) as [string, number, number],
    );
    const at = layers.findIndex((l) => l.name === output[0]) + 1;
    layers.splice(
      at,
      0,
      {
        name: conv,
        class_name: 'Conv2D',
        config: {
          name: conv,
          trainable: true,
          filters: to[2],
          kernel_size: [1, 1],
          strides: [stride, stride],
          padding: 'same',
          use_bias: false,
          kernel_initializer: { class_name: 'Zeros', config: {} },
        },
        inbound_nodes: [[[...input.slice(0, 3), input[3] ?? {}]]],
      },
      {
        name: add,
        class_name: 'Add',
        config: { name: add, trainable: true },
        inbound_nodes: [
          [
            [...output.slice(0, 3), output[3] ?? {}],
            [conv, 0, 0, {}],
          ],
        ],
      },
    );
    adapters.push(conv);
    sourceOf.set(add, output[0]);
  }
  return { json, adapters, skipped };
}
