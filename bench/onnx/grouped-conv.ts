// Grouped convolutions as the ONNX importer's layers run them, in one TF.js backend and one
// process: the backend's own grouped kernel (nativeGroupedConv2d; the torch engine has one)
// against the stock-op composition every backend runs (groupedConv2d: one depthwise conv and a
// sum over each group's channels where groups are narrow, else one conv per group), on ResNeXt's
// and RegNet's 3×3 grouped-conv shapes at 224 px, batch 8. Forward, and forward + input and
// kernel gradients ("train"); the two forms' reps alternate (a shared machine's load hits both
// alike), median of the timed reps after one warm-up each. --models also exports those
// torchvision models (scripts/onnx/zoo_export.py: 64 px, batch 2, random weights), imports each
// twice and times predictions with the grouped kernel and without it, alternating (modelRow).
// Prints JSON.
// Usage: node --import tsx bench/onnx/grouped-conv.ts [--backend torch] [--reps 5]
//          [--models resnext50_32x4d,resnext101_32x8d] [--model-reps 3]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { convertGraph } from '../../src/backbones/onnx/convert.js';
import { DEPTHWISE_SUM_MAX_GROUP_WIDTH, groupedConv2d } from '../../src/backbones/onnx/layers.js';
import { parseOnnx } from '../../src/backbones/onnx/parse.js';
import { onCurrentBackend } from '../../src/engine/fused-ops.js';
import {
  GROUPED_CONV2D,
  type GroupedConvAttrs,
  nativeGroupedConv2d,
} from '../../src/engine/grouped-conv.js';
import { initEngine } from '../../src/engine/index.js';
import { readFloats } from '../../src/util/python-fixtures.js';
import { machineInfo } from '../machine.js';
import { runAsScript } from '../run-as-script.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

type Conv = (x: tf.Tensor4D, k: tf.Tensor4D) => tf.Tensor4D;

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
}

const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;
const round = (ms: number) => Math.round(ms * 10) / 10;
const ratio = (a: number, b: number) => Math.round((a / b) * 100) / 100;

/** The kernel's input and kernel gradients of sum(conv(x, k)): what a training step adds. */
const withGradients = (conv: Conv) => (x: tf.Tensor4D, k: tf.Tensor4D) =>
  tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(conv(a as tf.Tensor4D, b as tf.Tensor4D)))([
    x,
    k,
  ]);

/** Milliseconds of one run, every output read (so lazy backends finish inside the timing). */
function once(run: () => tf.Tensor | tf.Tensor[]): number {
  const t0 = performance.now();
  tf.tidy(() => {
    const out = run();
    for (const t of Array.isArray(out) ? out : [out]) t.dataSync();
  });
  return performance.now() - t0;
}

/** Each run's ms over `reps` rounds, the runs taking turns within each round. */
function alternate(runs: (() => tf.Tensor | tf.Tensor[])[], reps: number): number[][] {
  const times = runs.map(() => [] as number[]);
  for (let i = 0; i < reps; i++) for (const [j, run] of runs.entries()) times[j]!.push(once(run));
  return times;
}

/** Median ms of each run, their reps alternating, after one warm-up each. */
function timeAlternating(runs: (() => tf.Tensor | tf.Tensor[])[], reps: number): number[] {
  alternate(runs, 1);
  return alternate(runs, reps).map((t) => round(median(t)));
}

// [name, spatial size, channels, groups]: ResNeXt-50 32×4d stage 2 and 4, ResNeXt-101 32×8d
// stage 3, RegNetY-16GF (group width 112) stage 3.
const SHAPES: [string, number, number, number][] = [
  ['resnext50_32x4d layer1', 56, 128, 32],
  ['resnext50_32x4d layer4', 7, 1024, 32],
  ['resnext101_32x8d layer3', 14, 1024, 32],
  ['regnet_y_16gf stage3', 14, 1232, 11],
];

