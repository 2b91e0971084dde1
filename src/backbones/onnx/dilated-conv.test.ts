// Dilated convolutions (DeepLab / FCN heads) from hand-built ONNX Conv nodes against a float64
// loop over PyTorch's definition, with symmetric and asymmetric pads, whole, grouped and
// depthwise, stride 1 and 2; they import as a layer that trains (tfjs's own dilated conv2d has
// no gradient) and survives save → load.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../util/rng.js';
import { convertGraph } from './convert.js';
import { parseOnnx } from './parse.js';
import {
  kernelGradientError,
  maxAbsError,
  predictNchw,
  saveAndLoad,
  singleNodeModel,
  weightGradients,
} from './test-graph.js';

interface Case {
  label: string;
  c: number;
  o: number;
  h: number;
  w: number;
  k: [number, number];
  dilations: [number, number];
  pads: [number, number, number, number];
  strides?: [number, number];
  group?: number;
}

const CASES: Case[] = [
  { label: 'dilation 2, pad 2 (same size)', c: 3, o: 4, h: 9, w: 8, k: [3, 3], dilations: [2, 2], pads: [2, 2, 2, 2] },
  { label: 'dilation 3, asymmetric pads', c: 2, o: 3, h: 10, w: 11, k: [3, 3], dilations: [3, 3], pads: [1, 3, 2, 0] },
  { label: 'dilation 3 × 2, no pads, 2×3 kernel', c: 2, o: 2, h: 8, w: 7, k: [2, 3], dilations: [3, 2], pads: [0, 0, 0, 0] },
  { label: 'depthwise, dilation 2', c: 4, o: 8, h: 7, w: 7, k: [3, 3], dilations: [2, 2], pads: [2, 2, 2, 2], group: 4 },
  { label: '2 groups, dilation 3', c: 4, o: 6, h: 9, w: 9, k: [3, 3], dilations: [3, 3], pads: [3, 3, 3, 3], group: 2 },
  { label: 'stride 2, dilation 2', c: 3, o: 2, h: 11, w: 10, k: [3, 3], dilations: [2, 2], pads: [2, 1, 2, 2], strides: [2, 2] },
]; // biome-ignore format: one table

/** NCHW float64 conv with groups, strides, dilations and pads [top, left, bottom, right]. */
function reference(x: number[], wt: number[], bias: number[], t: Case) {
  const { c, o, h, w, k, dilations: d, pads: p } = t;
  const [s, group] = [t.strides ?? [1, 1], t.group ?? 1];
  const oh = Math.floor((h + p[0] + p[2] - (k[0] - 1) * d[0] - 1) / s[0]) + 1;
  const ow = Math.floor((w + p[1] + p[3] - (k[1] - 1) * d[1] - 1) / s[1]) + 1;
  const [inPer, outPer] = [c / group, o / group];
  const y: number[] = [];
  for (let f = 0; f < o; f++) {
    const g = Math.floor(f / outPer);
    for (let i = 0; i < oh; i++)
      for (let j = 0; j < ow; j++) {
        let acc = bias[f];
        for (let ci = 0; ci < inPer; ci++)
          for (let a = 0; a < k[0]; a++)
            for (let b = 0; b < k[1]; b++) {
              const r = i * s[0] - p[0] + a * d[0];
              const q = j * s[1] - p[1] + b * d[1];
              if (r < 0 || q < 0 || r >= h || q >= w) continue;
              acc +=
                x[((g * inPer + ci) * h + r) * w + q] *
                wt[((f * inPer + ci) * k[0] + a) * k[1] + b];
            }
        y.push(acc);
      }
  }
  return { y, shape: [o, oh, ow] };
}

function build(t: Case, rng: Rng) {
  const group = t.group ?? 1;
  const wdims = [t.o, t.c / group, ...t.k];
  const wt = Array.from({ length: wdims.reduce((a, b) => a * b) }, () => rng.normal());
  const bias = Array.from({ length: t.o }, () => rng.normal());
  const attrs = {
    kernel_shape: t.k,
    strides: t.strides ?? [1, 1],
    pads: t.pads,
    dilations: t.dilations,
    group,
  };
  const bytes = singleNodeModel('Conv', [1, t.c, t.h, t.w], attrs, [
    { name: 'w', dims: wdims, values: wt },
    { name: 'b', dims: [t.o], values: bias },
  ]);
  return { bytes, wt, bias };
}

test('dilated Conv matches a float64 loop (< 1e-4) as a trainable layer', async (context) => {
  await tf.setBackend('cpu');
  const rng = new Rng(21);
  for (const t of CASES) {
    const { bytes, wt, bias } = build(t, rng);
    const model = convertGraph(parseOnnx(bytes, 'dilated.onnx'));
    assert.ok(model.layers.some((l) => l.getClassName() === 'VisiontuneOnnxDilatedConv2D'));
    const x = Array.from({ length: t.c * t.h * t.w }, () => rng.normal());
    const want = reference(x, wt, bias, t);
    const got = predictNchw(model, x, [1, t.c, t.h, t.w]);
    assert.deepEqual(got.shape.slice(1), want.shape, t.label);
    const error = maxAbsError(got.data, want.y);
    context.diagnostic(`${t.label}: max abs error ${error.toExponential(2)}`);
    assert.ok(error < 1e-4, `${t.label}: max abs error ${error}`);
    model.dispose();
  }
});

test('an imported dilated Conv trains (finite, nonzero kernel gradients) and saves', async (context) => {
  await tf.setBackend('cpu');
  const rng = new Rng(22);
  for (const t of CASES) {
    const model = convertGraph(parseOnnx(build(t, rng).bytes, 'dilated.onnx'));
    const grads = weightGradients(model, [2, t.h, t.w, t.c]);
    const kernel = Object.entries(grads).find(([name]) => name.includes('/kernel'));
    assert.ok(kernel, Object.keys(grads).join());
    assert.ok(kernel[1].every(Number.isFinite), t.label);
    assert.ok(
      kernel[1].some((g) => g !== 0),
      t.label,
    );
    const layer = model.layers.find((l) => l.getClassName() === 'VisiontuneOnnxDilatedConv2D')!;
    const entries = [0, 5, kernel[1].length - 1];
    const gradientError = kernelGradientError(model, layer, [2, t.h, t.w, t.c], entries);
    context.diagnostic(
      `${t.label}: kernel gradient vs difference ${gradientError.toExponential(2)}`,
    );
    assert.ok(gradientError < 1e-3, `${t.label}: kernel gradient off by ${gradientError}`);
    const loaded = await saveAndLoad(model);
    const x = Array.from({ length: t.c * t.h * t.w }, () => rng.normal());
    const dims = [1, t.c, t.h, t.w];
    assert.deepEqual(predictNchw(loaded, x, dims), predictNchw(model, x, dims), t.label);
  }
});
