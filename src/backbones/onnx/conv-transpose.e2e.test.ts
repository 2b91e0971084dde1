// ConvTranspose from hand-built ONNX nodes against a float64 loop over the ONNX definition
// (each input pixel scatters kernel × value to (i·stride - pad_begin + a·dilation)): the common
// stride-2 kernel-4 pad-1 upsampling, output_padding, stride 1, asymmetric pads, a kernel
// smaller than the stride, groups and dilation; the layer trains and survives save → load.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import type { VisiontuneError } from '../../errors.js';
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
  strides: [number, number];
  pads: [number, number, number, number];
  outputPadding?: [number, number];
  dilations?: [number, number];
  group?: number;
}

const CASES: Case[] = [
  { label: 'stride 2 kernel 4 pad 1', c: 3, o: 4, h: 5, w: 6, k: [4, 4], strides: [2, 2], pads: [1, 1, 1, 1] },
  { label: 'stride 2 kernel 3 pad 1 output_padding 1', c: 4, o: 2, h: 4, w: 5, k: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], outputPadding: [1, 1] },
  { label: 'stride 1 kernel 3', c: 2, o: 3, h: 5, w: 4, k: [3, 3], strides: [1, 1], pads: [0, 0, 0, 0] },
  { label: 'asymmetric pads, output_padding beyond the end pad', c: 3, o: 3, h: 4, w: 4, k: [3, 2], strides: [2, 3], pads: [2, 0, 0, 1], outputPadding: [1, 2] },
  { label: 'kernel smaller than stride', c: 2, o: 2, h: 3, w: 3, k: [1, 2], strides: [3, 3], pads: [0, 0, 0, 0] },
  { label: '2 groups, dilation 2', c: 4, o: 6, h: 4, w: 5, k: [3, 3], strides: [2, 1], pads: [1, 2, 0, 1], dilations: [2, 2], group: 2 },
]; // biome-ignore format: one table

/** ONNX ConvTranspose in float64, NCHW, weights [C, O/group, kh, kw]. */
function reference(x: number[], wt: number[], bias: number[], t: Case) {
  const { c, o, h, w, k, strides: s, pads: p } = t;
  const [d, op, group] = [t.dilations ?? [1, 1], t.outputPadding ?? [0, 0], t.group ?? 1];
  const oh = (h - 1) * s[0] - p[0] - p[2] + (k[0] - 1) * d[0] + op[0] + 1;
  const ow = (w - 1) * s[1] - p[1] - p[3] + (k[1] - 1) * d[1] + op[1] + 1;
  const [inPer, outPer] = [c / group, o / group];
  const y = Array.from({ length: o * oh * ow }, (_, i) => bias[Math.floor(i / (oh * ow))]);
  for (let ci = 0; ci < c; ci++)
    for (let i = 0; i < h; i++)
      for (let j = 0; j < w; j++)
        for (let f = 0; f < outPer; f++)
          for (let a = 0; a < k[0]; a++)
            for (let b = 0; b < k[1]; b++) {
              const r = i * s[0] - p[0] + a * d[0];
              const q = j * s[1] - p[1] + b * d[1];
              if (r < 0 || q < 0 || r >= oh || q >= ow) continue;
              const out = Math.floor(ci / inPer) * outPer + f;
              y[(out * oh + r) * ow + q] +=
                x[(ci * h + i) * w + j] * wt[((ci * outPer + f) * k[0] + a) * k[1] + b];
            }
  return { y, shape: [o, oh, ow] };
}

function build(t: Case, rng: Rng, extra: Record<string, number | number[] | string> = {}) {
  const group = t.group ?? 1;
  const wdims = [t.c, t.o / group, ...t.k];
  const wt = Array.from({ length: wdims.reduce((a, b) => a * b) }, () => rng.normal());
  const bias = Array.from({ length: t.o }, () => rng.normal());
  const attrs: Record<string, number | number[] | string> = {
    kernel_shape: t.k,
    strides: t.strides,
    pads: t.pads,
    group,
    ...extra,
  };
  if (t.outputPadding) attrs.output_padding = t.outputPadding;
  if (t.dilations) attrs.dilations = t.dilations;
  const bytes = singleNodeModel('ConvTranspose', [1, t.c, t.h, t.w], attrs, [
    { name: 'w', dims: wdims, values: wt },
    { name: 'b', dims: [t.o], values: bias },
  ]);
  return { bytes, wt, bias };
}

test('ConvTranspose matches a float64 loop over the ONNX definition (< 1e-4)', async (context) => {
  await tf.setBackend('cpu');
  const rng = new Rng(11);
  for (const t of CASES) {
    const { bytes, wt, bias } = build(t, rng);
    const model = convertGraph(parseOnnx(bytes, 'convT.onnx'));
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

test('an imported ConvTranspose trains (finite, nonzero kernel gradients) and saves', async (context) => {
  await tf.setBackend('cpu');
  const rng = new Rng(12);
  for (const t of [CASES[0], CASES[5]]) {
    const model = convertGraph(parseOnnx(build(t, rng).bytes, 'convT.onnx'));
    const grads = weightGradients(model, [2, t.h, t.w, t.c]);
    const kernel = Object.entries(grads).find(([name]) => name.includes('/kernel'));
    assert.ok(kernel, Object.keys(grads).join());
    assert.ok(kernel[1].every(Number.isFinite), t.label);
    assert.ok(
      kernel[1].some((g) => g !== 0),
      t.label,
    );
    const layer = model.layers.find((l) => l.getClassName() === 'VisiontuneOnnxConvTranspose2D')!;
    const entries = [0, 5, kernel[1].length - 1];
    const gradientError = kernelGradientError(model, layer, [2, t.h, t.w, t.c], entries);
    context.diagnostic(
      `${t.label}: kernel gradient vs difference ${gradientError.toExponential(2)}`,
    );
    assert.ok(gradientError < 1e-3, `${t.label}: kernel gradient off by ${gradientError}`);
    const loaded = await saveAndLoad(model);
    assert.ok(loaded.layers.some((l) => l.getClassName() === 'VisiontuneOnnxConvTranspose2D'));
    const x = Array.from({ length: t.c * t.h * t.w }, () => rng.normal());
    const dims = [1, t.c, t.h, t.w];
    assert.deepEqual(predictNchw(loaded, x, dims), predictNchw(model, x, dims));
  }
});

test('ConvTranspose auto_pad SAME_UPPER gives input × stride; output_shape is refused by node', async () => {
  await tf.setBackend('cpu');
  const rng = new Rng(13);
  const t: Case = { ...CASES[1], pads: [0, 0, 0, 0], outputPadding: [0, 0] };
  // total padding 2·3 + 3 - 2·4 = 1 per axis: SAME_UPPER puts it at the end.
  const { bytes, wt, bias } = build(t, rng, { auto_pad: 'SAME_UPPER' });
  const model = convertGraph(parseOnnx(bytes, 'convT.onnx'));
  const x = Array.from({ length: t.c * t.h * t.w }, () => rng.normal());
  const want = reference(x, wt, bias, { ...t, pads: [0, 0, 1, 1] });
  const got = predictNchw(model, x, [1, t.c, t.h, t.w]);
  assert.deepEqual(got.shape.slice(1), [t.o, t.h * 2, t.w * 2]);
  assert.ok(maxAbsError(got.data, want.y) < 1e-4);
  const withShape = build(CASES[1], rng, { output_shape: [8, 10] }).bytes;
  assert.throws(
    () => convertGraph(parseOnnx(withShape, 'convT.onnx')),
    (err: VisiontuneError) => /node node: ConvTranspose with output_shape/.test(err.message),
  );
});