function kernelRow(
  [name, size, channels, groups]: (typeof SHAPES)[number],
  batch: number,
  reps: number,
) {
  const x = tf.randomNormal([batch, size + 2, size + 2, channels], 0, 1, 'float32', 1);
  const k = tf.randomNormal([3, 3, channels / groups, channels], 0, 0.1, 'float32', 2);
  const width = channels / groups;
  const composed: Conv = (a, b) => groupedConv2d(a, b, groups);
  const attrs: GroupedConvAttrs = {
    groups,
    strides: [1, 1],
    dilations: [1, 1],
    pads: [0, 0, 0, 0],
  };
  const row = {
    name,
    size,
    channels,
    groups,
    width,
    composition: width <= DEPTHWISE_SUM_MAX_GROUP_WIDTH ? 'depthwise + sum' : 'conv per group',
  };
  const convs: Conv[] = [composed];
  if (onCurrentBackend(GROUPED_CONV2D)) convs.push((a, b) => nativeGroupedConv2d(a, b, attrs)!);
  const args = [x, k] as [tf.Tensor4D, tf.Tensor4D];
  const forward = timeAlternating(
    convs.map((c) => () => c(...args)),
    reps,
  );
  const train = timeAlternating(
    convs.map((c) => () => withGradients(c)(...args)),
    reps,
  );
  const [native] = convs.slice(1);
  const maxAbsDifference =
    native &&
    tf.tidy(() => tf.max(tf.abs(tf.sub(native(...args), composed(...args)))).dataSync()[0]);
  tf.dispose(args);
  const [composedMs, nativeMs] = forward as [number, number | undefined];
  const [composedTrainMs, nativeTrainMs] = train as [number, number | undefined];
  if (nativeMs === undefined) return { ...row, composedMs, composedTrainMs };
  return {
    ...row,
    composedMs,
    nativeMs,
    speedup: ratio(composedMs, nativeMs),
    composedTrainMs,
    nativeTrainMs,
    trainSpeedup: ratio(composedTrainMs, nativeTrainMs!),
    maxAbsDifference,
  };
}

/** Runs `f` with the backend's grouped kernel unregistered: the layers then compose it. */
function withoutGroupedKernel<T>(f: () => T): T {
  const config = tf.getKernel(GROUPED_CONV2D, tf.getBackend());
  if (!config) return f();
  tf.unregisterKernel(GROUPED_CONV2D, tf.getBackend());
  try {
    return f();
  } finally {
    tf.registerKernel(config);
  }
}

/**
 * One exported model imported twice, predicting with the grouped kernel and without it, the two
 * alternating (the grouped kernel first): the first prediction of each, then the median of
 * `reps` more, in seconds, and the largest difference between their outputs.
 */
function modelRow(name: string, file: string, inputShape: number[], reps: number) {
  const load = () => convertGraph(parseOnnx(readFileSync(file), file), { name: 'bench' });
  const [native, composed] = [load(), load()];
  const [n, c, h, w] = inputShape as [number, number, number, number];
  const input = readFloats(file.replace(/\.onnx$/, '.input.bin'));
  const x = tf.tidy(() => tf.transpose(tf.tensor4d(input, [n, c, h, w]), [0, 2, 3, 1]));
  const runs = [
    () => native.predict(x) as tf.Tensor,
    () => withoutGroupedKernel(() => composed.predict(x) as tf.Tensor),
  ];
  const seconds = (ms: number) => Math.round(ms / 100) / 10;
  const first = alternate(runs, 1).map(([ms]) => seconds(ms!));
  const later = alternate(runs, reps).map((t) => seconds(median(t)));
  const [a, b] = runs.map((run) => tf.tidy(() => run().dataSync()));
  let worst = 0;
  a!.forEach((v, i) => {
    worst = Math.max(worst, Math.abs(v - b![i]!));
  });
  tf.dispose(x);
  native.dispose();
  composed.dispose();
  return {
    name,
    inputShape,
    firstPredictionS: { native: first[0], composed: first[1] },
    laterPredictionS: { native: later[0], composed: later[1] },
    maxAbsDifference: worst,
  };
}

function modelRows(names: string[], reps: number) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'grouped-conv-'));
  try {
    execFileSync(
      '/usr/bin/python3',
      [path.join(ROOT, 'scripts/onnx/zoo_export.py'), '--out', dir, '--models', names.join(',')],
      { stdio: 'pipe' },
    );
    const manifest = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
    return manifest.models.map((m: { name: string; file: string; inputShape: number[] }) =>
      modelRow(m.name, path.join(dir, m.file), m.inputShape, reps),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main() {
  const engine = await initEngine({ backend: (arg('backend') as 'torch') ?? 'auto' });
  const reps = Number(arg('reps') ?? 5);
  const batch = 8;
  const rows = SHAPES.map((shape) => kernelRow(shape, batch, reps));
  const modelReps = Number(arg('model-reps') ?? 3);
  const models = arg('models') ? modelRows(arg('models')!.split(','), modelReps) : [];
  console.log(
    JSON.stringify(
      {
        bench: 'onnx-grouped-conv',
        date: new Date().toISOString(),
        machine: machineInfo(),
        backend: engine.backend,
        nativeKernel: onCurrentBackend(GROUPED_CONV2D),
        batch,
        reps,
        modelReps,
        rows,
        models,
      },
      null,
      2,
    ),
  );
}

await runAsScript(import.meta.url, main);
