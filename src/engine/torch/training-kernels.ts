// Native kernels for the fused training ops of src/engine/fused-ops.ts: batch norm with batch
// statistics and its gradient (ATen's native_batch_norm / _backward on channels-last views), and
// the one-pass Relu / Relu6 gradient.
import { BATCH_NORM_TRAINING, BATCH_NORM_TRAINING_GRAD, RELU_GRAD } from '../fused-ops.js';
import { type Impl, input } from './kernel-support.js';

const epsilonOf = (attrs: Record<string, unknown> | undefined) =>
  (attrs?.epsilon as number | undefined) ?? 1e-3;

const batchNormTraining: Impl = ({ inputs, attrs }, backend, addon) => {
  const x = input(inputs, 'x');
  if (x.dtype !== 'float32') return null;
  const channels = [x.shape.at(-1) as number];
  const [y, mean, variance, invstd] = addon.batchNormTrain(
    backend.handleOf(x),
    backend.handleOf(input(inputs, 'scale')),
    backend.handleOf(input(inputs, 'offset')),
    epsilonOf(attrs),
  );
  return [
    backend.output(y, [...x.shape], 'float32'),
    backend.output(mean, channels, 'float32'),
    backend.output(variance, channels, 'float32'),
    backend.output(invstd, channels, 'float32'),
  ];
};

const batchNormTrainingGrad: Impl = ({ inputs, attrs }, backend, addon) => {
  const x = input(inputs, 'x');
  const scale = input(inputs, 'scale');
  const [dx, dscale, doffset] = addon.batchNormTrainGrad(
    backend.handleOf(input(inputs, 'dy')),
    backend.handleOf(x),
    backend.handleOf(scale),
    backend.handleOf(input(inputs, 'mean')),
    backend.handleOf(input(inputs, 'invstd')),
    epsilonOf(attrs),
  );
  return [
    backend.output(dx, [...x.shape], 'float32'),
    backend.output(dscale, [...scale.shape], 'float32'),
    backend.output(doffset, [...scale.shape], 'float32'),
  ];
};

const reluGrad: Impl = ({ inputs, attrs }, backend, addon) => {
  const dy = input(inputs, 'dy');
  const h = addon.reluGrad(
    backend.handleOf(dy),
    backend.handleOf(input(inputs, 'x')),
    attrs?.max as number,
  );
  return backend.output(h, [...dy.shape], 'float32');
};

/** The fused training kernels by kernel name. */
export function trainingKernels(): [string, Impl][] {
  return [
    [BATCH_NORM_TRAINING, batchNormTraining],
    [BATCH_NORM_TRAINING_GRAD, batchNormTrainingGrad],
    [RELU_GRAD, reluGrad],
  ];
}
