// UnsortedSegmentSum for wasm (the gradient of gather / tf.gather / embedding-style lookups,
// e.g. label smoothing or index-based heads). The wasm backend ships without it. It is a
// ScatterNd, which sums duplicate indices; ids outside [0, numSegments) are dropped, as in
// TF, by routing them to one spare segment that is sliced off.
import * as tf from '@tensorflow/tfjs';
import { composeKernel, kernelArgs } from './compose.js';

const unsortedSegmentSum: tf.KernelFunc = (args) => {
  const { backend, attrs, input } = kernelArgs<tf.UnsortedSegmentSumAttrs>(args);
  const x = input('x');
  const segmentIds = input('segmentIds');
  const { numSegments } = attrs;
  const idsSize = tf.util.sizeFromShape(segmentIds.shape);
  const inner = x.shape.slice(segmentIds.shape.length);
  const innerSize = tf.util.sizeFromShape(inner);
  return composeKernel(backend, [x, segmentIds], (xt, idt) => {
    const outShape = [numSegments, ...inner];
    if (idsSize === 0 || innerSize === 0) return tf.zeros(outShape, xt.dtype);
    const ids = tf.reshape(tf.cast(idt, 'int32'), [idsSize, 1]);
    const valid = tf.logicalAnd(tf.greaterEqual(ids, 0), tf.less(ids, numSegments));
    const routed = tf.where(valid, ids, tf.fill([idsSize, 1], numSegments, 'int32'));
    const summed = tf.scatterND(routed, tf.reshape(xt, [idsSize, innerSize]), [
      numSegments + 1,
      innerSize,
    ]);
    return tf.reshape(tf.slice(summed, [0, 0], [numSegments, innerSize]), outShape);
  });
};

export const unsortedSegmentSumConfig: tf.KernelConfig = {
  kernelName: tf.UnsortedSegmentSum,
  backendName: 'wasm',
  kernelFunc: unsortedSegmentSum,
};
