// Load test of `visiontune serve` on loopback: a pretrained MobileNetV2 classifier at 224 px
// (backbone + linear head, 10 classes, saved as a bundle as a user's would be), served by the real
// CLI in a child process (ONNX Runtime, --max-batch B); autocannon POSTs one 640×480 JPEG per
// request (raw bytes) at concurrency 1, 8 and 32: requests/s and p50/p99 latency. In this process,
// the same engine (the bundle exported and run in ONNX Runtime, same batch size) measures:
// - inProcess.endToEnd: images/s through the server's own prepare + batch functions (sharp decode,
//   the bundle's eval transform, one forward pass per B images, softmax top-k), batch after batch;
// - inProcess.forwardOnly: images/s of the forward pass alone on a prepared B-image batch.
// The ratio asked for is served(32) / inProcess.endToEnd; served(32) / forwardOnly is printed too.
// In-process runs before and after the load runs; their mean is the reference (the machine is
// shared: the spread says how much it moved). Prints JSON; --out FILE also writes it.
// Usage: node --import tsx bench/serve/load.ts [--seconds 10] [--max-batch 16] [--max-wait-ms 4]
//          [--threads n] [--out FILE]
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import autocannon from 'autocannon';
import sharp from 'sharp';
import { createModel } from '../../src/backbones/index.js';
import { closeBundle, openBundle, predictBatch } from '../../src/bundle/batch-model.js';
import { saveBundle } from '../../src/bundle/bundle.js';
import { BIN } from '../../src/cli/run-cli.js';
import { initEngine } from '../../src/engine/index.js';
import { tuneProcessForServing } from '../../src/serve/process-tuning.js';
import { classifier } from '../../src/serve/tasks/classify.js';
import { Rng } from '../../src/util/rng.js';
import { machineInfo } from '../machine.js';
import { runAsScript } from '../run-as-script.js';

const BACKBONE = 'mobilenet_v2';
const INPUT_SIZE = 224;
const CLASSES = 10;
const CONCURRENCY = [1, 8, 32];

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? (process.argv[i + 1] ?? fallback) : fallback;
}

/** A photo-like 640×480 JPEG: smooth colour gradients plus mild noise (not incompressible). */
async function photo(seed: number): Promise<Buffer> {
  const rng = new Rng(seed);
  const [w, h] = [640, 480];
  const data = Buffer.alloc(w * h * 3);
  const phase = [rng.uniform(0, 6), rng.uniform(0, 6), rng.uniform(0, 6)];
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++)
      for (let c = 0; c < 3; c++)
        data[(y * w + x) * 3 + c] = Math.max(
          0,
          Math.min(255, 128 + 90 * Math.sin(x / 60 + y / 90 + phase[c]) + 12 * rng.normal()),
        );
  return sharp(data, { raw: { width: w, height: h, channels: 3 } })
    .jpeg({ quality: 90 })
    .toBuffer();
}

async function makeBundle(dir: string): Promise<void> {
  const { model } = await createModel(BACKBONE, {
    numClasses: CLASSES,
    inputSize: INPUT_SIZE,
    seed: 1,
  });
  await saveBundle(dir, model, {
    task: 'classification',
    labels: Array.from({ length: CLASSES }, (_, i) => `class${i}`),
    preprocessing: {
      inputSize: INPUT_SIZE,
      mean: [0.485, 0.456, 0.406],
      std: [0.229, 0.224, 0.225],
      interpolation: 'bilinear',
      cropPct: 0.875,
    },
    backbone: { name: BACKBONE },
    training: {},
    metrics: {},
  });
  model.dispose();
}

/** Images/s in this process: end to end through the server's task functions, and forward only. */
async function inProcess(
  dir: string,
  image: Buffer,
  batch: number,
  seconds: number,
  threads?: number,
) {
  // The engine exactly as the server opens it (serve/open-model.ts), in a process tuned the same.
  const bundle = await openBundle(dir, { engine: 'onnx', threads, spinning: false });
  const runner = classifier(bundle);
  const oneBatch = async () => {
    const items = await Promise.all(
      Array.from({ length: batch }, (_, i) => runner.prepare(image, `img${i}`, { top: 5 })),
    );
    await runner.run(items);
  };
  const rate = async (work: () => Promise<void>) => {
    await work(); // warm-up
    let images = 0;
    const start = performance.now();
    while (performance.now() - start < seconds * 1000) {
      await work();
      images += batch;
    }
    return images / ((performance.now() - start) / 1000);
  };
  const endToEnd = await rate(oneBatch);
  const x = tf.randomNormal([batch, INPUT_SIZE, INPUT_SIZE, 3]);
  const forwardOnly = await rate(async () => {
    const y = await predictBatch(bundle.model, x);
    await y.data();
    y.dispose();
  });
  x.dispose();
  await closeBundle(bundle);
  return { endToEnd, forwardOnly };
}

