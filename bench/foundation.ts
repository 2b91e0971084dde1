// Foundation benchmark: embedding throughput of pretrained MobileNetV2 and one training step of a
// small conv net, on every backend available here. Prints JSON; compare ratios from one run.
// Usage: npm run bench [-- --reps 5] [--backend torch,wasm]
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { createModel } from '../src/backbones/index.js';
import { initEngine, probeBackends } from '../src/engine/index.js';
import { machineInfo } from './machine.js';

const repsArg = process.argv.indexOf('--reps');
const REPS = repsArg > 0 ? Number(process.argv[repsArg + 1]) : 5;
const BATCH = 16;

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Runs `step` once to warm up, then `reps` timed times; returns per-run milliseconds. */
async function time(reps: number, step: () => Promise<void>): Promise<number[]> {
  await step();
  const times: number[] = [];
  for (let i = 0; i < reps; i++) {
    const start = performance.now();
    await step();
    times.push(performance.now() - start);
  }
  return times;
}

async function embedThroughput(size: number, reps: number) {
  const { model } = await createModel('mobilenet_v2', { inputSize: size });
  const x = tf.randomUniform([BATCH, size, size, 3], 0, 1, 'float32', 1);
  const times = await time(reps, async () => {
    const y = model.predict(x) as tf.Tensor;
    await y.data();
    y.dispose();
  });
  x.dispose();
  model.dispose();
  return {
    task: 'embed',
    backbone: 'mobilenet_v2',
    inputSize: size,
    batch: BATCH,
    reps,
    medianMs: median(times),
    imgPerSec: (BATCH * 1000) / median(times),
  };
}

async function trainStep(reps: number, backbone = 'mobilenet_v2_035', size = 96) {
  const classes = 10;
  const { model } = await createModel(backbone, {
    numClasses: classes,
    inputSize: size,
    seed: 1,
  });
  const x = tf.randomUniform([BATCH, size, size, 3], -1, 1, 'float32', 2);
  const y = tf.oneHot(
    tf.tensor1d(
      Array.from({ length: BATCH }, (_, i) => i % classes),
      'int32',
    ),
    classes,
  );
  const optimizer = tf.train.sgd(0.01);
  const times = await time(reps, async () => {
    const loss = optimizer.minimize(
      () => tf.losses.softmaxCrossEntropy(y, model.apply(x, { training: true }) as tf.Tensor),
      true,
    );
    await loss!.data();
    loss!.dispose();
  });
  tf.dispose([x, y]);
  model.dispose();
  return {
    task: 'train-step',
    backbone,
    inputSize: size,
    batch: BATCH,
    reps,
    medianMs: median(times),
    imgPerSec: (BATCH * 1000) / median(times),
  };
}

const backendArg = process.argv.indexOf('--backend');
const wanted = backendArg > 0 ? process.argv[backendArg + 1]!.split(',') : undefined;
const results: Record<string, unknown>[] = [];
for (const backend of probeBackends()
  .filter((b) => b.available && (!wanted || wanted.includes(b.name)))
  .map((b) => b.name)) {
  await initEngine({ backend });
  // The cpu backend is ~30x slower; fewer repetitions keep the run short.
  const reps = backend === 'cpu' ? Math.min(REPS, 2) : REPS;
  for (const size of [224, 128]) results.push({ backend, ...(await embedThroughput(size, reps)) });
  results.push({ backend, ...(await trainStep(reps)) });
  // Full fine-tune step of MobileNetV2 at 224, batch 16 (the PyTorch comparison row): native
  // backends only. wasm aborts there (its heap runs out, in a Transpose under Mean; measured
  // 2026-11-28) and cpu takes minutes per step.
  if (backend === 'torch' || backend === 'tensorflow') {
    results.push({ backend, ...(await trainStep(reps, 'mobilenet_v2', 224)) });
  }
}

const rate = (backend: string, task: string, size: number) =>
  results.find((r) => r.backend === backend && r.task === task && r.inputSize === size)
    ?.imgPerSec as number | undefined;
// bench/pytorch-reference.py's JSON, if given: the same rows in PyTorch eager.
const pytorchArg = process.argv.indexOf('--pytorch');
const pytorch =
  pytorchArg > 0
    ? (JSON.parse(readFileSync(process.argv[pytorchArg + 1]!, 'utf8')) as {
        embed224: number;
        trainStep224: number;
      })
    : undefined;
const ratio = (a?: number, b?: number) => (a && b ? Number((a / b).toFixed(2)) : null);

console.log(
  JSON.stringify(
    {
      machine: machineInfo(),
      date: new Date().toISOString(),
      results,
      ratios: {
        wasmOverCpuEmbed224: ratio(rate('wasm', 'embed', 224), rate('cpu', 'embed', 224)),
        wasmOverCpuEmbed128: ratio(rate('wasm', 'embed', 128), rate('cpu', 'embed', 128)),
        wasmOverCpuTrainStep: ratio(rate('wasm', 'train-step', 96), rate('cpu', 'train-step', 96)),
        torchOverWasmEmbed224: ratio(rate('torch', 'embed', 224), rate('wasm', 'embed', 224)),
        torchOverWasmTrainStep96: ratio(
          rate('torch', 'train-step', 96),
          rate('wasm', 'train-step', 96),
        ),
        torchOverPytorchEmbed224: ratio(rate('torch', 'embed', 224), pytorch?.embed224),
        torchOverPytorchTrainStep224: ratio(
          rate('torch', 'train-step', 224),
          pytorch?.trainStep224,
        ),
      },
      pytorch,
    },
    null,
    2,
  ),
);
