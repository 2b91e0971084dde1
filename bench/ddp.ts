// Data-parallel training on this machine, and a cost model to project it onto a cluster.
// Measures, with the real collectives (c10d/Gloo over loopback) and the training loop's own
// gradient reduction (distributed/data-parallel.ts):
//  - one full step (forward, backward, all-reduce, AdamW) of a classifier at a fixed global
//    batch, 1 process x batch G against N processes x batch G/N (threads split between them);
//  - the step's parts: compute (forward + backward), all-reduce of the gradients, optimizer;
//  - all-reduce time against message size on loopback (2 ranks), fitted to t = a + bytes / b.
// The model: step(N) = compute(per-rank batch) + allreduce(bytes, N), ring all-reduce moving
// 2 (N-1)/N of the gradient bytes per rank plus 2 (N-1) latencies; projected for 4-32 machines on
// a 10 Gbit/s network with the compute time measured here (weak scaling: batch per machine fixed).
// Then time-to-accuracy: the real CLI (`visiontune train`, scratch resnet_tiny, 48 px, on noisy
// colour-class images made here) to the same epochs, 1 process x batch G against N x G/N with
// --sync-bn, which follow the same trajectory (src/distributed/data-parallel.e2e.test.ts), so the
// accuracy reached is the same and the wall times compare the time to reach it.
// Prints JSON. Usage: node --import tsx bench/ddp.ts [--backbone mobilenet_v2] [--size 128]
//   [--batch 16] [--steps 8] [--nproc 2] [--tta-epochs 4] (0 skips time-to-accuracy)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import sharp from 'sharp';
import { createModel } from '../src/backbones/index.js';
import { runCli } from '../src/cli/run-cli.js';
import { reduceGradients, syncWeights } from '../src/distributed/data-parallel.js';
import { launchWorkers } from '../src/distributed/launcher.js';
import { distributedOptionsSchema, resolveRole } from '../src/distributed/options.js';
import { joinGroup, leaveGroup, type ProcessGroup } from '../src/distributed/process-group.js';
import { initEngine } from '../src/engine/index.js';
import { AdamW } from '../src/train/optim/adamw.js';
import { buildParamGroups } from '../src/train/optim/param-groups.js';
import { Rng } from '../src/util/rng.js';
import { machineInfo } from './machine.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : fallback;
}
const backbone = arg('backbone', 'mobilenet_v2');
const size = Number(arg('size', '128'));
const globalBatch = Number(arg('batch', '16'));
const steps = Number(arg('steps', '8'));
const nproc = Number(arg('nproc', '2'));
const CLASSES = 10;
const ttaEpochs = Number(arg('tta-epochs', '4'));
const RESULT_ENV = 'VISIONTUNE_BENCH_DDP_RESULT';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const round = (v: number, digits = 2) => Number(v.toFixed(digits));

/** Step times of one rank (all ranks alike); with a group, gradients are all-reduced. */
async function stepTimes(group: ProcessGroup | undefined) {
  const world = group?.size ?? 1;
  const batch = globalBatch / world;
  const { model } = await createModel(backbone, { numClasses: CLASSES, inputSize: size, seed: 1 });
  if (group) syncWeights(group, model);
  const optimizer = new AdamW(buildParamGroups(model, { weightDecay: 1e-4 }));
  const variables = optimizer.variables();
  const x = tf.randomUniform([batch, size, size, 3], -1, 1, 'float32', 2 + (group?.rank ?? 0));
  const y = tf.oneHot(
    tf.tensor1d(
      Array.from({ length: batch }, (_, i) => i % CLASSES),
      'int32',
    ),
    CLASSES,
  );
  const parts = {
    compute: [] as number[],
    allReduce: [] as number[],
    optimizer: [] as number[],
    step: [] as number[],
  };
  let gradientBytes = 0;
  for (let s = 0; s < steps + 2; s++) {
    const t0 = performance.now();
    const { value, grads } = tf.variableGrads(
      () =>
        tf.losses.softmaxCrossEntropy(
          y,
          model.apply(x, { training: true }) as tf.Tensor,
        ) as tf.Scalar,
      variables,
    );
    const loss = (await value.data())[0]!;
    value.dispose();
    const t1 = performance.now();
    const reduced = group ? reduceGradients(group, grads, loss, batch, false).grads : grads;
    const t2 = performance.now();
    gradientBytes = Object.values(reduced).reduce((n, g) => n + g.size * 4, 0);
    optimizer.step(reduced, 1e-4);
    tf.dispose(reduced);
    await variables[0]!.data();
    const t3 = performance.now();
    if (s < 2) continue; // warm-up: first-call allocations
    parts.compute.push(t1 - t0);
    parts.allReduce.push(t2 - t1);
    parts.optimizer.push(t3 - t2);
    parts.step.push(t3 - t0);
  }
  tf.dispose([x, y]);
  optimizer.dispose();
  return {
    processes: world,
    batchPerProcess: batch,
    gradientMB: round(gradientBytes / 2 ** 20),
    medianMs: Object.fromEntries(Object.entries(parts).map(([k, v]) => [k, round(median(v))])),
    imagesPerSecond: round((globalBatch / median(parts.step)) * 1000),
  };
}

