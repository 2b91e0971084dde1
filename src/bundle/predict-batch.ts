// One forward pass of whatever runs a bundle's network: a TF.js model, or anything that runs a
// float32 NHWC batch and returns outputs with shapes (ONNX Runtime in Node or in a browser).
// Platform-free, so the task code that decodes outputs (classify, detect, segment) is shared by
// Node and the browser entry.
import * as tf from '@tensorflow/tfjs';

/** A network outside TF.js: ONNX Runtime's session behind the same call in Node and browser. */
export interface BatchRunner {
  run(data: Float32Array, shape: number[]): Promise<{ data: Float32Array; shape: number[] }[]>;
}

export type BatchModel = tf.LayersModel | BatchRunner;

/** The model's (first) output for one NHWC batch; the caller disposes it (and `x`). */
export async function predictBatch(model: BatchModel, x: tf.Tensor): Promise<tf.Tensor> {
  if (model instanceof tf.LayersModel) return model.predict(x) as tf.Tensor;
  const [out] = await model.run((await x.data()) as Float32Array, x.shape);
  return tf.tensor(out!.data, out!.shape);
}

/** Every output of the model for one NHWC batch, in output order; the caller disposes them. */
export async function predictAll(model: BatchModel, x: tf.Tensor): Promise<tf.Tensor[]> {
  if (model instanceof tf.LayersModel) {
    const out = model.predict(x);
    return Array.isArray(out) ? out : [out];
  }
  const outs = await model.run((await x.data()) as Float32Array, x.shape);
  return outs.map((o) => tf.tensor(o.data, o.shape));
}
