// Small hand-built ONNX models (one node or a few) encoded with onnx-proto, and what the
// importer's tests do with the converted model: run it on NCHW data, take its gradients, save
// and load it (not a test itself).
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import onnxProto from 'onnx-proto';
import { Rng } from '../../util/rng.js';
import { convertGraph } from './convert.js';
import { parseOnnx } from './parse.js';

const { onnx } = onnxProto;

export interface Initializer {
  name: string;
  dims: number[];
  values: number[];
  /** Stored as int64 (shapes, pads, indices) rather than float32. */
  int64?: boolean;
}

/** An attribute: a number is an INT, a list INTS; floats and tensors are marked as such. */
export type TestAttribute =
  | number
  | number[]
  | string
  | { float: number }
  | { floats: number[] }
  | { tensor: Initializer };

export interface TestNode {
  opType: string;
  inputs: string[];
  outputs: string[];
  attrs?: Record<string, TestAttribute>;
  name?: string;
}

function tensorProto(t: Initializer) {
  return t.int64
    ? { name: t.name, dims: t.dims, dataType: 7, int64Data: t.values }
    : { name: t.name, dims: t.dims, dataType: 1, floatData: t.values };
}

function attributeProto(name: string, v: TestAttribute) {
  const { INTS, INT, STRING, FLOAT, FLOATS, TENSOR } = onnx.AttributeProto.AttributeType;
  if (typeof v === 'string') return { name, type: STRING, s: new TextEncoder().encode(v) };
  if (typeof v === 'number') return { name, type: INT, i: v };
  if (Array.isArray(v)) return { name, type: INTS, ints: v };
  if ('float' in v) return { name, type: FLOAT, f: v.float };
  if ('floats' in v) return { name, type: FLOATS, floats: v.floats };
  return { name, type: TENSOR, t: tensorProto(v.tensor) };
}

/**
 * A model whose one input `x` has `inputDims` (NCHW) and whose output is the last node's first
 * output; nodes are named n0, n1, … unless they say otherwise.
 */
export function graphModel(
  inputDims: number[],
  nodes: TestNode[],
  initializers: Initializer[] = [],
): Uint8Array {
  const tensorType = (dims: number[]) => ({
    tensorType: { elemType: 1, shape: { dim: dims.map((d) => ({ dimValue: d })) } },
  });
  const model = onnx.ModelProto.create({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 13 }],
    graph: {
      name: nodes.map((n) => n.opType).join('_'),
      node: nodes.map((n, i) => ({
        name: n.name ?? `n${i}`,
        opType: n.opType,
        input: n.inputs,
        output: n.outputs,
        attribute: Object.entries(n.attrs ?? {}).map(([name, v]) => attributeProto(name, v)),
      })),
      initializer: initializers.map(tensorProto),
      input: [{ name: 'x', type: tensorType(inputDims) }],
      output: [{ name: nodes[nodes.length - 1].outputs[0], type: tensorType([]) }],
    },
  });
  return onnx.ModelProto.encode(model).finish();
}

/** One node `node` on input `x` and the initializers (its further inputs, in order). */
export function singleNodeModel(
  opType: string,
  inputDims: number[],
  attrs: Record<string, TestAttribute>,
  initializers: Initializer[] = [],
): Uint8Array {
  const inputs = ['x', ...initializers.map((t) => t.name)];
  return graphModel(
    inputDims,
    [{ name: 'node', opType, inputs, outputs: ['y'], attrs }],
    initializers,
  );
}

/** The converted model of hand-built ONNX bytes. */
export const convertBytes = (bytes: Uint8Array) => convertGraph(parseOnnx(bytes, 'test.onnx'));

/** `count` seeded standard normal values. */
export function normals(count: number, seed: number): number[] {
  const rng = new Rng(seed);
  return Array.from({ length: count }, () => rng.normal());
}

