// Inference throughput of one exported bundle: a pretrained MobileNetV2 classifier at 224 px,
// batch 16, in each TF.js backend and in ONNX Runtime (1 and 2 intra-op threads). The parent
// builds the bundle (saved and loaded back as a user's would be), exports it to ONNX once and
// checks the export; then each engine runs in its own child process (a native backend and
// wasm's thread count are per process), one after another, on the same seeded input batch.
// Timed: forward + reading the output into a typed array; warm-up excluded; median over the
// timed runs of all rounds (--rounds R repeats the sweep of engines, so a busy neighbour on a
// shared machine does not land on one engine only). Prints JSON; --out FILE also writes it.
// bench/results/onnx-throughput-2026-11-29.json: --reps 5 --rounds 5.
// Usage: node --import tsx bench/onnx/throughput.ts [--reps 5] [--rounds 1] [--warmup 2] [--cpu-reps 2]
//          [--engines tfjs-cpu,tfjs-wasm,tfjs-torch,tfjs-torch-1,onnx-1,onnx-2] [--out FILE]
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { loadBundle } from '../../src/bundle/bundle.js';
import { checkOnnxExport } from '../../src/bundle/onnx/check.js';
import { bundleToOnnx } from '../../src/bundle/onnx/export-bundle.js';
import { createOnnxRunner } from '../../src/bundle/onnx/runtime.js';
import { initEngine, probeBackends } from '../../src/engine/index.js';
import { Rng } from '../../src/util/rng.js';
import { machineInfo } from '../machine.js';
import { savePretrainedClassifier } from '../pretrained-classifier.js';
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

/** Machine-wide CPU jiffies from /proc/stat (Linux): total, idle and steal (hypervisor). */
async function cpuJiffies(): Promise<{ total: number; idle: number; steal: number } | undefined> {
  try {
    const line = (await fs.readFile('/proc/stat', 'utf8')).split('\n')[0];
    const v = line.trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal (guest time is counted in user already)
    const total = v.slice(0, 8).reduce((a, b) => a + b, 0);
    return { total, idle: v[3] + v[4], steal: v[7] ?? 0 };
  } catch {
    return undefined;
  }
}

interface ChildResult {
  engine: EngineName;
  threads: number;
  threadsNote: string;
  warmup: number;
  reps: number;
  timesMs: number[];
  loadMs: number;
  /** Process CPU time over wall time in the timed runs: how many cores the engine kept busy. */
  busyCores: number;
  /** Share of all cores' time, over the timed runs, that the hypervisor gave to other VMs. */
  stealFraction: number | null;
  /** Share of all cores' time, over the timed runs, that was idle. */
  idleFraction: number | null;
  /** The logits of the benchmark batch, to compare engines with each other. */
  output: number[];
}

