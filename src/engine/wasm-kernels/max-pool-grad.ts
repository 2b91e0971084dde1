// MaxPoolGrad for wasm, replacing the one wasm 4.22 ships: that kernel drops the gradient
// of every pooling window whose maximum is negative (except the very first window), e.g.
// max-pooling batchnorm or linear outputs; max-pool-grad.test.ts catches it, and the e2e
// test's net pools batchnorm output for that reason.
// Each window's dy goes to the first input position (row-major) holding the window's max,
// as on the cpu backend — ties are common after relu. Built per pool tap: mark positions
// equal to the output and not claimed by an earlier tap, then scatter dy back through the
// stride (zero-stuff + pad, the adjoint of the strided window read).
import * as tf from '@tensorflow/tfjs';
import { composeKernel, kernelArgs } from './compose.js';
import { convWindows } from './conv-windows.js';
import { zeroStuff } from './spatial.js';

const maxPoolGrad: tf.KernelFunc = (args) => {
  const { backend, attrs, input } = kernelArgs<tf.MaxPoolGradAttrs>(args);
  const dy = input('dy');
  const x = input('input');
  const y = input('output');
  const { filterSize, strides, pad, dimRoundingMode } = attrs;
  const info = tf.backend_util.computePool2DInfo(
    x.shape as [number, number, number, number],
    filterSize,
    strides,
    1,
    pad,
    dimRoundingMode,
  );
  const { strideHeight: sH, strideWidth: sW, dilationHeight: dH, dilationWidth: dW } = info;
  return composeKernel(backend, [dy, x, y], (dyt, xt, yt) => {
    const windows = convWindows(xt as tf.Tensor4D, info, Number.NEGATIVE_INFINITY);
    const [, pH, pW] = windows.padded.shape;
    const zeros = tf.zerosLike(dyt);
    let claimed = tf.zerosLike(yt).cast('bool');
    let acc = tf.zerosLike(windows.padded);
    for (let i = 0; i < info.filterHeight; i++) {
      for (let j = 0; j < info.filterWidth; j++) {
        const [nextClaimed, nextAcc] = tf.tidy(() => {
          const hit = tf.logicalAnd(tf.equal(windows.at(i, j), yt), tf.logicalNot(claimed));
          const routed = zeroStuff(tf.where(hit, dyt, zeros) as tf.Tensor4D, sH, sW);
          const [, rH, rW] = routed.shape;
          const placed = tf.pad(routed, [
            [0, 0],
            [i * dH, pH - i * dH - rH],
            [j * dW, pW - j * dW - rW],
            [0, 0],
          ]);
          return [tf.logicalOr(claimed, hit), tf.add(acc, placed)];
        });
        claimed.dispose();
        acc.dispose();
        claimed = nextClaimed!;
        acc = nextAcc!;
      }
    }
    const [n, h, w, c] = xt.shape as [number, number, number, number];
    return tf.slice(acc, [0, info.padInfo.top, info.padInfo.left, 0], [n, h, w, c]);
  });
};

export const maxPoolGradConfig: tf.KernelConfig = {
  kernelName: tf.MaxPoolGrad,
  backendName: 'wasm',
  kernelFunc: maxPoolGrad,
};
