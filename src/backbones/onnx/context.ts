// What an operator converter (ops/*.ts) sees of the graph under conversion: the node's inputs as
// symbolic tensors or folded constants (initializers, Constant nodes, shape arithmetic), its
// attributes with ONNX's defaults, unique layer names, and the one error form that names the node.
import * as tf from '@tensorflow/tfjs';
import { badInput, type VisiontuneError } from '../../errors.js';
import { OnnxTranspose } from './layers.js';
import { canonicalPerm, onnxShape, relayout, sameLayout } from './layout.js';
import type { OnnxNode, OnnxTensor } from './parse.js';

/**
 * A value computed from the image: the held tensor and, per held axis, its ONNX axis. The batch
 * is the held axis whose symbolic size is null — not always the first once attention moves it —
 * and may be merged with static axes: that axis holds `lead` × batch entries, `inner` of them
 * (minor to the batch) per batch entry step.
 */
export interface TensorValue {
  kind: 'tensor';
  t: tf.SymbolicTensor;
  perm: number[];
  lead: number;
  inner: number;
}

/** An ONNX value during conversion: computed from the image (layout.ts) or known now. */
export type Value = TensorValue | { kind: 'const'; c: OnnxTensor };

/** A computed value, held with `perm` (by default its rank's canonical layout). */
export const tensorValue = (
  t: tf.SymbolicTensor,
  perm: number[] = canonicalPerm(t.shape.length),
): TensorValue => ({ kind: 'tensor', t, perm, lead: 1, inner: 1 });

/** The held axis of `v` that holds the batch (null in the symbolic shape). */
export const batchHeldAxis = (v: TensorValue) => v.t.shape.indexOf(null);

/** `t` held with `perm`, its batch merged as in `v` (elementwise, slicing, layout changes). */
export const sameBatch = (v: TensorValue, t: tf.SymbolicTensor, perm = v.perm): TensorValue => ({
  ...v,
  t,
  perm,
});
export const constValue = (c: OnnxTensor): Value => ({ kind: 'const', c });

/** One node under conversion; inputs are addressed by position in `node.inputs`. */
export interface NodeContext {
  readonly node: OnnxNode;
  /** The batch size the graph's input declares (1 where it is open). */
  readonly batch: number;
  /** The graph's default-domain opset. */
  readonly opset: number;
  input(i: number): Value;
  /** Input i, which must be computed from the image, held in its canonical layout. */
  tensor(i: number): tf.SymbolicTensor;
  /** Input i, which must be computed from the image, in whatever layout it is held. */
  value(i: number): TensorValue;
  /** `v` held with `perm` (a permute layer where it is held otherwise; the batch stays first). */
  arrange(v: TensorValue, perm: readonly number[]): tf.SymbolicTensor;
  /** The ONNX shape of `v`, with the batch the graph was exported with where it is open. */
  shapeOf(v: TensorValue): number[];
  /** `layer` applied to input i as held, the result in the same layout (elementwise layers). */
  keepLayout(i: number, layer: tf.layers.Layer): TensorValue;
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

/**
 * Unique layer names from the nodes'. `renames` gives chosen layers other names (the zoo's
 * canonical `stride_8`…): the name a layer would have had stays taken, so every other layer is
 * named as without renames, and a rename is keyed by that name.
 */
function layerNamer(renames?: ReadonlyMap<string, string>) {
  const used = new Set<string>(renames?.values());
  return (node: OnnxNode, suffix = '') => {
    const base = `${node.name}${suffix}`
      .replace(/[^A-Za-z0-9_.-]/g, '_')
      .replace(/^[^A-Za-z]+/, 'n_');
    let name = base;
    for (let k = 1; used.has(name); k++) name = `${base}_${k}`;
    used.add(name);
    return renames?.get(name) ?? name;
  };
}

/**
 * Contexts for the nodes of one graph, reading `values` (which the caller fills in order);
 * `batch` is the batch size the graph's input declares (1 where it is open).
 */
export function nodeContexts(
  values: ReadonlyMap<string, Value>,
  batch = 1,
  opset = 13,
  renames?: ReadonlyMap<string, string>,
): (node: OnnxNode) => NodeContext {
  const name = layerNamer(renames);
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
    const value = (i: number) => {
      const v = input(i);
      if (v.kind !== 'tensor') throw fail(`input ${node.inputs[i]} must be computed, not constant`);
      return v;
    };
    const apply = (layer: tf.layers.Layer, x: tf.SymbolicTensor | tf.SymbolicTensor[]) => {
      // A converter sets every weight from the graph right after: building with zeros (lazily
      // mapped memory) instead of random values spares a transient copy of each weight.
      layer.setFastWeightInitDuringBuild(true);
      return layer.apply(x) as tf.SymbolicTensor;
    };
    const arrange = (v: TensorValue, perm: readonly number[]) => {
      if (sameLayout(v.perm, perm)) return v.t;
      const moves = relayout(v.perm, perm);
      const layerName = name(node, '_permute');
      // tfjs's permute counts axes from 1 and cannot move axis 0; OnnxTranspose can.
      const permute =
        moves[0] === 0
          ? tf.layers.permute({ dims: moves.slice(1), name: layerName })
          : new OnnxTranspose({ perm: moves, name: layerName });
      return apply(permute, v.t);
    };
    return {
      node,
      batch,
      opset,
      input,
      tensor: (i) => {
        const v = value(i);
        return arrange(v, canonicalPerm(v.perm.length));
      },
      value,
      arrange,
      shapeOf: (v) =>
        onnxShape(
          v.t.shape.map((d) => d ?? batch * v.lead),
          v.perm,
        ),
      keepLayout: (i, layer) => {
        const v = value(i);
        return sameBatch(v, apply(layer, v.t));
      },
      constant,
      optionalConstant: (i) => (node.inputs[i] ? constant(i) : undefined),
      scalar: (i, fallback) => (node.inputs[i] ? Number(constant(i).data[0]) : fallback),
      ints: (key, fallback) => attribute(key, fallback),
      number: (key, fallback) => attribute(key, fallback),
      string: (key, fallback) => attribute(key, fallback),
      layerName: (suffix) => name(node, suffix),
      apply,
      fail,
    };
  };
}