/** Child mode: one engine, timed; prints one RESULT line. */
async function runEngine(name: EngineName, reps: number, warmup: number): Promise<ChildResult> {
  const bundleDir = arg('bundle')!;
  const onnxFile = arg('onnx')!;
  const spec = ENGINES[name];
  const data = inputBatch();
  let step: () => Promise<ArrayLike<number>>;
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
      const out = await y.data();
      y.dispose();
      return out;
    };
    release = async () => {
      x.dispose();
      model.dispose();
    };
  }
  const loadMs = performance.now() - loadStart;
  let output: ArrayLike<number> = [];
  for (let i = 0; i < warmup; i++) output = await step();
  const timesMs: number[] = [];
  const cpuStart = process.cpuUsage();
  const machineStart = await cpuJiffies();
  for (let i = 0; i < reps; i++) {
    const start = performance.now();
    output = await step();
    timesMs.push(performance.now() - start);
  }
  const cpu = process.cpuUsage(cpuStart);
  const machineEnd = await cpuJiffies();
  const machineDelta =
    machineStart && machineEnd && machineEnd.total > machineStart.total
      ? {
          steal: (machineEnd.steal - machineStart.steal) / (machineEnd.total - machineStart.total),
          idle: (machineEnd.idle - machineStart.idle) / (machineEnd.total - machineStart.total),
        }
      : undefined;
  const busyCores = (cpu.user + cpu.system) / 1000 / timesMs.reduce((a, b) => a + b, 0);
  await release();
  return {
    engine: name,
    threads,
    threadsNote,
    warmup,
    reps,
    timesMs,
    loadMs,
    busyCores,
    stealFraction: machineDelta?.steal ?? null,
    idleFraction: machineDelta?.idle ?? null,
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
  const warmup = Number(arg('warmup') ?? '2');
  // The cpu backend needs ~13 s per batch here; fewer reps keep the run to about a minute.
  const cpuReps = Math.min(reps, Number(arg('cpu-reps') ?? '2'));
  const cpuWarmup = Math.min(warmup, 1);
  const rounds = Number(arg('rounds') ?? '1');
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
    await savePretrainedClassifier(bundleDir, BACKBONE, INPUT_SIZE, CLASSES);
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
    const skipped: { engine: EngineName; reason: string }[] = [];
    const runnable = engines.filter((name) => {
      const spec = ENGINES[name];
      if (spec.kind === 'onnx' || available.get(spec.backend)?.available) return true;
      skipped.push({ engine: name, reason: available.get(spec.backend)?.detail ?? 'unknown' });
      return false;
    });
    // Every round runs each engine once, in turn, so a busy neighbour on this shared machine
    // slows all engines alike rather than one; tfjs-cpu (13 s a batch) runs in the first only.
    const runs = new Map<EngineName, ChildResult[]>();
    const loads = new Map<EngineName, number[]>();
    const failed = new Set<EngineName>();
    for (let r = 0; r < rounds; r++) {
      for (const name of runnable) {
        if (failed.has(name) || (name === 'tfjs-cpu' && r > 0)) continue;
        const engineReps = name === 'tfjs-cpu' ? cpuReps : reps;
        const engineWarmup = name === 'tfjs-cpu' ? cpuWarmup : warmup;
        console.error(
          `round ${r + 1}/${rounds} ${name}: ${engineWarmup} warm-up + ${engineReps} timed runs ...`,
        );
        const load = os.loadavg()[0];
        const child = await runChild(name, [
          '--bundle',
          bundleDir,
          '--onnx',
          onnxFile,
          '--reps',
          String(engineReps),
          '--warmup',
          String(engineWarmup),
        ]);
        if (!child.ok) {
          failed.add(name);
          skipped.push({ engine: name, reason: child.reason });
          console.error(`${name}: failed (${child.reason})`);
          continue;
        }
        runs.set(name, [...(runs.get(name) ?? []), child.result]);
        loads.set(name, [...(loads.get(name) ?? []), round(load)]);
        console.error(`${name}: median ${median(child.result.timesMs).toFixed(1)} ms`);
      }
    }

    const outputs = new Map<EngineName, number[]>();
    const results: Record<string, unknown>[] = [];
    for (const name of runnable) {
      const all = runs.get(name);
      if (!all?.length) continue;
      outputs.set(name, all[0].output);
      const timesMs = all.flatMap((c) => c.timesMs);
      const medianMs = median(timesMs);
      // Rounds where the engine had the cores it asked for (a neighbour held none of them).
      const clear = all.filter((c) => c.busyCores >= 0.9 * c.threads);
      const clearMs = clear.length ? median(clear.flatMap((c) => c.timesMs)) : null;
      results.push({
        engine: name,
        threads: all[0].threads,
        threadsNote: all[0].threadsNote,
        medianMs: round(medianMs, 1),
        imagesPerSecond: round((BATCH * 1000) / medianMs),
        warmup: all[0].warmup,
        reps: timesMs.length,
        rounds: all.length,
        timesMs: timesMs.map((t) => round(t, 1)),
        busyCoresByRound: all.map((c) => round(c.busyCores)),
        stealFractionByRound: all.map((c) =>
          c.stealFraction === null ? null : round(c.stealFraction),
        ),
        idleFractionByRound: all.map((c) =>
          c.idleFraction === null ? null : round(c.idleFraction),
        ),
        uncontendedRounds: clear.length,
        medianMsUncontended: clearMs === null ? null : round(clearMs, 1),
        imagesPerSecondUncontended: clearMs === null ? null : round((BATCH * 1000) / clearMs),
        loadAverage1mBeforeByRound: loads.get(name),
        loadMs: round(median(all.map((c) => c.loadMs)), 0),
      });
    }

    const ref = results.find((r) => r.engine === REFERENCE);
    const refOutput = outputs.get(REFERENCE);
    for (const r of results) {
      r.relativeToOnnx2 = ref
        ? round((r.imagesPerSecond as number) / (ref.imagesPerSecond as number), 3)
        : null;
      const out = outputs.get(r.engine as EngineName);
      r.maxAbsDiffVsOnnx2 =
        refOutput && out ? Math.max(...out.map((v, i) => Math.abs(v - refOutput[i]))) : null;
    }

    const require = createRequire(import.meta.url);
    const report = {
      benchmark: 'onnx-throughput',
      date: new Date().toISOString(),
      machine: { ...machineInfo(), note: 'shared 2-core VM; other jobs may run alongside' },
      versions: {
        node: process.version,
        onnxruntimeNode: (require('onnxruntime-node/package.json') as { version: string }).version,
        tfjs: tf.version.tfjs,
      },
      command: `node --import tsx bench/onnx/throughput.ts${process.argv
        .slice(2)
        .map((a) => ` ${a}`)
        .join('')}`,
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
        rounds,
        cpuReps,
        cpuWarmup,
        cpuRepsNote: 'tfjs-cpu takes ~13 s per batch, so it gets fewer warm-up and timed runs',
        engines:
          'each engine in its own child process, one after another; each round runs every engine once (tfjs-cpu only in the first); median over all timed runs of all rounds',
        busyCores:
          'process CPU time / wall time over the timed runs: below the thread count means a neighbour held a core; the *Uncontended fields use only rounds with busyCores >= 0.9 x threads; steal/idle fractions are machine-wide shares of all cores (/proc/stat) over the timed runs, steal being time the hypervisor gave to other VMs',
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
