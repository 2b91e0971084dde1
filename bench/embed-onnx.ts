// Frozen forward passes: ONNX Runtime (in-memory export, src/bundle/onnx/frozen-forward.ts) vs the
// torch engine (TF.js on libtorch). Two parts, one process, engines interleaved rep by rep so a
// busy neighbour on a shared machine slows both alike; medians are quoted.
// 1. Embedding throughput (images/s): pooled embeddings of mobilenet_v2 and inception_v3 (the
//    nsfwjs weights) at 224 px, batch 16, on one seeded random batch; timed: forward + reading
//    the output; warm-up excluded. Also the largest |ONNX − torch| difference.
// 2. A linear probe end to end (train(): embed with a cold cache, fit, evaluate) on 5,000
//    Fashion-MNIST images (200 train + 200 validation + 100 test per class), mobilenet_v2 out_relu at 224 px,
//    each run with a fresh cache folder: wall time per engine.
// 3. Where the probe's time goes besides the model: the data pipeline alone (decode, resize to
//    224 px, normalize, batch: the eval transform through the loader) over --pipeline-images
//    Fashion-MNIST images, as images/s.
// Prints JSON; --out FILE also writes it.
// Usage: node --import tsx bench/embed-onnx.ts [--reps 7] [--warmup 2] [--probe-reps 1]
//          [--backbones mobilenet_v2,inception_v3] [--per-class 200] [--test-per-class 100]
//          [--size 224] [--threads 2] [--pipeline-images 1000] [--out FILE]
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { createModel } from '../src/backbones/index.js';
import { frozenForward, releaseFrozenForward } from '../src/bundle/onnx/frozen-forward.js';
import { createLoader, evalTransform, openFashionMnist } from '../src/data/index.js';
import { type EngineChoice, setFrozenEngine } from '../src/engine/frozen-engine.js';
import { initEngine } from '../src/engine/index.js';
import { train } from '../src/methods/classification/train.js';
import { Rng } from '../src/util/rng.js';
import { machineInfo } from './machine.js';
import { runAsScript } from './run-as-script.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : fallback;
}
const num = (name: string, fallback: number) => Number(arg(name, String(fallback)));

const BATCH = 16;
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const round = (x: number, digits = 1) => Number(x.toFixed(digits));

async function timeOne(run: () => Promise<void>): Promise<number> {
  const start = performance.now();
  await run();
  return performance.now() - start;
}

/** Embedding throughput of one backbone: torch engine vs ONNX Runtime, interleaved. */
async function throughput(backbone: string, size: number, reps: number, warmup: number) {
  const { model, config } = await createModel(backbone, { inputSize: size });
  const rng = new Rng(7);
  const x = tf.tensor4d(
    Float32Array.from({ length: BATCH * size * size * 3 }, () => rng.normal()),
    [BATCH, size, size, 3],
  );
  const openStart = performance.now();
  const onnx = await frozenForward(model, { engine: 'onnx' });
  const exportMs = performance.now() - openStart;
  const torch = await frozenForward(model, { engine: 'tfjs' });
  const pass = (f: typeof onnx) => async () => {
    const y = await f.run(x);
    await y.data();
    y.dispose();
  };
  const [a, b] = [await onnx.run(x), await torch.run(x)];
  const maxAbsDiff = (await tf.max(tf.abs(tf.sub(a, b))).data())[0]!;
  tf.dispose([a, b]);
  for (let i = 0; i < warmup; i++) {
    await pass(torch)();
    await pass(onnx)();
  }
  const ms = { torch: [] as number[], onnx: [] as number[] };
  for (let i = 0; i < reps; i++) {
    ms.torch.push(await timeOne(pass(torch)));
    ms.onnx.push(await timeOne(pass(onnx)));
  }
  x.dispose();
  await releaseFrozenForward(model);
  model.dispose();
  const ips = (m: number[]) => round((BATCH * 1000) / median(m));
  return {
    backbone,
    layer: config.embeddingLayer,
    dim: config.embeddingDim,
    inputSize: size,
    batch: BATCH,
    exportAndSessionMs: Math.round(exportMs),
    maxAbsDiff,
    torchImagesPerSecond: ips(ms.torch),
    onnxImagesPerSecond: ips(ms.onnx),
    speedup: round(median(ms.torch) / median(ms.onnx), 2),
    msPerBatch: {
      torch: ms.torch.map((m) => Math.round(m)),
      onnx: ms.onnx.map((m) => Math.round(m)),
    },
  };
}

/** The loader alone at `size` px (what every embedding pass waits for besides the model). */
async function pipeline(size: number, images: number) {
  const { config } = await createModel('mobilenet_v2', { inputSize: size });
  const source = await openFashionMnist();
  const samples = source.splits.train!.slice(0, images);
  const loader = createLoader(source, samples, {
    batchSize: BATCH,
    transform: evalTransform(config),
  });
  const start = performance.now();
  let n = 0;
  for await (const batch of loader) {
    n += batch.samples.length;
    batch.x.dispose();
  }
  const seconds = (performance.now() - start) / 1000;
  return {
    images: n,
    inputSize: size,
    seconds: round(seconds, 2),
    imagesPerSecond: round(n / seconds),
  };
}

