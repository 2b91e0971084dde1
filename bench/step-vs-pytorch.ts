// Full fine-tuning step, visiontune's torch engine against PyTorch eager (channels-last, its
// fastest CPU layout; --layouts adds the default NCHW), same machine, same run: each round starts
// one subprocess per side (bench/train-step.ts and bench/pytorch-reference.py --train-only), in
// alternating order, so load from other work on a shared machine falls on both alike. Per shape
// it prints each side's median over rounds (each round's value is that process's median step),
// the ratio PyTorch / ours (> 1: we are faster), and achieved GFLOP/s from the model's training
// FLOPs (3x the forward multiply-adds x 2, counted from the layer shapes by bench/model-flops.ts)
// against the machine's measured sgemm peak (bench/peak-gflops.py). Prints JSON.
// Usage: node --import tsx bench/step-vs-pytorch.ts [--rounds 7] [--reps 3]
//        [--shapes 224x16,128x16,224x32,128x32] [--layouts cl,nchw] [--python /usr/bin/python3]
import { execFile } from 'node:child_process';
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

async function jsonOf(command: string, args: string[]): Promise<Record<string, unknown>> {
  const { stdout } = await run(command, args, { maxBuffer: 1 << 20, timeout: 600_000 });
  return JSON.parse(stdout);
}

async function ours(size: number, batch: number, reps: number): Promise<number> {
  const out = await jsonOf(process.execPath, [
    '--import',
    'tsx',
    here('train-step.ts'),
    ...['--size', `${size}`, '--batch', `${batch}`, '--reps', `${reps}`, '--threads', '2'],
  ]);
  return out.medianMs as number;
}

async function pytorch(python: string, size: number, batch: number, reps: number, cl: boolean) {
  const out = await jsonOf(python, [
    here('pytorch-reference.py'),
    '--train-only',
    ...['--threads', '2', '--size', `${size}`, '--batch', `${batch}`, '--reps', `${reps}`],
    ...(cl ? ['--channels-last'] : []),
  ]);
  return (out.trainStepMedianS as number) * 1000;
}

async function peakGflops(python: string): Promise<Record<string, number>> {
  return (await jsonOf(python, [here('peak-gflops.py'), '--threads', '2'])) as Record<
    string,
    number
  >;
}

async function main() {
  const rounds = Number(arg('rounds', '7'));
  const reps = Number(arg('reps', '3'));
  const python = arg('python', '/usr/bin/python3');
  const layouts = arg('layouts', 'cl').split(',');
  const shapes = arg('shapes', '224x16,128x16,224x32,128x32')
    .split(',')
    .map((s) => s.split('x').map(Number) as [number, number]);
  await tf.setBackend('cpu'); // only counts layer shapes here; the steps run in subprocesses
  const peak = await peakGflops(python);
  const rows = [];
  for (const [size, batch] of shapes) {
    const sides: Record<string, number[]> = { ours: [] };
    for (const layout of layouts) sides[`pytorch_${layout}`] = [];
    for (let r = 0; r < rounds; r++) {
      // Alternate who goes first, so neither side always runs in the other's wake.
      const order = r % 2 ? [...layouts, 'ours'] : ['ours', ...layouts];
      for (const side of order) {
        const ms =
          side === 'ours'
            ? await ours(size, batch, reps)
            : await pytorch(python, size, batch, reps, side === 'cl');
        sides[side === 'ours' ? 'ours' : `pytorch_${side}`]!.push(ms);
        console.error(
          `${size}px batch ${batch} round ${r + 1}/${rounds}: ${side} ${ms.toFixed(0)} ms`,
        );
      }
    }
    const flops = await mobilenetV2TrainingFlops(size, batch);
    const medians = Object.fromEntries(Object.entries(sides).map(([k, v]) => [k, median(v)]));
    const gflops = (ms: number) => Number((flops / ms / 1e6).toFixed(1));
    rows.push({
      size,
      batch,
      trainingGflopPerStep: Number((flops / 1e9).toFixed(2)),
      medianMs: medians,
      perRoundMs: sides,
      ratioPytorchOverOurs: Object.fromEntries(
        layouts.map((l) => [l, Number((medians[`pytorch_${l}`]! / medians.ours!).toFixed(3))]),
      ),
      achievedGflops: Object.fromEntries(Object.entries(medians).map(([k, v]) => [k, gflops(v)])),
      fractionOfPeak: Number((gflops(medians.ours!) / peak.gflops!).toFixed(3)),
    });
  }
  console.log(
    JSON.stringify(
      {
        machine: machineInfo(),
        date: new Date().toISOString(),
        method: `${rounds} rounds per shape, each a fresh process per side (2 warm-up + ${reps} timed steps, its median), sides alternating first; medians over rounds; 2 threads both sides`,
        peak,
        rows,
      },
      null,
      2,
    ),
  );
}

await runAsScript(import.meta.url, main);