/** All-reduce time by message size on this group (median of 7). */
function allReduceCurve(group: ProcessGroup) {
  return [0.25, 1, 4, 16, 64].map((mb) => {
    const t = tf.ones([Math.round((mb * 2 ** 20) / 4)]);
    const times: number[] = [];
    for (let i = 0; i < 8; i++) {
      const start = performance.now();
      tf.dispose(group.allReduceSum([t]));
      if (i > 0) times.push(performance.now() - start);
    }
    t.dispose();
    return { mb, ms: round(median(times), 3) };
  });
}

/** Least-squares fit of t = latency + bytes / bandwidth. */
function fitLine(points: { mb: number; ms: number }[]) {
  const n = points.length;
  const mx = points.reduce((s, p) => s + p.mb, 0) / n;
  const my = points.reduce((s, p) => s + p.ms, 0) / n;
  const slope =
    points.reduce((s, p) => s + (p.mb - mx) * (p.ms - my), 0) /
    points.reduce((s, p) => s + (p.mb - mx) ** 2, 0);
  return { latencyMs: round(Math.max(0, my - slope * mx), 3), msPerMB: round(slope, 4) };
}

async function worker(): Promise<void> {
  const role = await resolveRole(distributedOptionsSchema.parse({}));
  if (role.kind !== 'worker') throw new Error('expected to run as a worker');
  await initEngine({
    backend: 'torch',
    threads: Math.max(1, Math.floor(os.availableParallelism() / role.localWorldSize)),
  });
  const group = joinGroup(role.settings);
  const step = await stepTimes(group);
  const curve = allReduceCurve(group);
  if (group.isMain) fs.writeFileSync(process.env[RESULT_ENV]!, JSON.stringify({ step, curve }));
  group.barrier();
  leaveGroup();
}

/** Images of 4 colour classes with heavy noise, 48 px, 60 per class. */
async function makeImages(root: string): Promise<void> {
  const rng = new Rng(5);
  const colours = [
    [200, 40, 40],
    [40, 200, 40],
    [40, 40, 200],
    [200, 200, 40],
  ];
  for (const [c, rgb] of colours.entries()) {
    fs.mkdirSync(path.join(root, `c${c}`), { recursive: true });
    for (let i = 0; i < 60; i++) {
      const px = Buffer.alloc(48 * 48 * 3);
      for (let p = 0; p < px.length; p++)
        px[p] = Math.max(0, Math.min(255, rgb[p % 3]! + (rng.next() - 0.5) * 400));
      await sharp(px, { raw: { width: 48, height: 48, channels: 3 } })
        .png()
        .toFile(path.join(root, `c${c}`, `${i}.png`));
    }
  }
}

