// Load test of `visiontune serve` on loopback: a pretrained MobileNetV2 classifier at 224 px
// (backbone + linear head, 10 classes, saved as a bundle as a user's would be), served by the real
// CLI in a child process (ONNX Runtime, --max-batch B); autocannon POSTs one 640×480 JPEG per
// request (raw bytes) at concurrency 1, 8 and 32: requests/s and p50/p99 latency. In this process,
// the same engine (the bundle exported and run in ONNX Runtime, same batch size) measures:
// - inProcess.endToEnd: images/s through the server's own prepare + batch functions (sharp decode,
//   the bundle's eval transform, one forward pass per B images, softmax top-k), batch after batch;
// - inProcess.forwardOnly: images/s of the forward pass alone on a prepared B-image batch, in
//   this thread, the better of ONNX Runtime's defaults and no spinning: the engine's own batched
//   throughput.
// The ratio reported as the criterion is served(32) / forwardOnly (the stricter one: serving pays
// for HTTP, decoding and resizing out of the same cores); served(32) / endToEnd is printed too.
// The run is rounds of (in process, served at 1, 8, 32), each ratio taken within its round, and
// the medians over rounds reported (the machine is shared). Prints JSON; --out FILE writes it too.
// Usage: node --import tsx bench/serve/load.ts [--seconds 6] [--rounds 3] [--max-batch 16]
//          [--max-wait-ms 4] [--threads n] [--out FILE]
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import autocannon from 'autocannon';
import sharp from 'sharp';
import { closeBundle, openBundle, predictBatch } from '../../src/bundle/batch-model.js';
import { CLI_ARGV } from '../../src/cli/run-cli.js';
import { initEngine } from '../../src/engine/index.js';
import { tuneProcessForServing } from '../../src/serve/process-tuning.js';
import { classifier } from '../../src/serve/tasks/classify.js';
import { Rng } from '../../src/util/rng.js';
import { machineInfo } from '../machine.js';
import { savePretrainedClassifier } from '../pretrained-classifier.js';
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

/** Images/s of `work` (one batch of `batch` images per call) over `seconds`, after a warm-up. */
async function rate(work: () => Promise<void>, batch: number, seconds: number): Promise<number> {
  await work();
  let images = 0;
  const start = performance.now();
  while (performance.now() - start < seconds * 1000) {
    await work();
    images += batch;
  }
  return images / ((performance.now() - start) / 1000);
}

/**
 * The in-process engines, opened once. endToEnd: the engine exactly as the server opens it
 * (serve/open-model.ts) through the server's task functions. forwardOnly: the forward pass alone
 * in this thread, the better of ONNX Runtime's defaults and no spinning (which is faster depends
 * on what else the machine runs): the most the engine gives.
 */
