// An ONNX CNN graph (parse.ts) rebuilt as a tfjs layers model that computes the same function on
// NHWC input. Every 4-D value is held NHWC while ONNX describes it NCHW, so channel axes,
// per-channel constants, flattening order and weight layouts are translated at the boundary:
// conv kernels OIHW → HWIO (depthwise: → HW·C·multiplier; ConvTranspose's [C, O/group, kh, kw]
// → [kh, kw, O/group, C]), Gemm weights transposed, explicit padding layers where ONNX pads
// asymmetrically or with -∞ (max pooling). Dilated convs become a layer that computes them by
// space-to-batch, since tfjs cannot train its own dilated conv2d. Shape arithmetic the
// exporters emit (Shape → Gather → Unsqueeze → Concat → Reshape) is folded at import time, since
// every shape is known once the input size is fixed.
import * as tf from '@tensorflow/tfjs';
import { badInput } from '../../errors.js';
import { batchNormalization } from '../batchnorm-fix.js';
import { reLU } from '../relu-layer.js';
import {
  type BinaryOp,
  OnnxBinary,
  OnnxConstantOp,
  OnnxConvTranspose2D,
  OnnxDilatedConv2D,
  OnnxGroupedConv2D,
  OnnxPad2D,
  OnnxUnary,
} from './layers.js';
import type { OnnxGraph, OnnxNode, OnnxTensor } from './parse.js';

type Value = { kind: 'tensor'; t: tf.SymbolicTensor } | { kind: 'const'; c: OnnxTensor };

export interface ConvertOptions {
  /** Square input side in pixels (the ONNX input's own size when it is fixed). */
  inputSize?: number;
  name?: string;
  /** ONNX value names to output instead of the graph's outputs (a cut). */
  outputs?: string[];
}

export const SUPPORTED_OPS = [
  'Conv', 'ConvTranspose', 'BatchNormalization', 'Relu', 'Clip', 'Sigmoid', 'HardSigmoid',
  'HardSwish', 'Add', 'Sub', 'Mul', 'Div', 'GlobalAveragePool', 'ReduceMean', 'AveragePool',
  'MaxPool', 'Pad', 'Flatten', 'Reshape', 'Gemm', 'MatMul', 'Concat', 'Softmax', 'Identity',
  'Dropout', 'Constant', 'Shape', 'Gather', 'Unsqueeze',
]; // biome-ignore format: one table

const NCHW_TO_NHWC = [0, 2, 3, 1];

function layerNamer() {
  const used = new Set<string>();
  return (node: OnnxNode, suffix = '') => {
    const base = `${node.name}${suffix}`
      .replace(/[^A-Za-z0-9_.-]/g, '_')
      .replace(/^[^A-Za-z]+/, 'n_');
    let name = base;
    for (let k = 1; used.has(name); k++) name = `${base}_${k}`;
    used.add(name);
    return name;
  };
}

/** An ONNX constant broadcast against an NCHW value of `rank`, re-laid for NHWC. */
function constantForNhwc(c: OnnxTensor, rank: number): { values: number[]; shape: number[] } {
  const values = Array.from(c.data);
  if (rank !== 4 || c.dims.length <= 1) return { values, shape: c.dims.length ? c.dims : [] };
  const dims = [...Array(4 - c.dims.length).fill(1), ...c.dims];
  const [n, ch, h, w] = dims;
  const out = new Array<number>(values.length);
  for (let a = 0; a < n; a++)
    for (let b = 0; b < ch; b++)
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++)
          out[((a * h + y) * w + x) * ch + b] = values[((a * ch + b) * h + y) * w + x];
  return { values: out, shape: NCHW_TO_NHWC.map((i) => dims[i]) };
}

/** OIHW conv weights → HWIO (and ConvTranspose's [C, O/group, kh, kw] → [kh, kw, O/group, C]). */
function hwio(w: OnnxTensor): tf.Tensor4D {
  return tf.tidy(() =>
    tf.transpose(
      tf.tensor4d(w.data as Float32Array, w.dims as [number, number, number, number]),
      [2, 3, 1, 0],
    ),
  );
}