/** Wall time and final validation accuracy of the same training, 1 process and N. */
async function timeToAccuracy() {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'vt-bench-ddp-tta-'));
  try {
    const data = path.join(work, 'data');
    await makeImages(data);
    const common = ['train', '--data', data, '--backbone', 'resnet_tiny', '--strategy', 'scratch'];
    const options = [
      '--image-size',
      '48',
      '--epochs',
      `${ttaEpochs}`,
      '--augment',
      'none',
      '--json',
    ];
    const run = async (label: string, more: string[]) => {
      const start = performance.now();
      const r = await runCli(
        [...common, ...options, '--out', path.join(work, label), ...more],
        'torch',
      );
      if (r.code !== 0) throw new Error(`${label}: ${r.stderr}`);
      const metrics = JSON.parse(r.stdout).metrics as { accuracy: number };
      return {
        label,
        seconds: round((performance.now() - start) / 1000),
        valAccuracy: round(metrics.accuracy, 4),
      };
    };
    const runs = [];
    // Interleaved: 1, N, 1, N.
    for (let rep = 0; rep < 2; rep++) {
      runs.push(await run(`1x${globalBatch}`, ['--batch', `${globalBatch}`]));
      runs.push(
        await run(`${nproc}x${globalBatch / nproc}`, [
          '--batch',
          `${globalBatch / nproc}`,
          '--nproc',
          `${nproc}`,
          '--sync-bn',
        ]),
      );
    }
    return { epochs: ttaEpochs, runs };
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const out = path.join(os.tmpdir(), `vt-bench-ddp-${process.pid}.json`);
  process.env[RESULT_ENV] = out;
  // Interleaved: one process, N processes, one process again; the medians of each kind.
  await initEngine({ backend: 'torch' });
  const single = [await stepTimes(undefined)];
  const role = await resolveRole(distributedOptionsSchema.parse({ nproc }));
  if (role.kind !== 'launch') throw new Error('expected to launch');
  await launchWorkers(role.plan);
  const parallel = JSON.parse(fs.readFileSync(out, 'utf8'));
  fs.rmSync(out);
  single.push(await stepTimes(undefined));

  const fit = fitLine(parallel.curve);
  // Loopback bandwidth stands for nothing on a network: the projection uses 10 Gbit/s (1.19 GB/s
  // of payload at most; Gloo's ring reaches ~90% of it) and 50 µs per hop; compute is measured.
  const computeMs = median(single.map((s) => s.medianMs.compute + s.medianMs.optimizer));
  const gradientMB = parallel.step.gradientMB as number;
  const network = { gbitPerSecond: 10, efficiency: 0.9, hopLatencyMs: 0.05 };
  const mbPerMs = (network.gbitPerSecond * 1e9 * network.efficiency) / 8 / 2 ** 20 / 1000;
  const projection = [1, 2, 4, 8, 16, 32].map((machines) => {
    const ring = machines === 1 ? 0 : (2 * (machines - 1)) / machines;
    const allReduceMs = ring * (gradientMB / mbPerMs) + 2 * (machines - 1) * network.hopLatencyMs;
    const stepMs = computeMs + allReduceMs;
    return {
      machines,
      allReduceMs: round(allReduceMs),
      stepMs: round(stepMs),
      imagesPerSecond: round(((machines * globalBatch) / stepMs) * 1000),
      efficiency: round(computeMs / stepMs, 3),
    };
  });
  const singleIps = median(single.map((s) => s.imagesPerSecond));
  console.log(
    JSON.stringify(
      {
        machine: machineInfo(),
        date: new Date().toISOString(),
        backbone,
        inputSize: size,
        globalBatch,
        steps,
        single,
        parallel: parallel.step,
        speedup: round(parallel.step.imagesPerSecond / singleIps, 3),
        loopbackAllReduce: { ranks: nproc, curve: parallel.curve, fit },
        timeToAccuracy: ttaEpochs > 0 ? await timeToAccuracy() : null,
        costModel: {
          formula:
            'step = compute + 2(N-1)/N * gradientMB / bandwidth + 2(N-1) * hopLatency (ring all-reduce, batch per machine fixed)',
          computeMs: round(computeMs),
          gradientMB,
          network,
          projection,
        },
      },
      null,
      2,
    ),
  );
}

await (process.env.VISIONTUNE_DIST_WORKER === '1' ? worker() : main());
