// Grouped convolutions (ResNeXt / RegNet) from a hand-built ONNX Conv node against a float64
// loop over PyTorch's definition: groups of input channels, each with its own filters, with
// strides, asymmetric pads and a bias, through both forms (one depthwise conv and a sum for narrow
// groups, a conv per group for wide ones); kernel gradients; and the layer survives save → load.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../util/rng.js';
import { convertGraph } from './convert.js';
import { DEPTHWISE_SUM_MAX_GROUP_WIDTH } from './layers.js';
import { parseOnnx } from './parse.js';
import { kernelGradientError, singleNodeModel } from './test-graph.js';

/** NCHW float64 conv with groups, pads [top, left, bottom, right]. */
function reference(
  x: number[],
  [c, h, w]: number[],
  k: number[],
  [o, , kh, kw]: number[],
  bias: number[],
  groups: number,
  stride: number,
  pads: number[],
) {
  const perIn = c / groups;
  const perOut = o / groups;
  const oh = Math.floor((h + pads[0] + pads[2] - kh) / stride) + 1;
  const ow = Math.floor((w + pads[1] + pads[3] - kw) / stride) + 1;
  const y: number[] = [];
  for (let f = 0; f < o; f++) {
    const g = Math.floor(f / perOut);
    for (let i = 0; i < oh; i++)
      for (let j = 0; j < ow; j++) {
        let acc = bias[f];
        for (let ci = 0; ci < perIn; ci++)
          for (let a = 0; a < kh; a++)
            for (let b = 0; b < kw; b++) {
              const r = i * stride - pads[0] + a;
              const q = j * stride - pads[1] + b;
              if (r < 0 || q < 0 || r >= h || q >= w) continue;
              acc +=
                x[((g * perIn + ci) * h + r) * w + q] * k[((f * perIn + ci) * kh + a) * kw + b];
            }
        y.push(acc);
      }
  }
  return { y, shape: [o, oh, ow] };
}

test('grouped Conv (2 and 4 groups, stride 2, asymmetric pads, bias) matches a float64 loop', async () => {
  await tf.setBackend('cpu');
  const rng = new Rng(5);
  for (const [groups, c, o, stride, pads] of [
    [2, 4, 6, 1, [1, 1, 1, 1]],
    [4, 8, 8, 2, [1, 0, 0, 1]],
    // Groups wider than DEPTHWISE_SUM_MAX_GROUP_WIDTH: one conv per group.
    [2, 2 * (DEPTHWISE_SUM_MAX_GROUP_WIDTH + 1), 4, 1, [0, 0, 0, 0]],
  ] as const) {
    const [h, w, kh, kw] = [7, 6, 3, 3];
    const x = Array.from({ length: c * h * w }, () => rng.normal());
    const kdims = [o, c / groups, kh, kw];
    const k = Array.from({ length: kdims.reduce((a, b) => a * b) }, () => rng.normal());
    const bias = Array.from({ length: o }, () => rng.normal());
    const bytes = singleNodeModel(
      'Conv',
      [1, c, h, w],
      { group: groups, strides: [stride, stride], pads: [...pads] },
      [
        { name: 'w', dims: kdims, values: k },
        { name: 'b', dims: [o], values: bias },
      ],
    );
    const model = convertGraph(parseOnnx(bytes, 'conv.onnx'));
    const layer = model.layers.find((l) => l.getClassName() === 'VisiontuneOnnxGroupedConv2D');
    assert.ok(layer);
    // The output is linear in the kernel: its gradient is the difference quotient (step 1).
    const gradientError = kernelGradientError(model, layer, [1, h, w, c], [0, 5, 17, 30]);
    assert.ok(gradientError < 1e-3, `groups ${groups}: kernel gradient error ${gradientError}`);
    const want = reference(x, [c, h, w], k, kdims, bias, groups, stride, [...pads]);
    const input = tf.transpose(tf.tensor4d(x, [1, c, h, w]), [0, 2, 3, 1]);
    const got = tf.transpose(model.predict(input) as tf.Tensor4D, [0, 3, 1, 2]);
    assert.deepEqual(got.shape.slice(1), want.shape);
    const data = got.dataSync();
    want.y.forEach((v, i) => {
      assert.ok(Math.abs(data[i] - v) < 1e-4, `groups ${groups} [${i}]: ${data[i]} vs ${v}`);
    });
    let artifacts: tf.io.ModelArtifacts | undefined;
    await model.save(
      tf.io.withSaveHandler(async (a) => {
        artifacts = a;
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }),
    );
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(artifacts!));
    const again = (loaded.predict(input) as tf.Tensor).dataSync();
    const before = (model.predict(input) as tf.Tensor).dataSync();
    assert.deepEqual(Array.from(again), Array.from(before));
  }
});
