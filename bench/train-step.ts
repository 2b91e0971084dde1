// One process's worth of full fine-tuning steps, the work bench/pytorch-reference.py times on the
// PyTorch side: MobileNetV2 (random init, every layer trainable, BatchNorm in training mode),
// softmax cross-entropy on 10 classes, backward, plain SGD (lr 0.01) over all weights. Two
// warm-up steps, then --reps timed ones; prints JSON with the median. bench/step-vs-pytorch.ts
// runs it as a subprocess, interleaved with the Python reference.
// Usage: node --import tsx bench/train-step.ts [--backend torch] [--size 224] [--batch 16]
//        [--reps 3] [--threads 2] [--serve]
// --serve: after the warm-ups, prints "ready", then runs one step per line read from stdin and
// prints its milliseconds (the interleaved pairing of bench/step-vs-pytorch.ts).
import { createInterface } from 'node:readline';
import * as tf from '@tensorflow/tfjs';
import { createModel } from '../src/backbones/index.js';
import { initEngine } from '../src/engine/index.js';
import { runAsScript } from './run-as-script.js';

export const CLASSES = 10;

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : fallback;
}

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** A ready training step on the current backend: forward, loss, backward, SGD update. */
export async function makeStep(size: number, batch: number) {
  const { model } = await createModel('mobilenet_v2', {
    numClasses: CLASSES,
    inputSize: size,
    seed: 1,
    pretrained: false,
  });
  const x = tf.randomUniform([batch, size, size, 3], -1, 1, 'float32', 2);
  const labels = Array.from({ length: batch }, (_, i) => i % CLASSES);
  const y = tf.oneHot(tf.tensor1d(labels, 'int32'), CLASSES);
  const optimizer = tf.train.sgd(0.01);
  const step = async () => {
    const loss = optimizer.minimize(
      () => tf.losses.softmaxCrossEntropy(y, model.apply(x, { training: true }) as tf.Tensor),
      true,
    )!;
    await loss.data();
    loss.dispose();
  };
  return { model, step };
}

async function main() {
  const backend = arg('backend', 'torch');
  const size = Number(arg('size', '224'));
  const batch = Number(arg('batch', '16'));
  const reps = Number(arg('reps', '3'));
  await initEngine({ backend: backend as 'torch', threads: Number(arg('threads', '2')) });
  const { step } = await makeStep(size, batch);
  await step();
  await step();
  if (process.argv.includes('--serve')) {
    console.log('ready');
    for await (const _ of createInterface({ input: process.stdin })) {
      const start = performance.now();
      await step();
      console.log(`${performance.now() - start}`);
    }
    return;
  }
  const times: number[] = [];
  for (let i = 0; i < reps; i++) {
    const start = performance.now();
    await step();
    times.push(performance.now() - start);
  }
  console.log(JSON.stringify({ backend, size, batch, reps, times, medianMs: median(times) }));
}

await runAsScript(import.meta.url, main);