export function convertGraph(graph: OnnxGraph, options: ConvertOptions = {}): tf.LayersModel {
  const unsupported = graph.nodes.filter((n) => !SUPPORTED_OPS.includes(n.opType));
  if (unsupported.length > 0)
    throw badInput(
      `unsupported ONNX operators: ${[...new Set(unsupported.map((n) => n.opType))].join(', ')}`,
      unsupported.map((n) => `${n.opType} (node ${n.name})`),
    );
  if (graph.inputs.length !== 1)
    throw badInput(`the graph has ${graph.inputs.length} inputs; an image model has one`);
  const [input] = graph.inputs;
  const [, channels, h0, w0] = input.shape;
  const side = options.inputSize ?? h0 ?? undefined;
  const width = options.inputSize ?? w0 ?? undefined;
  if (!side || !width || !channels)
    throw badInput(`input ${input.name} has shape [${input.shape}]; give the input size`);
  const x0 = tf.input({ shape: [side, width, channels], name: 'input' });
  const values = new Map<string, Value>([[input.name, { kind: 'tensor', t: x0 }]]);
  for (const [name, c] of graph.initializers) values.set(name, { kind: 'const', c });
  const name = layerNamer();

  const get = (id: string, node: OnnxNode): Value => {
    const v = values.get(id);
    if (!v) throw badInput(`node ${node.name}: input ${id} is not produced by any earlier node`);
    return v;
  };
  const tensor = (id: string, node: OnnxNode) => {
    const v = get(id, node);
    if (v.kind !== 'tensor')
      throw badInput(`node ${node.name}: input ${id} must be computed, not constant`);
    return v.t;
  };
  const constant = (id: string, node: OnnxNode) => {
    const v = get(id, node);
    if (v.kind !== 'const')
      throw badInput(`node ${node.name} (${node.opType}): input ${id} must be a constant`);
    return v.c;
  };
  const apply = (layer: tf.layers.Layer, x: tf.SymbolicTensor | tf.SymbolicTensor[]) =>
    layer.apply(x) as tf.SymbolicTensor;
  const ints = (node: OnnxNode, key: string, fallback: number[]) =>
    (node.attributes[key] as number[] | undefined) ?? fallback;

  function pad2d(x: tf.SymbolicTensor, node: OnnxNode, pads: number[], value = 0) {
    const [t, l, b, r] = pads;
    if (t === 0 && l === 0 && b === 0 && r === 0) return x;
    const padding: [[number, number], [number, number]] = [
      [t, b],
      [l, r],
    ];
    if (value === 0)
      return apply(tf.layers.zeroPadding2d({ padding, name: name(node, '_pad') }), x);
    return apply(new OnnxPad2D({ padding, value, name: name(node, '_pad') }), x);
  }

  /** ONNX pads [top, left, bottom, right] for a window, from pads or auto_pad. */
  function windowPads(
    node: OnnxNode,
    x: tf.SymbolicTensor,
    kernel: number[],
    strides: number[],
    dilations = [1, 1],
  ) {
    const auto = (node.attributes.auto_pad as string | undefined) ?? 'NOTSET';
    if (auto === 'NOTSET') return ints(node, 'pads', [0, 0, 0, 0]);
    if (auto === 'VALID') return [0, 0, 0, 0];
    const size = [x.shape[1] as number, x.shape[2] as number];
    const total = size.map((s, i) => {
      const out = Math.ceil(s / strides[i]);
      return Math.max(0, (out - 1) * strides[i] + (kernel[i] - 1) * dilations[i] + 1 - s);
    });
    const small = total.map((p) => Math.floor(p / 2));
    const big = total.map((p, i) => p - small[i]);
    return auto === 'SAME_UPPER'
      ? [small[0], small[1], big[0], big[1]]
      : [big[0], big[1], small[0], small[1]];
  }

  function conv(node: OnnxNode) {
    const x = tensor(node.inputs[0], node);
    const w = constant(node.inputs[1], node);
    const bias = node.inputs[2] ? constant(node.inputs[2], node) : undefined;
    const [out, inPerGroup, kh, kw] = w.dims;
    const group = (node.attributes.group as number | undefined) ?? 1;
    const strides = ints(node, 'strides', [1, 1]);
    const dilations = ints(node, 'dilations', [1, 1]);
    const inC = x.shape[3] as number;
    const padded = pad2d(x, node, windowPads(node, x, [kh, kw], strides, dilations));
    const common = {
      kernelSize: [kh, kw] as [number, number],
      strides: strides as [number, number],
      dilationRate: dilations as [number, number],
      padding: 'valid' as const,
      useBias: bias !== undefined,
      name: name(node),
    };
    if (inC % group !== 0 || out % group !== 0 || inPerGroup !== inC / group)
      throw badInput(
        `node ${node.name}: ${group} groups of ${inPerGroup} channels do not divide ${inC} input channels`,
      );
    const grouped = {
      name: common.name,
      filters: out,
      kernelSize: common.kernelSize,
      strides: common.strides,
      dilations: common.dilationRate,
      groups: group,
      useBias: common.useBias,
    };
    let layer: tf.layers.Layer;
    let kernel: tf.Tensor;
    if (dilations.some((d) => d > 1)) {
      // tfjs's dilated conv2d has no gradient; this layer's space-to-batch form has one.
      layer = new OnnxDilatedConv2D(grouped);
      kernel = hwio(w);
    } else if (group === 1) {
      layer = tf.layers.conv2d({ ...common, filters: out });
      kernel = hwio(w);
    } else if (group === inC) {
      const multiplier = out / inC;
      layer = tf.layers.depthwiseConv2d({ ...common, depthMultiplier: multiplier });
      // [C·m, 1, kh, kw] → [kh, kw, C, m]: output channel c·m + j is (c, j) in both.
      kernel = tf.tidy(() =>
        tf.transpose(
          tf.reshape(tf.tensor(w.data as Float32Array), [inC, multiplier, kh, kw]),
          [2, 3, 0, 1],
        ),
      );
    } else {
      layer = new OnnxGroupedConv2D(grouped);
      kernel = hwio(w);
    }
    const y = apply(layer, padded);
    layer.setWeights(bias ? [kernel, tf.tensor1d(bias.data as Float32Array)] : [kernel]);
    return y;
  }

  /** ConvTranspose: weights [C, filters/group, kh, kw] → [kh, kw, filters/group, C]. */
  function convTranspose(node: OnnxNode) {
    const x = tensor(node.inputs[0], node);
    const w = constant(node.inputs[1], node);
    const bias = node.inputs[2] ? constant(node.inputs[2], node) : undefined;
    const [inC, outPerGroup, kh, kw] = w.dims;
    const group = (node.attributes.group as number | undefined) ?? 1;
    const strides = ints(node, 'strides', [1, 1]) as [number, number];
    const dilations = ints(node, 'dilations', [1, 1]) as [number, number];
    const outputPadding = ints(node, 'output_padding', [0, 0]) as [number, number];
    if (node.attributes.output_shape !== undefined)
      throw badInput(`node ${node.name}: ConvTranspose with output_shape is not supported`);
    if (inC !== x.shape[3] || inC % group !== 0)
      throw badInput(
        `node ${node.name}: ConvTranspose weights for ${inC} channels in ${group} groups, input has ${x.shape[3]}`,
      );
    const auto = (node.attributes.auto_pad as string | undefined) ?? 'NOTSET';
    let pads = ints(node, 'pads', [0, 0, 0, 0]);
    if (auto === 'VALID') pads = [0, 0, 0, 0];
    else if (auto !== 'NOTSET') {
      // SAME_*: the output is input × stride; the spec's total padding split as it says.
      const kernel = [kh, kw];
      const total = [0, 1].map(
        (i) =>
          strides[i] * ((x.shape[i + 1] as number) - 1) +
          outputPadding[i] +
          (kernel[i] - 1) * dilations[i] +
          1 -
          (x.shape[i + 1] as number) * strides[i],
      );
      const half = total.map((t) => Math.floor(t / 2));
      pads =
        auto === 'SAME_UPPER'
          ? [half[0], half[1], total[0] - half[0], total[1] - half[1]]
          : [total[0] - half[0], total[1] - half[1], half[0], half[1]];
    }
    if (pads.some((p) => p < 0))
      throw badInput(`node ${node.name}: ConvTranspose with negative pads [${pads}]`);
    const layer = new OnnxConvTranspose2D({
      name: name(node),
      filters: outPerGroup * group,
      kernelSize: [kh, kw],
      strides,
      dilations,
      groups: group,
      pads: pads as [number, number, number, number],
      outputPadding,
      useBias: bias !== undefined,
    });
    const y = apply(layer, x);
    const kernel = hwio(w);
    layer.setWeights(bias ? [kernel, tf.tensor1d(bias.data as Float32Array)] : [kernel]);
    return y;
  }

  function pool(node: OnnxNode, kind: 'max' | 'avg') {
    const x = tensor(node.inputs[0], node);
    const kernel = ints(node, 'kernel_shape', [1, 1]);
    const strides = ints(node, 'strides', [1, 1]);
    let pads = windowPads(node, x, kernel, strides);
    if (node.attributes.ceil_mode === 1) {
      // ceil_mode: extra padding at the end so the last partial window counts.
      pads = [...pads];
      for (let i = 0; i < 2; i++) {
        const size = (x.shape[i + 1] as number) + pads[i] + pads[i + 2];
        const floorOut = Math.floor((size - kernel[i]) / strides[i]) + 1;
        const ceilOut = Math.ceil((size - kernel[i]) / strides[i]) + 1;
        // PyTorch drops a last window that would start in the end padding.
        const out =
          (ceilOut - 1) * strides[i] >= (x.shape[i + 1] as number) + pads[i]
            ? ceilOut - 1
            : ceilOut;
        pads[i + 2] += Math.max(0, (out - floorOut) * strides[i]);
      }
    }
    const padded = pads.some((p) => p > 0);
    if (kind === 'avg' && padded && node.attributes.count_include_pad !== 1)
      throw badInput(
        `node ${node.name}: average pooling over padding that does not count it is not supported`,
      );
    const args = {
      poolSize: kernel as [number, number],
      strides: strides as [number, number],
      padding: 'valid' as const,
      name: name(node),
    };
    const input = pad2d(x, node, pads, kind === 'max' ? -Infinity : 0);
    return apply(
      kind === 'max' ? tf.layers.maxPooling2d(args) : tf.layers.averagePooling2d(args),
      input,
    );
  }

  function elementwise(node: OnnxNode, op: BinaryOp) {
    const [a, b] = node.inputs.map((id) => get(id, node));
    if (a.kind === 'tensor' && b.kind === 'tensor') {
      const layer =
        op === 'add'
          ? tf.layers.add({ name: name(node) })
          : op === 'mul'
            ? tf.layers.multiply({ name: name(node) })
            : new OnnxBinary({ op, name: name(node) });
      return apply(layer, [a.t, b.t]);
    }
    const [x, c, constantFirst] =
      a.kind === 'tensor'
        ? [a.t, (b as { c: OnnxTensor }).c, false]
        : [(b as { t: tf.SymbolicTensor }).t, a.c, true];
    const laid = constantForNhwc(c, x.shape.length);
    return apply(new OnnxConstantOp({ op, ...laid, constantFirst, name: name(node) }), x);
  }

  function flatten(node: OnnxNode, x: tf.SymbolicTensor) {
    if (x.shape.length !== 4)
      return x.shape.length === 2 ? x : apply(tf.layers.flatten({ name: name(node) }), x);
    const spatial = (x.shape[1] as number) * (x.shape[2] as number);
    // NCHW flattening order: channels outermost.
    const ordered =
      spatial === 1
        ? x
        : apply(tf.layers.permute({ dims: [3, 1, 2], name: name(node, '_nchw') }), x);
    return apply(tf.layers.flatten({ name: name(node) }), ordered);
  }

  function gemm(node: OnnxNode) {
    const x = tensor(node.inputs[0], node);
    const w = constant(node.inputs[1], node);
    const bias = node.inputs[2] ? constant(node.inputs[2], node) : undefined;
    const transB = node.opType === 'Gemm' && node.attributes.transB === 1;
    if (
      node.opType === 'Gemm' &&
      (node.attributes.transA === 1 ||
        (node.attributes.alpha ?? 1) !== 1 ||
        (node.attributes.beta ?? 1) !== 1)
    )
      throw badInput(`node ${node.name}: Gemm with transA, alpha or beta is not supported`);
    const [rows, cols] = w.dims;
    const units = transB ? rows : cols;
    const layer = tf.layers.dense({ units, useBias: bias !== undefined, name: name(node) });
    const y = apply(layer, x);
    const kernel = tf.tidy(() => {
      const m = tf.tensor2d(w.data as Float32Array, [rows, cols]);
      return transB ? tf.transpose(m) : m;
    });
    layer.setWeights(bias ? [kernel, tf.tensor1d(bias.data as Float32Array)] : [kernel]);
    return y;
  }

  const scalar = (id: string | undefined, node: OnnxNode, fallback: number) =>
    id ? Number(constant(id, node).data[0]) : fallback;

  /** Shape arithmetic on constants (the flatten pattern of older exports). */
  function fold(node: OnnxNode): OnnxTensor | undefined {
    const v = get(node.inputs[0], node);
    const out = (data: number[], dims: number[]): OnnxTensor => ({
      name: node.outputs[0],
      dims,
      data,
    });
    if (node.opType === 'Shape' && v.kind === 'tensor') {
      const s = v.t.shape;
      const nchw = s.length === 4 ? [s[0], s[3], s[1], s[2]] : s;
      return out(
        nchw.map((d) => (d === null ? 1 : d)),
        [s.length],
      );
    }
    if (v.kind !== 'const') return undefined;
    const data = Array.from(v.c.data);
    if (node.opType === 'Gather') {
      const index = constant(node.inputs[1], node);
      const picked = Array.from(index.data, (i) => data[i < 0 ? data.length + i : i]);
      return out(picked, index.dims);
    }
    if (node.opType === 'Unsqueeze')
      return out(data, [...v.c.dims, 1].slice(0, v.c.dims.length + 1));
    if (node.opType === 'Concat') {
      const all = node.inputs.flatMap((id) => Array.from(constant(id, node).data));
      return out(all, [all.length]);
    }
    return undefined;
  }

  for (const node of graph.nodes) {
    const op = node.opType;
    const folded = ['Shape', 'Gather', 'Unsqueeze', 'Concat'].includes(op) ? fold(node) : undefined;
    if (folded) {
      values.set(node.outputs[0], { kind: 'const', c: folded });
      continue;
    }
    if (op === 'Constant') {
      const c = node.attributes.value as OnnxTensor;
      values.set(node.outputs[0], { kind: 'const', c: { ...c, name: node.outputs[0] } });
      continue;
    }
    if (op === 'Identity' || op === 'Dropout') {
      values.set(node.outputs[0], get(node.inputs[0], node));
      continue;
    }
    let y: tf.SymbolicTensor;
    switch (op) {
      case 'Conv':
        y = conv(node);
        break;
      case 'ConvTranspose':
        y = convTranspose(node);
        break;
      case 'BatchNormalization': {
        const x = tensor(node.inputs[0], node);
        const [scale, bias, mean, variance] = node.inputs
          .slice(1, 5)
          .map((id) => constant(id, node));
        const layer = batchNormalization({
          epsilon: (node.attributes.epsilon as number | undefined) ?? 1e-5,
          momentum: 0.9,
          name: name(node),
        });
        y = apply(layer, x);
        layer.setWeights(
          [scale, bias, mean, variance].map((t) => tf.tensor1d(t.data as Float32Array)),
        );
        break;
      }
      case 'Relu':
        y = apply(reLU({ name: name(node) }), tensor(node.inputs[0], node));
        break;
      case 'Clip': {
        const lo = scalar(
          node.inputs[1],
          node,
          (node.attributes.min as number | undefined) ?? -Infinity,
        );
        const hi = scalar(
          node.inputs[2],
          node,
          (node.attributes.max as number | undefined) ?? Infinity,
        );
        if (lo !== 0)
          throw badInput(
            `node ${node.name}: Clip(${lo}, ${hi}) is supported only from 0 (ReLU, ReLU6)`,
          );
        y = apply(
          reLU({ maxValue: Number.isFinite(hi) ? hi : undefined, name: name(node) }),
          tensor(node.inputs[0], node),
        );
        break;
      }
      case 'Sigmoid':
        y = apply(
          tf.layers.activation({ activation: 'sigmoid', name: name(node) }),
          tensor(node.inputs[0], node),
        );
        break;
      case 'HardSigmoid':
      case 'HardSwish':
        y = apply(
          new OnnxUnary({
            op: op === 'HardSigmoid' ? 'hardSigmoid' : 'hardSwish',
            alpha:
              (node.attributes.alpha as number | undefined) ?? (op === 'HardSwish' ? 1 / 6 : 0.2),
            beta: (node.attributes.beta as number | undefined) ?? 0.5,
            name: name(node),
          }),
          tensor(node.inputs[0], node),
        );
        break;
      case 'Add':
      case 'Sub':
      case 'Mul':
      case 'Div':
        y = elementwise(node, op.toLowerCase() as BinaryOp);
        break;
      case 'GlobalAveragePool':
      case 'ReduceMean': {
        const axes = op === 'ReduceMean' ? ints(node, 'axes', []) : [2, 3];
        if (axes.join() !== '2,3' && axes.join() !== '-2,-1')
          throw badInput(
            `node ${node.name}: ReduceMean over axes [${axes}] is not supported (only spatial)`,
          );
        const x = tensor(node.inputs[0], node);
        const keep = op === 'GlobalAveragePool' || node.attributes.keepdims !== 0;
        y = apply(tf.layers.globalAveragePooling2d({ name: name(node) }), x);
        if (keep)
          y = apply(
            tf.layers.reshape({
              targetShape: [1, 1, x.shape[3] as number],
              name: name(node, '_keep'),
            }),
            y,
          );
        break;
      }
      case 'MaxPool':
        y = pool(node, 'max');
        break;
      case 'AveragePool':
        y = pool(node, 'avg');
        break;
      case 'Pad': {
        const x = tensor(node.inputs[0], node);
        const pads = node.inputs[1]
          ? Array.from(constant(node.inputs[1], node).data)
          : ints(node, 'pads', []);
        const mode = (node.attributes.mode as string | undefined) ?? 'constant';
        const value = scalar(node.inputs[2] || undefined, node, 0);
        // NCHW pads [n0, c0, h0, w0, n1, c1, h1, w1]: only spatial padding maps to a layer.
        if (mode !== 'constant' || pads[0] || pads[1] || pads[4] || pads[5])
          throw badInput(
            `node ${node.name}: Pad (${mode}) on other than the spatial axes is not supported`,
          );
        y = pad2d(x, node, [pads[2], pads[3], pads[6], pads[7]], value);
        if (y === x) y = apply(tf.layers.activation({ activation: 'linear', name: name(node) }), x);
        break;
      }
      case 'Flatten':
        y = flatten(node, tensor(node.inputs[0], node));
        break;
      case 'Reshape': {
        const x = tensor(node.inputs[0], node);
        const target = Array.from(constant(node.inputs[1], node).data);
        if (
          target.length !== 2 ||
          (target[1] !== -1 &&
            target[1] !== x.shape.slice(1).reduce((a: number, b) => a * (b as number), 1))
        )
          throw badInput(
            `node ${node.name}: Reshape to [${target}] is supported only as flattening to [batch, -1]`,
          );
        y = flatten(node, x);
        break;
      }
      case 'Gemm':
      case 'MatMul':
        y = gemm(node);
        break;
      case 'Concat': {
        const axis = node.attributes.axis as number;
        const parts = node.inputs.map((id) => tensor(id, node));
        const rank = parts[0].shape.length;
        const nhwcAxis = rank === 4 ? NCHW_TO_NHWC.indexOf(axis < 0 ? axis + 4 : axis) : axis;
        y = apply(tf.layers.concatenate({ axis: nhwcAxis, name: name(node) }), parts);
        break;
      }
      case 'Softmax': {
        const x = tensor(node.inputs[0], node);
        if (x.shape.length !== 2)
          throw badInput(`node ${node.name}: Softmax is supported on [batch, classes] only`);
        y = apply(tf.layers.softmax({ name: name(node) }), x);
        break;
      }
      default:
        throw badInput(`node ${node.name}: ${op} with these inputs is not supported`);
    }
    values.set(node.outputs[0], { kind: 'tensor', t: y });
  }
  const outputs = (options.outputs ?? graph.outputs.map((o) => o.name)).map((id) => {
    const v = values.get(id);
    if (v?.kind !== 'tensor') throw badInput(`output ${id} is not computed from the input`);
    return v.t;
  });
  return tf.model({ inputs: x0, outputs, name: options.name ?? 'onnx_import' });
}
