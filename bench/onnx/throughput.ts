// Inference throughput of one exported bundle: a pretrained MobileNetV2 classifier at 224 px,
// batch 16, in each TF.js backend and in ONNX Runtime (1 and 2 intra-op threads). The parent
// builds the bundle (saved and loaded back as a user's would be), exports it to ONNX once and
// checks the export; then each engine runs in its own child process (a native backend and
// wasm's thread count are per process), one after another, on the same seeded input batch.
// Timed: forward + reading the output into a typed array; warm-up excluded, median of reps.
// Prints JSON; --out FILE also writes it.
// Usage: node --import tsx bench/onnx/throughput.ts [--reps 5] [--warmup 1] [--cpu-reps 2]
//          [--engines tfjs-cpu,tfjs-wasm,tfjs-torch,tfjs-torch-1,onnx-1,onnx-2] [--out FILE]
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { createModel } from '../../src/backbones/index.js';
import { loadBundle, saveBundle } from '../../src/bundle/bundle.js';
import { checkOnnxExport } from '../../src/bundle/onnx/check.js';
import { bundleToOnnx } from '../../src/bundle/onnx/export-bundle.js';
import { createOnnxRunner } from '../../src/bundle/onnx/runtime.js';
import { initEngine, probeBackends } from '../../src/engine/index.js';
import { Rng } from '../../src/util/rng.js';
import { machineInfo } from '../machine.js';
import { runAsScript } from '../run-as-script.js';

const BACKBONE = 'mobilenet_v2';
const INPUT_SIZE = 224;
const BATCH = 16;
const CLASSES = 10;
const INPUT_SEED = 7;
const SHAPE = [BATCH, INPUT_SIZE, INPUT_SIZE, 3];

/** Engine name → how it runs. tfjs-torch uses libtorch's default (all cores). */
const ENGINES = {
  'tfjs-cpu': { kind: 'tfjs', backend: 'cpu' },
  'tfjs-wasm': { kind: 'tfjs', backend: 'wasm' },
  'tfjs-torch': { kind: 'tfjs', backend: 'torch' },
  'tfjs-torch-1': { kind: 'tfjs', backend: 'torch', threads: 1 },
  'onnx-1': { kind: 'onnx', threads: 1 },
  'onnx-2': { kind: 'onnx', threads: 2 },
} as const satisfies Record<
  string,
  { kind: 'tfjs' | 'onnx'; backend?: 'cpu' | 'wasm' | 'torch'; threads?: number }
