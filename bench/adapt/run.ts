// Domain-adaptation benchmark, MNIST → MNIST-M-style (bench/adapt/mnist-m.ts builds the data from
// the `mnist` package and photos of Debian's mate-backgrounds): target test accuracy of every
// method and of the source-only baseline, mean ± sample std over seeds, plus the train-on-target
// upper bound (the same network and budget, trained on the labelled target images). Every run has
// the same budget; selection never sees target labels. Prints JSON. Long: run it outside tests.
// Usage: node --import tsx bench/adapt/run.ts [--data /tmp/mnistm] [--seeds 0,1,2]
//        [--methods source-only,dann,cdan,mmd,coral,selftrain] [--epochs 10] [--image-size 64]
//        [--batch 32] [--upper-bound true] [--out runs/bench-adapt] [--set key=value,...]
//        [--reuse earlier.json] (runs of an earlier output with the same budget are kept, not rerun)
//        [--partial now.json] (the JSON so far, rewritten after every run)
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { initEngine } from '../../src/engine/index.js';
import { adapt } from '../../src/methods/adapt/adapt.js';
import { type AdaptConfigInput, resolveAdaptConfig } from '../../src/methods/adapt/config.js';
import { machineInfo } from '../machine.js';
import { buildMnistM } from './mnist-m.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : fallback;
}
const list = (name: string, fallback: string) => arg(name, fallback).split(',').filter(Boolean);

const data = path.resolve(arg('data', '/tmp/mnistm'));
const seeds = list('seeds', '0,1,2').map(Number);
const methods = list('methods', 'source-only,dann,cdan,mmd,coral,selftrain');
const upperBound = arg('upper-bound', 'true') === 'true';
const out = arg('out', 'runs/bench-adapt');
// Extra settings for every run, e.g. --set tradeoff=0.3,domainBn=true (numbers and booleans parsed).
const extra = Object.fromEntries(
  list('set', '').map((kv) => {
    const [key, raw = ''] = kv.split('=');
    const value =
      raw === 'true'
        ? true
        : raw === 'false'
          ? false
          : Number.isNaN(Number(raw))
            ? raw
            : Number(raw);
    return [key!, value];
  }),
);
const budget: AdaptConfigInput = {
  source: path.join(data, 'source'),
  target: path.join(data, 'target-unlabelled'),
  targetTest: path.join(data, 'target-test'),
  backbone: 'mobilenet_v2',
  epochs: Number(arg('epochs', '10')),
  imageSize: Number(arg('image-size', '64')),
  batch: Number(arg('batch', '32')),
  // Digits: no flips, no crops (a crop can cut a stroke away).
  augment: 'none',
  hflip: false,
};

const manifestFile = path.join(data, 'manifest.json');
const built = await fs.stat(manifestFile).then(
  () => false,
  () => true,
);
if (built) await buildMnistM({ out: data });
const manifest = JSON.parse(await fs.readFile(manifestFile, 'utf8'));

const engine = await initEngine({});
const reuse = arg('reuse', '');
const earlier = reuse ? JSON.parse(await fs.readFile(reuse, 'utf8')) : undefined;
if (earlier && JSON.stringify(earlier.budget) !== JSON.stringify({ ...budget, ...extra })) {
  throw new Error(`--reuse ${reuse}: its budget differs from this run's; rerun everything instead`);
}
const runs: Record<string, unknown>[] = [];
const plan = [
  ...methods.map((method) => ({ name: method, method, source: budget.source })),
  // Upper bound: labelled target images as the source (same images the methods see unlabelled).
  ...(upperBound
    ? [
        {
          name: 'train-on-target',
          method: 'source-only',
          source: path.join(data, 'target-train-labelled'),
        },
      ]
    : []),
];
// --partial FILE: the JSON so far is rewritten after every run, so a stopped benchmark keeps
// what it measured.
const partial = arg('partial', '');
for (const seed of seeds) {
  for (const run of plan) {
    const kept = earlier?.runs.find(
      (r: Record<string, unknown>) => r.run === run.name && r.seed === seed,
    );
    if (kept) {
      runs.push(kept);
      continue;
    }
    const config = resolveAdaptConfig(budget, extra, {
      method: run.method,
      source: run.source,
      seed,
      out: path.join(out, `${run.name}-s${seed}`),
    });
    const result = await adapt(config);
    const accuracy = result.targetMetrics!.accuracy;
    runs.push({
      run: run.name,
      seed,
      targetAccuracy: accuracy,
      sourceValAccuracy: result.sourceMetrics?.accuracy,
      selectedEpoch: result.selectedEpoch,
      proxyADistance: result.proxyADistance,
      seconds: result.seconds,
    });
    if (partial) await fs.writeFile(partial, `${report()}\n`);
    process.stderr.write(
      `${run.name} seed=${seed}: target ${(accuracy * 100).toFixed(1)}% (${result.seconds.toFixed(0)} s)\n`,
    );
  }
}

function meanStd(values: number[]) {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const std =
    values.length > 1
      ? Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / (values.length - 1))
      : null;
  return { mean, std, n: values.length };
}

/** The benchmark's JSON over the runs so far. */
function report(): string {
  const done = plan.filter(({ name }) => runs.some((r) => r.run === name));
  const summary = Object.fromEntries(
    done.map(({ name }) => [
      name,
      meanStd(runs.filter((r) => r.run === name).map((r) => r.targetAccuracy as number)),
    ]),
  );
  const baseline = summary['source-only']?.mean;
  return JSON.stringify(
    {
      benchmark: 'MNIST → MNIST-M-style, target test accuracy',
      machine: machineInfo(),
      backend: engine.backend,
      date: new Date().toISOString(),
      budget: { ...budget, ...extra },
      seeds,
      data: { folder: data, counts: manifest.counts, photos: manifest.photos },
      summary,
      gainOverSourceOnly:
        baseline === undefined
          ? null
          : Object.fromEntries(
              Object.entries(summary).map(([name, s]) => [name, s.mean - baseline]),
            ),
      runs,
    },
    null,
    2,
  );
}

console.log(report());