/** The model's output on NCHW input `x` of `dims`, as NCHW (other ranks as they come). */
export function predictNchw(model: tf.LayersModel, x: number[], dims: number[]) {
  return tf.tidy(() => {
    const input = tf.transpose(
      tf.tensor4d(x, dims as [number, number, number, number]),
      [0, 2, 3, 1],
    );
    const out = model.predict(input) as tf.Tensor;
    const y = out.rank === 4 ? tf.transpose(out, [0, 3, 1, 2]) : out;
    return { shape: y.shape, data: Array.from(y.dataSync()) };
  });
}

/**
 * Asserts that the model (or the one converted from ONNX bytes) maps NCHW `x` of `dims` to
 * `want` (NCHW where 4-D) of `shape`, within `tolerance` — relative to the value where it
 * exceeds 1, as float32 rounding is.
 */
export function assertOutput(
  label: string,
  model: tf.LayersModel | Uint8Array,
  input: { x: number[]; dims: number[] },
  want: { y: number[]; shape: number[] },
  tolerance = 1e-5,
) {
  const converted = model instanceof Uint8Array ? convertBytes(model) : model;
  const got = predictNchw(converted, input.x, input.dims);
  assert.deepEqual(got.shape, want.shape, label);
  const scale = want.y.map((v) => Math.max(1, Math.abs(v)));
  const error = maxAbsError(
    got.data.map((v, i) => v / scale[i]),
    want.y.map((v, i) => v / scale[i]),
  );
  assert.ok(error < tolerance, `${label}: max error ${error} (relative where |value| > 1)`);
}

/** Largest |got - want| (Infinity where the lengths differ). */
export function maxAbsError(got: ArrayLike<number>, want: ArrayLike<number>) {
  if (got.length !== want.length) return Infinity;
  let worst = 0;
  for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]));
  return worst;
}

/** A seeded random projection of the outputs on a seeded input: linear in each weight. */
function projectedOutput(model: tf.LayersModel, inputShape: number[]) {
  const x = tf.randomNormal(inputShape, 0, 1, 'float32', 7);
  const out = model.apply(x, { training: true }) as tf.Tensor | tf.Tensor[];
  const ys = Array.isArray(out) ? out : [out];
  const projections = ys.map((y, i) =>
    tf.sum(tf.mul(y, tf.randomNormal(y.shape, 0, 1, 'float32', 8 + i))),
  );
  return tf.addN(projections) as tf.Scalar;
}

/** Gradients of the projected output w.r.t. every trainable weight, by variable name. */
export function weightGradients(model: tf.LayersModel, inputShape: number[]) {
  return tf.tidy(() => {
    const { grads } = tf.variableGrads(() => projectedOutput(model, inputShape));
    return Object.fromEntries(
      Object.entries(grads).map(([name, g]) => [name, Array.from(g.dataSync())]),
    );
  });
}

/**
 * Largest |gradient - difference quotient| over some entries of the layer's first weight (its
 * kernel): the projected output is linear in it, so a step of 1 gives the exact derivative.
 */
export function kernelGradientError(
  model: tf.LayersModel,
  layer: tf.layers.Layer,
  inputShape: number[],
  entries: number[],
) {
  const weights = layer.getWeights();
  const kernel = new Float32Array(weights[0].dataSync());
  const grads = weightGradients(model, inputShape);
  const name = Object.keys(grads).find((n) => n.startsWith(`${layer.name}/kernel`))!;
  const at = (values: Float32Array) => {
    const stepped = tf.tensor(values, weights[0].shape);
    layer.setWeights([stepped, ...weights.slice(1)]);
    stepped.dispose();
    return tf.tidy(() => projectedOutput(model, inputShape).dataSync()[0]);
  };
  const base = at(kernel);
  let worst = 0;
  for (const i of entries) {
    const stepped = kernel.slice();
    stepped[i] += 1;
    worst = Math.max(worst, Math.abs(at(stepped) - base - grads[name][i]));
  }
  at(kernel);
  return worst;
}

/** The model saved to memory and loaded back (custom layers must be registered). */
export async function saveAndLoad(model: tf.LayersModel) {
  let artifacts: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      artifacts = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  return tf.loadLayersModel(tf.io.fromMemory(artifacts!));
}
