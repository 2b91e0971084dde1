// What an operator converter (ops/*.ts) sees of the graph under conversion: the node's inputs as
// symbolic tensors or folded constants (initializers, Constant nodes, shape arithmetic), its
// attributes with ONNX's defaults, unique layer names, and the one error form that names the node.
import type * as tf from '@tensorflow/tfjs';
import { badInput, type VisiontuneError } from '../../errors.js';
import type { OnnxNode, OnnxTensor } from './parse.js';

/** An ONNX value during conversion: computed from the image (NHWC when 4-D) or known now. */
export type Value = { kind: 'tensor'; t: tf.SymbolicTensor } | { kind: 'const'; c: OnnxTensor };

export const tensorValue = (t: tf.SymbolicTensor): Value => ({ kind: 'tensor', t });
export const constValue = (c: OnnxTensor): Value => ({ kind: 'const', c });

/** One node under conversion; inputs are addressed by position in `node.inputs`. */
export interface NodeContext {
  readonly node: OnnxNode;
  input(i: number): Value;
  /** Input i, which must be computed from the image. */
  tensor(i: number): tf.SymbolicTensor;
  /** Input i, which must be known at import time. */
  constant(i: number): OnnxTensor;
  /** Input i as a constant, or undefined where the node omits it. */
  optionalConstant(i: number): OnnxTensor | undefined;
  /** The first value of constant input i, or `fallback` where the node omits it. */
  scalar(i: number, fallback: number): number;
  /** An integer-list attribute, or `fallback` where the node omits it. */
  ints(key: string, fallback: number[]): number[];
  /** A number attribute (int or float), or `fallback` where the node omits it. */
  number(key: string, fallback: number): number;
  string(key: string, fallback: string): string;
  /** A layer name from the node's (made valid for tfjs, unique in the model). */
  layerName(suffix?: string): string;
  apply(layer: tf.layers.Layer, x: tf.SymbolicTensor | tf.SymbolicTensor[]): tf.SymbolicTensor;
  /** A user error that names the node. */
  fail(message: string): VisiontuneError;
}

/** Converts one node: the value of its (first) output. */
export type OpConverter = (ctx: NodeContext) => Value;

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

/** Contexts for the nodes of one graph, reading `values` (which the caller fills in order). */
export function nodeContexts(values: ReadonlyMap<string, Value>): (node: OnnxNode) => NodeContext {
  const name = layerNamer();
  return (node) => {
    const fail = (message: string) => badInput(`node ${node.name}: ${message}`);
    const input = (i: number) => {
      const v = values.get(node.inputs[i]);
      if (!v) throw fail(`input ${node.inputs[i]} is not produced by any earlier node`);
      return v;
    };
    const constant = (i: number) => {
      const v = input(i);
      if (v.kind !== 'const')
        throw badInput(
          `node ${node.name} (${node.opType}): input ${node.inputs[i]} must be a constant`,
        );
      return v.c;
    };
    const attribute = <T>(key: string, fallback: T) =>
      (node.attributes[key] as T | undefined) ?? fallback;
    return {
      node,
      input,
      tensor(i) {
        const v = input(i);
        if (v.kind !== 'tensor')
          throw fail(`input ${node.inputs[i]} must be computed, not constant`);
        return v.t;
      },
      constant,
      optionalConstant: (i) => (node.inputs[i] ? constant(i) : undefined),
      scalar: (i, fallback) => (node.inputs[i] ? Number(constant(i).data[0]) : fallback),
      ints: (key, fallback) => attribute(key, fallback),
      number: (key, fallback) => attribute(key, fallback),
      string: (key, fallback) => attribute(key, fallback),
      layerName: (suffix) => name(node, suffix),
      apply: (layer, x) => layer.apply(x) as tf.SymbolicTensor,
      fail,
    };
  };
}
