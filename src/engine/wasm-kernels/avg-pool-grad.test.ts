// AvgPoolGrad (ours, on cpu and wasm) against the definition, computed in float64 loops: each
// window's dy, divided by the number of in-bounds inputs the forward pool averaged, goes to each
// of those inputs. 'same' padding with even and odd sizes exercises border windows of every count.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { type BackendName, randomValues, relativeError, seeded, useBackend } from './testing.js';

function referenceGrad(
  dy: Float32Array,
  xShape: [number, number, number, number],
  size: number,
  stride: number,
  pad: 'same' | 'valid',
): Float64Array {
  const [n, h, w, c] = xShape;
  const info = tf.backend_util.computePool2DInfo(xShape, size, stride, 1, pad);
  const { outHeight: oh, outWidth: ow } = info;
  const { top, left } = info.padInfo;
  const dx = new Float64Array(n * h * w * c);
  for (let b = 0; b < n; b++) {
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++) {
        const rows = [...Array(size).keys()]
          .map((i) => oy * stride - top + i)
          .filter((y) => y >= 0 && y < h);
        const cols = [...Array(size).keys()]
          .map((j) => ox * stride - left + j)
          .filter((x) => x >= 0 && x < w);
        const count = rows.length * cols.length;
        for (let ch = 0; ch < c; ch++) {
          const g = dy[((b * oh + oy) * ow + ox) * c + ch]! / count;
          for (const y of rows) for (const x of cols) dx[((b * h + y) * w + x) * c + ch] += g;
        }
      }
    }
  }
  return dx;
}

const cases: [[number, number, number, number], number, number, 'same' | 'valid'][] = [
  [[2, 7, 7, 3], 3, 1, 'same'],
  [[2, 8, 6, 2], 3, 2, 'same'],
  [[1, 6, 6, 4], 2, 2, 'same'],
  [[2, 9, 8, 2], 3, 2, 'valid'],
  [[1, 5, 5, 1], 5, 1, 'same'],
  // Maps smaller than the window (InceptionV3 @75 px ends at 1x1).
  [[2, 1, 1, 3], 3, 1, 'same'],
  [[2, 2, 2, 3], 3, 1, 'same'],
  [[2, 3, 3, 5], 3, 1, 'same'],
];

for (const backend of ['cpu', 'wasm'] as BackendName[]) {
  test(`AvgPoolGrad on ${backend} is the adjoint of the in-bounds average`, async () => {
    await useBackend(backend);
    const rand = seeded(31);
    for (const [shape, size, stride, pad] of cases) {
      const x = randomValues(tf.util.sizeFromShape(shape), rand);
      const got = tf.tidy(() => {
        const xt = tf.tensor4d(x, shape);
        const y = tf.avgPool(xt, size, stride, pad);
        const dy = tf.tensor(randomValues(y.size, seeded(size * 10 + stride)), y.shape);
        const dx = tf.grad((a: tf.Tensor) =>
          tf
            .avgPool(a as tf.Tensor4D, size, stride, pad)
            .mul(dy)
            .sum(),
        )(xt);
        return { dy: Float32Array.from(dy.dataSync()), dx: Float32Array.from(dx.dataSync()) };
      });
      const expected = referenceGrad(got.dy, shape, size, stride, pad);
      const err = relativeError(got.dx, expected);
      assert.ok(
        err < 1e-5,
        `${shape} window ${size} stride ${stride} ${pad}: relative error ${err}`,
      );
    }
  });
}
