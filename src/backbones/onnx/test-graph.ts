// One-node ONNX models encoded with onnx-proto, and what the importer's tests do with the
// converted model: run it on NCHW data, take its gradients, save and load it (not a test itself).
import * as tf from '@tensorflow/tfjs';
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;

export interface Initializer {
  name: string;
  dims: number[];
  values: number[];
}

export function singleNodeModel(
  opType: string,
  inputDims: number[],
  attrs: Record<string, number | number[] | string>,
  initializers: Initializer[] = [],
): Uint8Array {
  const { INTS, INT, STRING } = onnx.AttributeProto.AttributeType;
  const attribute = Object.entries(attrs).map(([name, v]) =>
    typeof v === 'string'
      ? { name, type: STRING, s: new TextEncoder().encode(v) }
      : Array.isArray(v)
        ? { name, type: INTS, ints: v }
        : { name, type: INT, i: v },
  );
  const tensorType = (dims: number[]) => ({
    tensorType: { elemType: 1, shape: { dim: dims.map((d) => ({ dimValue: d })) } },
  });
  const model = onnx.ModelProto.create({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 13 }],
    graph: {
      name: opType,
      node: [
        {
          name: 'node',
          opType,
          input: ['x', ...initializers.map((t) => t.name)],
          output: ['y'],
          attribute,
        },
      ],
      initializer: initializers.map((t) => ({
        name: t.name,
        dims: t.dims,
        dataType: 1,
        floatData: t.values,
      })),
      input: [{ name: 'x', type: tensorType(inputDims) }],
      output: [{ name: 'y', type: tensorType([]) }],
    },
  });
  return onnx.ModelProto.encode(model).finish();
}

/** The model's output on NCHW input `x` of `dims`, as NCHW. */
export function predictNchw(model: tf.LayersModel, x: number[], dims: number[]) {
  return tf.tidy(() => {
    const input = tf.transpose(
      tf.tensor4d(x, dims as [number, number, number, number]),
      [0, 2, 3, 1],
    );
    const y = tf.transpose(model.predict(input) as tf.Tensor4D, [0, 3, 1, 2]);
    return { shape: y.shape, data: Array.from(y.dataSync()) };
  });
}

/** Largest |got - want| (Infinity where the lengths differ). */
export function maxAbsError(got: ArrayLike<number>, want: ArrayLike<number>) {
  if (got.length !== want.length) return Infinity;
  let worst = 0;
  for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]));
  return worst;
}

/** A seeded random projection of the output on a seeded input: linear in each weight. */
function projectedOutput(model: tf.LayersModel, inputShape: number[]) {
  const x = tf.randomNormal(inputShape, 0, 1, 'float32', 7);
  const y = model.apply(x, { training: true }) as tf.Tensor;
  return tf.sum(tf.mul(y, tf.randomNormal(y.shape, 0, 1, 'float32', 8))) as tf.Scalar;
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