async function inProcessEngines(dir: string, image: Buffer, batch: number, threads?: number) {
  const served = await openBundle(dir, {
    engine: 'onnx',
    threads,
    spinning: false,
    inWorker: true,
  });
  const runner = classifier(served);
  const plainDefault = await openBundle(dir, { engine: 'onnx', threads });
  const plainNoSpin = await openBundle(dir, { engine: 'onnx', threads, spinning: false });
  const x = tf.randomNormal([batch, INPUT_SIZE, INPUT_SIZE, 3]);
  const forward = (model: typeof plainDefault.model) => async () => {
    const y = await predictBatch(model, x);
    await y.data();
    y.dispose();
  };
  return {
    async measure(seconds: number) {
      const endToEnd = await rate(
        async () => {
          const items = await Promise.all(
            Array.from({ length: batch }, (_, i) => runner.prepare(image, `img${i}`, { top: 5 })),
          );
          await runner.run(items);
        },
        batch,
        seconds,
      );
      const forwardDefault = await rate(forward(plainDefault.model), batch, seconds);
      const forwardNoSpin = await rate(forward(plainNoSpin.model), batch, seconds);
      return {
        endToEnd,
        forwardOnly: Math.max(forwardDefault, forwardNoSpin),
        forwardDefault,
        forwardNoSpin,
      };
    },
    async close() {
      x.dispose();
      for (const b of [served, plainDefault, plainNoSpin]) await closeBundle(b);
    },
  };
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
  const child = spawn(process.execPath, [...CLI_ARGV, ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
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

interface Round {
  inProcess: Awaited<ReturnType<Awaited<ReturnType<typeof inProcessEngines>>['measure']>>;
  served: Awaited<ReturnType<typeof load>>[];
  ratio: { servedAt32OverForwardOnly: number; servedAt32OverEndToEnd: number };
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
  const seconds = Number(arg('seconds', '6'));
  const roundCount = Number(arg('rounds', '3'));
  const maxBatch = Number(arg('max-batch', '16'));
  const maxWaitMs = Number(arg('max-wait-ms', '4'));
  const threadsArg = arg('threads', '');
  const threads = threadsArg ? Number(threadsArg) : undefined;
  const outFile = arg('out', '');
  const engine = await initEngine({});
  tuneProcessForServing();
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'vt-bench-serve-'));
  const dir = path.join(work, 'bundle');
  await savePretrainedClassifier(dir, BACKBONE, INPUT_SIZE, CLASSES);
  const image = await photo(1);

  // Rounds of (in process, then served at each concurrency): a neighbour's burst on this shared
  // machine lands on both sides of a round's ratio rather than on one phase of the run.
  const engines = await inProcessEngines(dir, image, maxBatch, threads);
  const { url, child } = await startServer(dir, maxBatch, maxWaitMs, threads);
  const rounds: Round[] = [];
  try {
    await load(url, image, 8, 3); // warm-up
    for (let r = 0; r < roundCount; r++) {
      const inProcess = await engines.measure(seconds);
      const served = [];
      for (const c of CONCURRENCY) served.push(await load(url, image, c, seconds));
      const at32 = served.find((s) => s.concurrency === 32)!.requestsPerSecond;
      rounds.push({
        inProcess,
        served,
        ratio: {
          servedAt32OverForwardOnly: at32 / inProcess.forwardOnly,
          servedAt32OverEndToEnd: at32 / inProcess.endToEnd,
        },
      });
    }
  } finally {
    child.kill('SIGTERM');
    await engines.close();
  }
  const median = (values: number[]) => {
    const sorted = [...values].sort((p, q) => p - q);
    const m = Math.floor(sorted.length / 2);
    return sorted.length % 2 ? sorted[m] : (sorted[m - 1] + sorted[m]) / 2;
  };
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
    settings: {
      maxBatch,
      maxWaitMs,
      threads: threads ?? 'onnxruntime default',
      seconds,
      rounds: roundCount,
    },
    median: {
      served: CONCURRENCY.map((c, i) => ({
        concurrency: c,
        requestsPerSecond: median(rounds.map((r) => r.served[i].requestsPerSecond)),
        p50Ms: median(rounds.map((r) => r.served[i].latencyMs.p50)),
        p99Ms: median(rounds.map((r) => r.served[i].latencyMs.p99)),
      })),
      inProcess: {
        endToEnd: median(rounds.map((r) => r.inProcess.endToEnd)),
        forwardOnly: median(rounds.map((r) => r.inProcess.forwardOnly)),
      },
      ratio: {
        servedAt32OverForwardOnly: median(rounds.map((r) => r.ratio.servedAt32OverForwardOnly)),
        servedAt32OverEndToEnd: median(rounds.map((r) => r.ratio.servedAt32OverEndToEnd)),
      },
    },
    rounds,
  };
  const text = JSON.stringify(result, null, 2);
  console.log(text);
  if (outFile) await fs.writeFile(outFile, `${text}\n`);
  await fs.rm(work, { recursive: true, force: true });
}

await runAsScript(import.meta.url, main);
