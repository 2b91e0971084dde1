// Full fine-tuning step, visiontune's torch engine against PyTorch eager (channels-last, its
// fastest CPU layout; --layouts adds the default NCHW), same machine, same run. The machine is
// shared, and its load swings by 10x within minutes, so the sides are paired step by step: one
// long-lived process per side (bench/train-step.ts --serve, bench/pytorch-reference.py --serve),
// each warmed up, then --pairs rounds in which every side runs one step, alternating who goes
// first; both sides of a pair see the same load. Per shape it prints each side's median step, the
// median over pairs of the per-pair ratio PyTorch / ours (> 1: we are faster), and achieved
// GFLOP/s from the model's training FLOPs (bench/model-flops.ts: 3 x forward, counted from the
// layer shapes) against the machine's measured sgemm peak (bench/peak-gflops.py). Prints JSON.
// Usage: node --import tsx bench/step-vs-pytorch.ts [--pairs 15]
//        [--shapes 224x16,128x16,224x32,128x32] [--layouts cl,nchw] [--python /usr/bin/python3]
//        [--no-cache-too]  (adds our step with the caching allocator off: its share of the gain)
import { type ChildProcessWithoutNullStreams, execFile, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { machineInfo } from './machine.js';
import { mobilenetV2TrainingFlops } from './model-flops.js';
import { runAsScript } from './run-as-script.js';
import { median } from './train-step.js';

const run = promisify(execFile);
const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : fallback;
}

async function jsonOf(command: string, args: string[]): Promise<Record<string, number>> {
  const { stdout } = await run(command, args, { maxBuffer: 1 << 20, timeout: 600_000 });
  return JSON.parse(stdout);
}

/** A long-lived step process: each step() sends a line and resolves with the step's ms. */
class StepServer {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly waiting: ((line: string) => void)[] = [];
  private readonly lines: string[] = [];

  constructor(command: string, args: string[], env: Record<string, string> = {}) {
    this.child = spawn(command, args, { env: { ...process.env, ...env } });
    this.child.stderr.resume(); // tfjs's banner; errors surface as the exit below
    createInterface({ input: this.child.stdout }).on('line', (line) => {
      const next = this.waiting.shift();
      if (next) next(line);
      else this.lines.push(line);
    });
    this.child.on('exit', (code) => {
      for (const reject of this.waiting.splice(0)) reject(`exit ${code}`);
    });
  }

  private nextLine(): Promise<string> {
    const line = this.lines.shift();
    if (line !== undefined) return Promise.resolve(line);
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  async ready(): Promise<void> {
    const line = await this.nextLine();
    if (line !== 'ready') throw new Error(`step server: expected ready, got ${line}`);
  }

  async step(): Promise<number> {
    this.child.stdin.write('step\n');
    const line = await this.nextLine();
    const ms = Number(line);
    if (!Number.isFinite(ms)) throw new Error(`step server: ${line}`);
    return ms;
  }

  close(): void {
    this.child.stdin.end();
  }
}

function server(side: string, python: string, size: number, batch: number): StepServer {
  const shape = ['--size', `${size}`, '--batch', `${batch}`, '--threads', '2', '--serve'];
  if (side.startsWith('ours')) {
    const args = ['--import', 'tsx', here('train-step.ts'), ...shape];
    // ours_nocache: the addon's caching allocator off (c10's own allocator, as before it).
    return new StepServer(
      process.execPath,
      args,
      side === 'ours_nocache' ? { VISIONTUNE_TORCH_CACHE_MB: '0' } : {},
    );
  }
  const layout = side === 'pytorch_cl' ? ['--channels-last'] : [];
  return new StepServer(python, [
    here('pytorch-reference.py'),
    '--train-only',
    ...shape,
    ...layout,
  ]);
}

async function peakGflops(python: string): Promise<Record<string, number>> {
  return (await jsonOf(python, [here('peak-gflops.py'), '--threads', '2'])) as Record<
    string,
    number
  >;
}

async function main() {
  const pairs = Number(arg('pairs', '15'));
  const python = arg('python', '/usr/bin/python3');
  const layouts = arg('layouts', 'cl').split(',');
  const noCacheToo = process.argv.includes('--no-cache-too');
  const shapes = arg('shapes', '224x16,128x16,224x32,128x32')
    .split(',')
    .map((s) => s.split('x').map(Number) as [number, number]);
  await tf.setBackend('cpu'); // only counts layer shapes here; the steps run in subprocesses
  const peak = await peakGflops(python);
  const rows = [];
  for (const [size, batch] of shapes) {
    const names = [
      'ours',
      ...(noCacheToo ? ['ours_nocache'] : []),
      ...layouts.map((l) => `pytorch_${l}`),
    ];
    const servers = Object.fromEntries(names.map((n) => [n, server(n, python, size, batch)]));
    for (const n of names) await servers[n]!.ready();
    const steps: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
    for (let p = 0; p < pairs; p++) {
      // Alternate who goes first, so neither side always runs in the other's wake.
      for (const n of p % 2 ? [...names].reverse() : names)
        steps[n]!.push(await servers[n]!.step());
      console.error(
        `${size}px batch ${batch} pair ${p + 1}/${pairs}: ${names.map((n) => `${n} ${steps[n]!.at(-1)!.toFixed(0)}`).join(', ')}`,
      );
    }
    for (const n of names) servers[n]!.close();
    const flops = await mobilenetV2TrainingFlops(size, batch);
    const medians = Object.fromEntries(names.map((n) => [n, median(steps[n]!)]));
    const gflops = (ms: number) => Number((flops / ms / 1e6).toFixed(1));
    const pairedRatio = (n: string) =>
      Number(median(steps[n]!.map((ms, i) => ms / steps.ours![i]!)).toFixed(3));
    rows.push({
      size,
      batch,
      trainingGflopPerStep: Number((flops / 1e9).toFixed(2)),
      medianMs: medians,
      // > 1: ours is faster. Median over pairs of (their step / our step in the same pair).
      pairedRatioOverOurs: Object.fromEntries(names.slice(1).map((n) => [n, pairedRatio(n)])),
      achievedGflops: Object.fromEntries(names.map((n) => [n, gflops(medians[n]!)])),
      oursFractionOfPeak: Number((gflops(medians.ours!) / peak.gflops!).toFixed(3)),
      stepsMs: steps,
    });
  }
  console.log(
    JSON.stringify(
      {
        machine: machineInfo(),
        date: new Date().toISOString(),
        method: `one warmed-up process per side (2 warm-up steps), ${pairs} pairs of single steps per shape, sides alternating first; 2 threads every side`,
        peak,
        rows,
      },
      null,
      2,
    ),
  );
}

await runAsScript(import.meta.url, main);
