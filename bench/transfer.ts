// Transfer benchmark: Fashion-MNIST with K labelled images per class (K = 10, 50, 200 by default),
// evaluated on the same held-out test images, 3 seeds: mean ± std test accuracy (and the
// validation accuracy that tuning may look at) of each row: linear probes (block_12_add; `auto`,
// the default LogME choice; `out_relu`, the previous default), fine-tuning, lp-ft and training
// from scratch. Prints JSON. Long: run it outside the tests.
// Usage: node --import tsx bench/transfer.ts [--k 10,50,200] [--seeds 0,1,2] [--test-per-class 200]
//        [--epochs 10] [--image-size 64] [--strategies linear,auto,out_relu,finetune,lp-ft,scratch]
//        [--lp-ft-size 64] [--lp-ft-epochs 10] [--lp-ft-lr x] [--out runs/bench-transfer] [--collect]
// --collect trains nothing: it reads the runs already in --out (e.g. written by several processes
// in parallel, one per seed or row, with the same settings) and prints the same JSON.
import path from 'node:path';
import { readBundleMeta } from '../src/bundle/bundle.js';
import { initEngine } from '../src/engine/index.js';
import { resolveTrainConfig, type TrainConfigInput } from '../src/methods/classification/config.js';
import { train } from '../src/methods/classification/train.js';
import { MetricsLog } from '../src/train/metrics-log.js';
import { machineInfo } from './machine.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
}
const list = (name: string, fallback: string) => arg(name, fallback).split(',');

const ks = list('k', '10,50,200').map(Number);
const seeds = list('seeds', '0,1,2').map(Number);
const strategies = list('strategies', 'linear,auto,out_relu,finetune,lp-ft,scratch');
const testPerClass = Number(arg('test-per-class', '200'));
const epochs = Number(arg('epochs', '10'));
const imageSize = Number(arg('image-size', '64'));
const lpFtSize = Number(arg('lp-ft-size', String(imageSize)));
const lpFtEpochs = Number(arg('lp-ft-epochs', String(epochs)));
const lpFtLr = process.argv.includes('--lp-ft-lr') ? Number(arg('lp-ft-lr', '')) : undefined;
const out = arg('out', 'runs/bench-transfer');
const collect = process.argv.includes('--collect');

/** What each row runs: its strategy and settings. */
function settings(row: string): Partial<TrainConfigInput> {
  // The linear probes run at 96 px (block_12_add: the hand-picked layer, DESIGN.md; auto: the
  // default LogME choice; out_relu: the previous default); the networks train at `imageSize` to
  // keep the run affordable.
  const probe = { strategy: 'linear' as const, imageSize: 96, epochs: 30 };
  switch (row) {
    case 'linear':
      return { ...probe, layer: 'block_12_add' };
    case 'auto':
      return probe;
    case 'out_relu':
      return { ...probe, layer: 'out_relu' };
    case 'lp-ft':
      return { strategy: 'lp-ft', imageSize: lpFtSize, epochs: lpFtEpochs, lr: lpFtLr };
    case 'finetune':
    case 'scratch':
      return { strategy: row, imageSize, epochs };
    default:
      throw new Error(`unknown row '${row}' (linear, auto, out_relu, finetune, lp-ft, scratch)`);
  }
}

/**
 * The validation accuracy of the weights the run kept: the linear head's early stopping keeps its
 * lowest-val-loss epoch, the networks their last.
 */
function valAccuracy(history: readonly Record<string, unknown>[], strategy: unknown) {
  const loss = (r: Record<string, unknown>) => (r.val_loss as number) ?? Infinity;
  const kept =
    strategy === 'linear'
      ? history.reduce((best, r) => (loss(r) < loss(best) ? r : best), history[0]!)
      : history.at(-1);
  const v = kept?.val_accuracy;
  return typeof v === 'number' ? v : undefined;
}

/** A finished run read back from its folder (--collect); undefined when it has not finished. */
async function readRun(dir: string, strategy: unknown) {
  const meta = await readBundleMeta(path.join(dir, 'bundle')).catch(() => undefined);
  if (meta?.metrics.accuracy === undefined) return undefined;
  const history = await MetricsLog.read(path.join(dir, 'metrics.jsonl'));
  return {
    layer: meta.backbone.layer,
    valAccuracy: valAccuracy(history, strategy),
    accuracy: meta.metrics.accuracy as number,
    macroF1: meta.metrics.macroF1,
  };
}

const engine = await initEngine({});
const runs: Record<string, unknown>[] = [];
const missing: string[] = [];
for (const k of ks) {
  for (const strategy of strategies) {
    for (const seed of seeds) {
      if (collect) {
        const dir = path.join(out, `k${k}-${strategy}-s${seed}`);
        const run = await readRun(dir, settings(strategy).strategy);
        if (run) runs.push({ k, strategy, seed, ...run });
        else missing.push(dir);
        continue;
      }
      const config = resolveTrainConfig({
        data: 'fashion-mnist',
        backbone: 'mobilenet_v2',
        labelsPerClass: k,
        testPerClass,
        seed,
        batch: 16,
        out: path.join(out, `k${k}-${strategy}-s${seed}`),
        ...settings(strategy),
      });
      // The runs' own lines (layer choice, the lp-ft probe's val accuracy, epochs) go to stderr.
      const result = await train(config, {
        log: (line) => process.stderr.write(`  [k=${k} ${strategy} s${seed}] ${line}\n`),
      });
      const meta = await readBundleMeta(result.bundleDir);
      const val = valAccuracy(result.history, config.strategy);
      runs.push({
        k,
        strategy,
        seed,
        layer: meta.backbone.layer,
        valAccuracy: val,
        accuracy: result.metrics.accuracy,
        macroF1: result.metrics.macroF1,
        testImages: result.metrics.count,
        seconds: result.seconds,
      });
      process.stderr.write(
        `k=${k} ${strategy} seed=${seed} (${meta.backbone.layer}): val ${val?.toFixed(4)} test ${result.metrics.accuracy.toFixed(4)} (${result.seconds.toFixed(0)} s)\n`,
      );
    }
  }
}

function summary(values: number[]) {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const std = Math.sqrt(
    values.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, values.length - 1),
  );
  return { mean, std, n: values.length };
}

const table = ks.flatMap((k) =>
  strategies.map((strategy) => ({
    k,
    strategy,
    accuracy: summary(
      runs.filter((r) => r.k === k && r.strategy === strategy).map((r) => r.accuracy as number),
    ),
    valAccuracy: summary(
      runs.filter((r) => r.k === k && r.strategy === strategy).map((r) => r.valAccuracy as number),
    ),
  })),
);
console.log(
  JSON.stringify(
    {
      machine: { ...machineInfo(), backend: engine.backend },
      date: new Date().toISOString(),
      settings: {
        ks,
        seeds,
        testPerClass,
        strategies,
        // What each strategy really ran with (the linear probe has its own size and epochs).
        perStrategy: Object.fromEntries(strategies.map((s) => [s, settings(s)])),
      },
      table,
      runs,
      ...(collect ? { missing } : {}),
    },
    null,
    2,
  ),
);
