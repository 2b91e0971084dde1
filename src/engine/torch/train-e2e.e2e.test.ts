// End to end on the torch engine: MobileNetV2 (pretrained, every conv and dense layer trainable,
// batch norm frozen in inference mode as visiontune's fine-tune runs it) fine-tuned for 20 SGD
// steps on 4 Fashion-MNIST images, from the same initial weights on torch and on cpu (the
// reference), tracks the cpu loss curve.
//
// How closely two float32 runs can track each other is limited by the dynamics, not only by the
// kernels: the backends sum in different orders (~1e-7 relative), and the optimizer amplifies
// that. At lr 1e-3 these dynamics are chaotic — torch against itself with the initial weights
// perturbed by 1e-6 (relative) drifted by 3.5e-2 within 20 steps, as did torch against cpu —
// so no float32 backend could meet a fixed bound there. At lr 1e-4 the loss still falls by more
// than half and the runs stay close: measured worst relative difference 5.7e-6 over the 20
// steps (the 1e-6 weight perturbation itself reached 5e-4), so the per-step bound of 1e-3 has a
// wide margin and still fails on any wrong gradient.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { createModel } from '../../backbones/index.js';
import { openFashionMnist } from '../../data/index.js';
import { withReferenceFilterGradient } from '../wasm-kernels/reference-filter-gradient.js';
import {
  type BackendName,
  backendsUnderTest,
  sgdSteps,
  useBackend,
} from '../wasm-kernels/testing.js';

const skip = backendsUnderTest().includes('torch') ? false : 'torch engine unavailable';
const STEPS = 20;
const BATCH = 4;
const SIZE = 64;
const CLASSES = 3;
const LR = 1e-4;

/** BATCH Fashion-MNIST training images of classes 0, 1, 2, 0 at SIZE px, scaled to [-1, 1]. */
async function realBatch(): Promise<Float32Array> {
  const source = await openFashionMnist();
  const train = source.splits.train!;
  const picked = Array.from(
    { length: BATCH },
    (_, i) => train.filter((s) => s.label === i % CLASSES)[Math.floor(i / CLASSES)]!,
  );
  const images = await Promise.all(picked.map((s) => source.read(s)));
  await useBackend('cpu');
  return tf.tidy(() => {
    const raw = tf.tensor4d(Float32Array.from(images.flatMap((im) => Array.from(im.data))), [
      BATCH,
      28,
      28,
      3,
    ]);
    const resized = tf.image.resizeBilinear(raw, [SIZE, SIZE]).div(127.5).sub(1);
    return Float32Array.from(resized.dataSync());
  });
}

/** Trains on `backend` from `weights` (or the pretrained ones); returns the per-step losses. */
async function lossCurve(
  backend: BackendName,
  pixels: Float32Array,
  weights?: Float32Array[],
): Promise<{ losses: number[]; initial: Float32Array[] }> {
  await useBackend(backend);
  const { model } = await createModel('mobilenet_v2', {
    numClasses: CLASSES,
    inputSize: SIZE,
    seed: 3,
    pretrained: weights ? false : undefined,
  });
  for (const layer of model.layers) {
    if (layer.getClassName() === 'BatchNormalization') layer.trainable = false;
  }
  if (weights) model.setWeights(model.getWeights().map((w, k) => tf.tensor(weights[k]!, w.shape)));
  const initial = model.getWeights().map((w) => Float32Array.from(w.dataSync()));
  const x = tf.tensor4d(pixels, [BATCH, SIZE, SIZE, 3]);
  const losses = sgdSteps(model, x, CLASSES, STEPS, LR);
  x.dispose();
  model.dispose();
  return { losses, initial };
}

const drift = (a: number[], b: number[]) => a.map((v, i) => Math.abs(v - b[i]!) / Math.abs(b[i]!));

test('mobilenet_v2 fine-tune: 20 steps on torch track the cpu loss curve', { skip }, async () => {
  const pixels = await realBatch();
  const cpu = await withReferenceFilterGradient(() => lossCurve('cpu', pixels));
  const torch = await lossCurve('torch', pixels, cpu.initial);

  const vsCpu = drift(torch.losses, cpu.losses);
  const worst = Math.max(...vsCpu);
  console.log(
    `torch e2e: loss cpu ${cpu.losses[0]!.toFixed(4)} -> ${cpu.losses.at(-1)!.toFixed(4)}, ` +
      `torch ${torch.losses[0]!.toFixed(4)} -> ${torch.losses.at(-1)!.toFixed(4)}; ` +
      `worst relative difference ${worst.toExponential(2)}`,
  );
  assert.ok(worst < 1e-3, `torch drifts from cpu: ${vsCpu.map((r) => r.toExponential(1))}`);
  assert.ok(cpu.losses.at(-1)! < cpu.losses[0]! * 0.5, `cpu did not learn: ${cpu.losses}`);
});