/** One linear probe, cold cache, with frozen passes on `engine`: wall time and its parts. */
async function probe(engine: EngineChoice, size: number, perClass: number, testPerClass: number) {
  const cacheDir = await fs.mkdtemp(path.join(os.tmpdir(), 'vt-bench-probe-cache-'));
  const out = await fs.mkdtemp(path.join(os.tmpdir(), 'vt-bench-probe-run-'));
  const lines: string[] = [];
  // Each log line with the seconds since the start, to see where the wall time goes.
  const timeline: string[] = [];
  let start = performance.now();
  const log = (line: string) => {
    lines.push(line);
    timeline.push(`${((performance.now() - start) / 1000).toFixed(1)} s: ${line}`);
  };
  setFrozenEngine({ engine, log });
  try {
    start = performance.now();
    const result = await train(
      {
        data: 'fashion-mnist',
        backbone: 'mobilenet_v2',
        strategy: 'linear',
        layer: 'out_relu',
        imageSize: size,
        labelsPerClass: perClass,
        testPerClass,
        seed: 0,
        batch: BATCH,
        cacheDir,
        out,
      },
      { log },
    );
    // "embedded train: 2000 computed, 0 from cache (12.3 s)": the images and the time embedding.
    const embedded = lines.flatMap((l) => {
      const m = /^embedded .*?: (\d+) computed.*\(([\d.]+) s\)/.exec(l);
      return m ? [{ images: Number(m[1]), seconds: Number(m[2]) }] : [];
    });
    return {
      engine,
      seconds: round((performance.now() - start) / 1000),
      embeddedImages: embedded.reduce((n, e) => n + e.images, 0),
      embeddingSeconds: round(embedded.reduce((n, e) => n + e.seconds, 0)),
      accuracy: result.metrics.accuracy,
      testImages: result.metrics.count,
      timeline,
    };
  } finally {
    setFrozenEngine({ engine: 'auto' });
    await fs.rm(cacheDir, { recursive: true, force: true });
    await fs.rm(out, { recursive: true, force: true });
  }
}

async function main() {
  const reps = num('reps', 7);
  const warmup = num('warmup', 2);
  const probeReps = num('probe-reps', 1);
  const size = num('size', 224);
  const threads = num('threads', 2);
  const backbones = arg('backbones', 'mobilenet_v2,inception_v3').split(',').filter(Boolean);
  const engine = await initEngine({ backend: 'torch', threads });
  setFrozenEngine({ threads });
  const embedding = [];
  for (const backbone of backbones) {
    const row = await throughput(backbone, size, reps, warmup);
    process.stderr.write(
      `${backbone}: torch ${row.torchImagesPerSecond} img/s, onnx ${row.onnxImagesPerSecond} img/s (${row.speedup}x)\n`,
    );
    embedding.push(row);
  }
  const runs: Awaited<ReturnType<typeof probe>>[] = [];
  for (let i = 0; i < probeReps; i++) {
    for (const e of ['onnx', 'tfjs'] as const) {
      const r = await probe(e, size, num('per-class', 200), num('test-per-class', 100));
      process.stderr.write(`probe on ${e}: ${r.seconds} s (accuracy ${r.accuracy})\n`);
      runs.push(r);
    }
  }
  const pipelineImages = num('pipeline-images', 1000);
  const dataPipeline = pipelineImages > 0 ? await pipeline(size, pipelineImages) : undefined;
  if (dataPipeline) process.stderr.write(`data pipeline: ${dataPipeline.imagesPerSecond} img/s\n`);
  const secondsOf = (e: string) => runs.filter((r) => r.engine === e).map((r) => r.seconds);
  const result = {
    task: 'embed-onnx',
    date: new Date().toISOString().slice(0, 10),
    machine: machineInfo(),
    tfjsBackend: engine.backend,
    threads,
    note: 'shared machine: timings are noisy; engines interleaved, medians quoted',
    embedding,
    dataPipeline,
    probe:
      runs.length === 0
        ? undefined
        : {
            images: runs[0]?.embeddedImages ?? 0,
            backbone: 'mobilenet_v2',
            layer: 'out_relu',
            inputSize: size,
            medianSeconds: { onnx: median(secondsOf('onnx')), torch: median(secondsOf('tfjs')) },
            speedup: round(median(secondsOf('tfjs')) / median(secondsOf('onnx')), 2),
            runs,
          },
  };
  const text = JSON.stringify(result, null, 2);
  console.log(text);
  const file = arg('out', '');
  if (file) await fs.writeFile(file, `${text}\n`);
}

await runAsScript(import.meta.url, main);
