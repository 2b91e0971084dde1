// Where a training step's time goes on a backend: wall time per kernel (kernels run synchronously
// on torch, wasm and cpu, so wall time is compute time), calls, cpu fallbacks, and the time spent
// outside kernels (tfjs bookkeeping, autodiff, JS). Prints JSON; per-step values averaged over reps.
// Usage: node --import tsx bench/profile-step.ts [--backend torch] [--backbone mobilenet_v2]
//        [--size 224] [--reps 3] [--head unet|deeplabv3plus]  (a segmenter step instead)
import * as tf from '@tensorflow/tfjs';
import { createModel } from '../src/backbones/index.js';
import { initEngine } from '../src/engine/index.js';
import { fallbackCounts, resetFallbackCounts } from '../src/engine/torch/index.js';
import { buildDeeplabV3Plus } from '../src/heads/segmentation/deeplab.js';
import { segmentationCrossEntropy } from '../src/heads/segmentation/losses.js';
import { buildUnet } from '../src/heads/segmentation/unet.js';
import { machineInfo } from './machine.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : fallback;
}
const backend = arg('backend', 'torch');
const backbone = arg('backbone', 'mobilenet_v2');
const size = Number(arg('size', '224'));
const reps = Number(arg('reps', '3'));
const BATCH = 16;
const CLASSES = 10;

await initEngine({ backend: backend as 'torch' });
const perKernel = new Map<string, { calls: number; ms: number }>();
// Wrap every kernel of the backend with a timer (before any model runs, so all calls are seen).
for (const config of tf.getKernelsForBackend(backend)) {
  const run = config.kernelFunc;
  tf.unregisterKernel(config.kernelName, backend);
  tf.registerKernel({
    ...config,
    kernelFunc: (args) => {
      const start = performance.now();
      const out = run(args);
      const entry = perKernel.get(config.kernelName) ?? { calls: 0, ms: 0 };
      entry.calls++;
      entry.ms += performance.now() - start;
      perKernel.set(config.kernelName, entry);
      return out;
    },
  });
}

const head = arg('head', '');
const x = tf.randomUniform([BATCH, size, size, 3], -1, 1, 'float32', 2);
let model: tf.LayersModel;
let lossOf: (out: tf.Tensor) => tf.Scalar;
if (head) {
  const options = { backbone, pretrained: false, numClasses: CLASSES, inputSize: size, seed: 1 };
  model = (head === 'unet' ? await buildUnet(options) : await buildDeeplabV3Plus(options)).model;
  const pixels = tf.randomUniform([BATCH, size, size], 0, CLASSES, 'int32', 3) as tf.Tensor3D;
  lossOf = (out) => segmentationCrossEntropy(out as tf.Tensor4D, pixels);
} else {
  model = (await createModel(backbone, { numClasses: CLASSES, inputSize: size, seed: 1 })).model;
  const labels = Array.from({ length: BATCH }, (_, i) => i % CLASSES);
  const y = tf.oneHot(tf.tensor1d(labels, 'int32'), CLASSES);
  lossOf = (out) => tf.losses.softmaxCrossEntropy(y, out) as tf.Scalar;
}
const optimizer = tf.train.sgd(0.01);
async function step(): Promise<void> {
  const loss = optimizer.minimize(
    () => lossOf(model.apply(x, { training: true }) as tf.Tensor),
    true,
  )!;
  await loss.data();
  loss.dispose();
}

await step(); // warm-up: first-call allocations and kernel set-up are not what we profile
perKernel.clear();
resetFallbackCounts();
const start = performance.now();
for (let i = 0; i < reps; i++) await step();
const stepMs = (performance.now() - start) / reps;

const kernels = [...perKernel]
  .map(([name, { calls, ms }]) => ({ name, calls: calls / reps, ms: ms / reps }))
  .sort((a, b) => b.ms - a.ms);
const kernelMs = kernels.reduce((sum, k) => sum + k.ms, 0);
const round = (v: number) => Number(v.toFixed(2));
console.log(
  JSON.stringify(
    {
      machine: machineInfo(),
      date: new Date().toISOString(),
      backend,
      backbone,
      inputSize: size,
      batch: BATCH,
      reps,
      stepMs: round(stepMs),
      kernelMs: round(kernelMs),
      outsideKernelsMs: round(stepMs - kernelMs),
      kernelCalls: kernels.reduce((sum, k) => sum + k.calls, 0),
      fallbacks: Object.fromEntries([...fallbackCounts()].map(([k, n]) => [k, n / reps])),
      kernels: kernels.map((k) => ({ ...k, ms: round(k.ms), share: round(k.ms / stepMs) })),
    },
    null,
    2,
  ),
);
