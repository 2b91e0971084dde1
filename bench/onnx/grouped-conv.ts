// Grouped convolutions as the ONNX importer runs them (groupedConv2d: one depthwise conv and a
// sum over each group's channels where groups are narrow) against the per-group split → conv →
// concat it replaced, on ResNeXt's and RegNet's 3×3 grouped-conv shapes at 224 px, batch 8, in
// one TF.js backend. Forward only; median of the timed reps after one warm-up. Prints JSON.
// Usage: node --import tsx bench/onnx/grouped-conv.ts [--backend torch] [--reps 5]
import * as tf from '@tensorflow/tfjs';
import { DEPTHWISE_SUM_MAX_GROUP_WIDTH, groupedConv2d } from '../../src/backbones/onnx/layers.js';
import { initEngine } from '../../src/engine/index.js';
import { machineInfo } from '../machine.js';
import { runAsScript } from '../run-as-script.js';

/** The per-group form: one conv per group on its channel slice, the results concatenated. */
function perGroup(x: tf.Tensor4D, kernel: tf.Tensor4D, groups: number): tf.Tensor4D {
  const ks = tf.split(kernel, groups, 3);
  const ys = tf
    .split(x, groups, 3)
    .map((p, g) => tf.conv2d(p as tf.Tensor4D, ks[g] as tf.Tensor4D, 1, 'valid'));
  return tf.concat(ys, 3);
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
}

const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];

function time(run: () => tf.Tensor, reps: number) {
  tf.tidy(() => run().dataSync()); // warm-up: kernel selection, allocation
  const times: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    tf.tidy(() => run().dataSync());
    times.push(performance.now() - t0);
  }
  return Math.round(median(times) * 10) / 10;
}

// [name, spatial size, channels, groups]: ResNeXt-50 32×4d stage 2 and 4, ResNeXt-101 32×8d
// stage 3, RegNetY-16GF (group width 112) stage 3.
const SHAPES: [string, number, number, number][] = [
  ['resnext50_32x4d layer1', 56, 128, 32],
  ['resnext50_32x4d layer4', 7, 1024, 32],
  ['resnext101_32x8d layer3', 14, 1024, 32],
  ['regnet_y_16gf stage3', 14, 1232, 11],
];

async function main() {
  const engine = await initEngine({ backend: (arg('backend') as 'torch') ?? 'auto' });
  const reps = Number(arg('reps') ?? 5);
  const batch = 8;
  const rows = SHAPES.map(([name, size, channels, groups]) => {
    const x = tf.randomNormal(
      [batch, size + 2, size + 2, channels],
      0,
      1,
      'float32',
      1,
    ) as tf.Tensor4D;
    const k = tf.randomNormal(
      [3, 3, channels / groups, channels],
      0,
      0.1,
      'float32',
      2,
    ) as tf.Tensor4D;
    const width = channels / groups;
    const oneKernel = time(() => groupedConv2d(x, k, groups), reps);
    const split = time(() => perGroup(x, k, groups), reps);
    const error = tf.tidy(
      () =>
        tf.max(tf.abs(tf.sub(groupedConv2d(x, k, groups), perGroup(x, k, groups)))).dataSync()[0],
    );
    tf.dispose([x, k]);
    return {
      name,
      size,
      channels,
      groups,
      width,
      depthwiseSum: width <= DEPTHWISE_SUM_MAX_GROUP_WIDTH,
      ms: oneKernel,
      perGroupMs: split,
      maxAbsDifference: error,
    };
  });
  console.log(
    JSON.stringify(
      {
        bench: 'onnx-grouped-conv',
        date: new Date().toISOString(),
        machine: machineInfo(),
        backend: engine.backend,
        batch,
        reps,
        rows,
      },
      null,
      2,
    ),
  );
}

await runAsScript(import.meta.url, main);
