// Gemm and MatMul on [batch, features] as a dense layer: weights [in, out], or [out, in]
// transposed where Gemm's transB says so. transA, alpha and beta other than 1 are refused.
import * as tf from '@tensorflow/tfjs';
import { type OpConverter, tensorValue } from '../context.js';
import { setKernel } from '../layout.js';

const dense: OpConverter = (ctx) => {
  const x = ctx.tensor(0);
  const w = ctx.constant(1);
  const bias = ctx.optionalConstant(2);
  const gemm = ctx.node.opType === 'Gemm';
  const transB = gemm && ctx.number('transB', 0) === 1;
  if (
    gemm &&
    (ctx.number('transA', 0) === 1 || ctx.number('alpha', 1) !== 1 || ctx.number('beta', 1) !== 1)
  )
    throw ctx.fail('Gemm with transA, alpha or beta is not supported');
  const [rows, cols] = w.dims;
  const units = transB ? rows : cols;
  const layer = tf.layers.dense({ units, useBias: bias !== undefined, name: ctx.layerName() });
  const y = ctx.apply(layer, x);
  const kernel = tf.tidy(() => {
    const m = tf.tensor2d(w.data as Float32Array, [rows, cols]);
    return transB ? tf.transpose(m) : m;
  });
  setKernel(layer, kernel, bias);
  return tensorValue(y);
};

export const linearOps: Record<string, OpConverter> = { Gemm: dense, MatMul: dense };