/** `visiontune serve` in a child process; resolves with its URL once it listens. */
async function startServer(dir: string, maxBatch: number, maxWaitMs: number, threads?: number) {
  const args = ['serve', '--model', `m=${dir}`, '--port', '0', '--json', '--engine', 'onnx'];
  args.push(
    '--max-batch',
    String(maxBatch),
    '--max-wait-ms',
    String(maxWaitMs),
    '--queue-limit',
    '1024',
  );
  if (threads) args.push('--threads', String(threads));
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (d) => {
      out += d;
      try {
        resolve((JSON.parse(out) as { url: string }).url);
      } catch {}
    });
    child.once('exit', (code) => reject(new Error(`serve exited (${code}): ${out}`)));
  });
  return { url, child };
}

async function load(url: string, body: Buffer, connections: number, seconds: number) {
  const result = await autocannon({
    url: `${url}/v1/models/m/predict`,
    method: 'POST',
    headers: { 'content-type': 'image/jpeg' },
    body,
    connections,
    duration: seconds,
  });
  const ok = result['2xx'];
  return {
    concurrency: connections,
    requestsPerSecond: ok / seconds,
    latencyMs: { p50: result.latency.p50, p99: result.latency.p99, mean: result.latency.average },
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
  };
}

async function main(): Promise<void> {
  const seconds = Number(arg('seconds', '10'));
  const maxBatch = Number(arg('max-batch', '16'));
  const maxWaitMs = Number(arg('max-wait-ms', '4'));
  const threadsArg = arg('threads', '');
  const threads = threadsArg ? Number(threadsArg) : undefined;
  const outFile = arg('out', '');
  const engine = await initEngine({});
  tuneProcessForServing();
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'vt-bench-serve-'));
  const dir = path.join(work, 'bundle');
  await makeBundle(dir);
  const image = await photo(1);

  const before = await inProcess(dir, image, maxBatch, seconds, threads);
  const { url, child } = await startServer(dir, maxBatch, maxWaitMs, threads);
  const served = [];
  try {
    await load(url, image, 8, 3); // warm-up
    for (const c of CONCURRENCY) served.push(await load(url, image, c, seconds));
  } finally {
    child.kill('SIGTERM');
  }
  const afterRun = await inProcess(dir, image, maxBatch, seconds, threads);
  const mean = (k: 'endToEnd' | 'forwardOnly') => (before[k] + afterRun[k]) / 2;
  const at32 = served.find((s) => s.concurrency === 32)!.requestsPerSecond;
  const result = {
    benchmark: 'serve-load',
    machine: {
      ...machineInfo(),
      loadAverage: os.loadavg(),
      note: 'shared machine: other jobs ran alongside',
    },
    model: {
      backbone: BACKBONE,
      inputSize: INPUT_SIZE,
      classes: CLASSES,
      engine: 'onnx',
      tfBackend: engine.backend,
    },
    image: { width: 640, height: 480, format: 'jpeg', bytes: image.length },
    settings: { maxBatch, maxWaitMs, threads: threads ?? 'onnxruntime default', seconds },
    served,
    inProcess: {
      imagesPerSecond: { endToEnd: mean('endToEnd'), forwardOnly: mean('forwardOnly') },
      before,
      after: afterRun,
    },
    ratio: {
      servedAt32OverInProcess: at32 / mean('endToEnd'),
      servedAt32OverForwardOnly: at32 / mean('forwardOnly'),
    },
  };
  const text = JSON.stringify(result, null, 2);
  console.log(text);
  if (outFile) await fs.writeFile(outFile, `${text}\n`);
  await fs.rm(work, { recursive: true, force: true });
}

await runAsScript(import.meta.url, main);