>;
type EngineName = keyof typeof ENGINES;
const REFERENCE: EngineName = 'onnx-2';
const RESULT_PREFIX = 'THROUGHPUT_RESULT ';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** The benchmark batch: seeded normal values (the input's scale after normalization). */
function inputBatch(): Float32Array {
  const rng = new Rng(INPUT_SEED);
  return Float32Array.from({ length: SHAPE.reduce((a, b) => a * b, 1) }, () => rng.normal());
}

interface ChildResult {
  engine: EngineName;
  threads: number;
  threadsNote: string;
  warmup: number;
  reps: number;
  timesMs: number[];
  loadMs: number;
  /** The logits of the benchmark batch, to compare engines with each other. */
  output: number[];
}

/** Child mode: one engine, timed; prints one RESULT line. */
async function runEngine(name: EngineName, reps: number, warmup: number): Promise<ChildResult> {
  const bundleDir = arg('bundle')!;
  const onnxFile = arg('onnx')!;
  const spec = ENGINES[name];
  const data = inputBatch();
  let step: () => Promise<Float32Array>;
  let release: () => Promise<void>;
  let threads: number;
  let threadsNote: string;
  const loadStart = performance.now();
  if (spec.kind === 'onnx') {
    const runner = await createOnnxRunner(await fs.readFile(onnxFile), { threads: spec.threads });
    threads = spec.threads;
    threadsNote = 'ONNX Runtime intraOpNumThreads (interOpNumThreads 1), CPU execution provider';
    step = async () => (await runner.run(data, SHAPE))[0].data;
    release = () => runner.release();
  } else {
    const threadsOption = 'threads' in spec ? spec.threads : undefined;
    const info = await initEngine({ backend: spec.backend, threads: threadsOption });
    threads = info.threads;
    threadsNote = {
      cpu: 'pure JavaScript, one thread',
      wasm: 'tfjs-backend-wasm in Node: single-threaded (getThreadsCount)',
      torch: "libtorch intra-op threads (setTorchThreads's answer)",
    }[spec.backend];
    const { model } = await loadBundle(bundleDir);
    const x = tf.tensor(data, SHAPE);
    step = async () => {
      const y = model.predict(x) as tf.Tensor;
      const out = (await y.data()) as Float32Array;
      y.dispose();
      return out;
    };
    release = async () => {
      x.dispose();
      model.dispose();
    };
  }
  const loadMs = performance.now() - loadStart;
  let output = new Float32Array();
  for (let i = 0; i < warmup; i++) output = await step();
  const timesMs: number[] = [];
  for (let i = 0; i < reps; i++) {
    const start = performance.now();
    output = await step();
    timesMs.push(performance.now() - start);
  }
  await release();
  return {
    engine: name,
    threads,
    threadsNote,
    warmup,
    reps,
    timesMs,
    loadMs,
    output: Array.from(output),
  };
}

/** Runs this script in child mode for one engine; resolves to its result or why it failed. */
function runChild(
  name: EngineName,
  childArgs: string[],
): Promise<{ ok: true; result: ChildResult } | { ok: false; reason: string }> {
  const script = fileURLToPath(import.meta.url);
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', script, '--engine', name, ...childArgs],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
      process.stderr.write(d);
    });
    child.on('close', (code, signal) => {
      const line = stdout.split('\n').find((l) => l.startsWith(RESULT_PREFIX));
      if (code === 0 && line) {
        resolve({ ok: true, result: JSON.parse(line.slice(RESULT_PREFIX.length)) });
        return;
      }
      const tail = stderr.trim().split('\n').slice(-3).join(' | ');
      resolve({
        ok: false,
        reason: `child exited with ${signal ?? `code ${code}`}${tail ? `: ${tail}` : ''}`,
      });
    });
  });
}

const round = (v: number, digits = 2) => Number(v.toFixed(digits));

async function main(): Promise<void> {
  const reps = Number(arg('reps') ?? '5');
  const warmup = Number(arg('warmup') ?? '1');
  // The cpu backend needs ~13 s per batch here; fewer reps keep the run to about a minute.
  const cpuReps = Math.min(reps, Number(arg('cpu-reps') ?? '2'));
  const engine = arg('engine') as EngineName | undefined;
  if (engine) {
    if (!(engine in ENGINES)) throw new Error(`unknown engine '${engine}'`);
    const r = await runEngine(engine, reps, warmup);
    console.log(RESULT_PREFIX + JSON.stringify(r));
    return;
  }
  const engines = (arg('engines')?.split(',') ?? Object.keys(ENGINES)) as EngineName[];
  for (const e of engines) if (!(e in ENGINES)) throw new Error(`unknown engine '${e}'`);
  const outFile = arg('out');

  // The bundle, built, saved and loaded back; exported and checked on the cpu backend (the
  // reference TF.js implementation).
  await initEngine({ backend: 'cpu' });
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'vt-onnx-throughput-'));
  try {
    const bundleDir = path.join(work, 'bundle');
    const { model } = await createModel(BACKBONE, {
      numClasses: CLASSES,
      inputSize: INPUT_SIZE,
      seed: 1,
    });
    await saveBundle(bundleDir, model, {
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
    const bundle = await loadBundle(bundleDir);
    const exportStart = performance.now();
    const onnxBytes = bundleToOnnx(bundle);
    const exportMs = performance.now() - exportStart;
    const onnxFile = path.join(work, 'model.onnx');
    await fs.writeFile(onnxFile, onnxBytes);
    const check = await checkOnnxExport(bundle.model, onnxBytes);
    const parameters = bundle.model.countParams();
    bundle.model.dispose();
    console.error(
      `bundle exported (${onnxBytes.byteLength} bytes, ${exportMs.toFixed(0)} ms); ` +
        `check: max abs error ${check.maxAbsError} (max |y| ${check.maxAbs})`,
    );

    const available = new Map(probeBackends().map((b) => [b.name, b]));
    const results: Record<string, unknown>[] = [];
    const skipped: { engine: EngineName; reason: string }[] = [];
    const outputs = new Map<EngineName, number[]>();
    for (const name of engines) {
      const spec = ENGINES[name];
      if (spec.kind === 'tfjs' && !available.get(spec.backend)?.available) {
        skipped.push({ engine: name, reason: available.get(spec.backend)?.detail ?? 'unknown' });
        continue;
      }
      const engineReps = name === 'tfjs-cpu' ? cpuReps : reps;
      console.error(`${name}: ${warmup} warm-up + ${engineReps} timed runs ...`);
      const load = os.loadavg()[0];
      const r = await runChild(name, [
        '--bundle',
        bundleDir,
        '--onnx',
        onnxFile,
        '--reps',
        String(engineReps),
        '--warmup',
        String(warmup),
      ]);
      if (!r.ok) {
        skipped.push({ engine: name, reason: r.reason });
        console.error(`${name}: failed (${r.reason})`);
        continue;
      }
      const { output, ...res } = r.result;
      outputs.set(name, output);
      const medianMs = median(res.timesMs);
      results.push({
        ...res,
        medianMs: round(medianMs, 1),
        imagesPerSecond: round((BATCH * 1000) / medianMs),
        timesMs: res.timesMs.map((t) => round(t, 1)),
        loadMs: round(res.loadMs, 0),
        loadAverage1mBefore: round(load),
      });
      console.error(`${name}: median ${medianMs.toFixed(1)} ms`);
    }

    const ref = results.find((r) => r.engine === REFERENCE);
    const refOutput = outputs.get(REFERENCE);
    for (const r of results) {
      r.relativeToOnnx2 = ref
        ? round((r.imagesPerSecond as number) / (ref.imagesPerSecond as number), 3)
        : null;
      const out = outputs.get(r.engine as EngineName);
      r.maxAbsDiffVsOnnx2 =
        refOutput && out
          ? Math.max(...out.map((v, i) => Math.abs(v - refOutput[i])))
          : null;
    }

    const require = createRequire(import.meta.url);
    const report = {
      benchmark: 'onnx-throughput',
      date: new Date().toISOString(),
      machine: { ...machineInfo(), note: 'shared 2-core VM; other jobs may run alongside' },
      versions: {
        node: process.version,
        onnxruntimeNode: (require('onnxruntime-node/package.json') as { version: string })
          .version,
        tfjs: tf.version.tfjs,
      },
      command: `node --import tsx bench/onnx/throughput.ts --reps ${reps}${outFile ? ` --out ${outFile}` : ''}`,
      settings: {
        backbone: BACKBONE,
        pretrained: true,
        classes: CLASSES,
        inputSize: INPUT_SIZE,
        batch: BATCH,
        input: `seeded normal values, shape [${SHAPE}], seed ${INPUT_SEED}`,
        timed: 'model forward + reading the output into a Float32Array; warm-up runs excluded',
        warmup,
        reps,
        cpuReps,
        cpuRepsNote: 'tfjs-cpu takes ~13 s per batch, so it gets fewer reps',
        engines: 'each engine in its own child process, one after another',
      },
      model: { parameters, onnxBytes: onnxBytes.byteLength, exportMs: round(exportMs, 0) },
      exportCheck: check,
      results,
      skipped,
      reference: REFERENCE,
    };
    const json = JSON.stringify(report, null, 2);
    console.log(json);
    if (outFile) await fs.writeFile(outFile, `${json}\n`);
  } finally {
    await fs.rm(work, { recursive: true, force: true });
  }
}

await runAsScript(import.meta.url, main);
