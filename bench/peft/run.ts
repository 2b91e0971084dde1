// PEFT benchmark (issue 27): test accuracy against trainable parameters and stored bytes for the
// linear probe, BitFit, residual adapters, LoRA (r = 4, 8, 16) and full fine-tuning of a
// pretrained backbone (mobilenet_v2), on Fashion-MNIST and MNIST with K labelled images per class
// and a real-photo folder set (sets.ts), several seeds. Every run is the library's `train()`
// (methods.ts: the configuration fields and lr of each method); all runs of a set share its
// image size, epochs, batch, augmentation and fixed test images, and train on all K images per
// class (val 0: nothing is chosen on held-out images, and never on the test images).
// Per run: accuracy on the test images, trainable parameters, stored bytes (the weight files of
// the bundle the run saves: a delta bundle for the PEFT methods, the full bundle otherwise), the
// full bundle's weight bytes (a PEFT delta merged into a standalone bundle: LoRA folded into the
// kernels, adapters kept), both bundle folders' total bytes, wall / training-loop / optimizer-step
// seconds. Summary per set × method: mean ± std over seeds, points against full fine-tuning, the
// stored bytes as a fraction of full fine-tuning's bundle. Writes JSON to --out after every run
// (a run cut short keeps what finished) and the plot of accuracy against stored bytes (plot.ts)
// beside it as .svg.
//
// Usage: node --import tsx bench/peft/run.ts [--quick] [--sets fashion-mnist-k50,mnist-k50,
//   mate-nature] [--methods linear,bitfit,adapter,lora-r4,lora-r8,lora-r16,full] [--seeds 0,1,2]
//   [--k 50] [--test 100] [--photo-set mate-nature] [--size 64] [--epochs 6] [--batch 16]
//   [--backbone mobilenet_v2] [--lr bitfit=3e-3,...] [--work runs/bench-peft]
//   [--out bench/results/peft-<date>.json] [--resume earlier.json[,other.json]]
// --resume takes the runs earlier outputs of the same settings recorded instead of running them
// again: a run cut short continues, and processes given different --seeds (and --work) combine.
// --quick: a smoke size (K = 4, 3 test images per class, 4/6 crops per photo, 1 epoch, seeds 0,1)
// that proves the benchmark end to end (42 runs, 15 min at load ~7); it writes under --work unless
// --out is given. The full size is 63 runs, 54 of them networks training on 500 (digits) or 240
// (photos) images for 6 epochs at 64 px. Processes side by side must share the cores
// (OMP_NUM_THREADS=1 each on 2 cores; --seeds, --sets or --methods split the runs, --resume
// combines them): two OpenMP pools spinning on the same cores run several times slower than one
// process at a time. Every run's epochSeconds in the JSON show the rate it really had.
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { getBackbone } from '../../src/backbones/index.js';
import { loadBundle, readBundleMeta } from '../../src/bundle/bundle.js';
import { mergeDeltaBundle } from '../../src/bundle/delta/merge.js';
import { initEngine } from '../../src/engine/index.js';
import { train } from '../../src/methods/classification/train.js';
import { isHeadLayer } from '../../src/methods/freeze/blocks.js';
import { readPeftMeta } from '../../src/methods/peft/bundle-meta.js';
import { renderSvg } from '../../src/report/render.js';
import { fitTimer } from '../fit-timer.js';
import { machineInfo } from '../machine.js';
import { DEFAULT_PHOTO_CACHE } from '../rank/photo-sets.js';
import { resumedLookup, resumeRuns } from '../resume-runs.js';
import { runAsScript } from '../run-as-script.js';
import { bundleBytes } from './bytes.js';
import { HALF_SUFFIX, type HalfPrecisionDelta, halfPrecisionDelta } from './half.js';
import { applyLrOverrides, type BenchMethod, benchMethods } from './methods.js';
import { accuracyVsBytesSpec } from './plot.js';
import { type BenchSet, makeBenchSets } from './sets.js';

function options(argv: readonly string[]) {
  const quick = argv.includes('--quick');
  const arg = (name: string, full: string, smoke = full) => {
    const i = argv.indexOf(`--${name}`);
    return i > 0 ? argv[i + 1]! : quick ? smoke : full;
  };
  const optional = (name: string) => {
    const i = argv.indexOf(`--${name}`);
    return i > 0 ? argv[i + 1] : undefined;
  };
  const work = arg('work', 'runs/bench-peft', 'runs/bench-peft-quick');
  const date = new Date().toISOString().slice(0, 10);
  const backbone = arg('backbone', 'mobilenet_v2');
  const all = applyLrOverrides(
    benchMethods(getBackbone(backbone).config.embeddingLayer),
    optional('lr'),
  );
  const wanted = optional('methods')?.split(',');
  const unknown = wanted?.filter((w) => !all.some((m) => m.name === w)) ?? [];
  if (unknown.length)
    throw new Error(
      `--methods: ${unknown.join(', ')} not among ${all.map((m) => m.name).join(', ')}`,
    );
  return {
    quick,
    work,
    out: arg('out', `bench/results/peft-${date}.json`, path.join(work, `peft-quick-${date}.json`)),
    backbone,
    methods: wanted ? all.filter((m) => wanted.includes(m.name)) : all,
    sets: optional('sets')?.split(','),
    seeds: arg('seeds', '0,1,2', '0,1').split(',').map(Number),
    k: Number(arg('k', '50', '4')),
    testPerClass: Number(arg('test', '100', '3')),
    photoSet: arg('photo-set', 'mate-nature'),
    photoCrops: quick ? { trainPerClass: 4, testPerClass: 6 } : undefined,
    size: Number(arg('size', '64')),
    epochs: Number(arg('epochs', '6', '1')),
    batch: Number(arg('batch', '16')),
    resume: optional('resume')?.split(',') ?? [],
  };
}
type Options = ReturnType<typeof options>;

/** What must match for runs of an earlier output to be taken (--resume). */
const settingsOf = (setup: Record<string, unknown>) => {
  const { backbone, imageSize, epochs, batch, k, testPerClass } = setup;
  return { backbone, imageSize, epochs, batch, k, testPerClass };
};
const runKey = (set: string, method: string, seed: number) => `${set}-${method}-s${seed}`;

interface RunRecord {
  set: string;
  method: string;
  seed: number;
  accuracy: number;
  testImages: number;
  trainImages: number;
  trainableParams: number;
  /** Weight files of the bundle the run saved (a delta bundle for a PEFT method). */
  storedBytes: number;
  /** Weight files of the standalone bundle (a PEFT delta merged; otherwise the saved one). */
  fullBytes: number;
  /** Whole bundle folders (topology and metadata too): the saved one, the standalone one. */
  storedFolderBytes: number;
  fullFolderBytes: number;
  /** Wall time of the whole run (data, training, evaluation, bundle; not the merge). */
  seconds: number;
  fitSeconds: number;
  stepSeconds: number;
  /** Each epoch's seconds: after the first (warm-up), what a longer run's epochs take. */
  epochSeconds: number[];
  out: string;
  /** A PEFT run: its delta saved again in float16, and both scored from the saved bundles. */
  float16?: HalfPrecisionDelta;
}

/** A PEFT run's float16 delta as a run of the `<method>-fp16` method. */
const halfRun = (r: RunRecord): RunRecord[] =>
  r.float16
    ? [
        {
          ...r,
          method: `${r.method}${HALF_SUFFIX}`,
          accuracy: r.float16.accuracy,
          storedBytes: r.float16.storedBytes,
          storedFolderBytes: r.float16.storedFolderBytes,
        },
      ]
    : [];

/** The methods with, after each PEFT method, its float16 copy. */
const withHalf = (methods: BenchMethod[]): BenchMethod[] =>
  methods.flatMap((m) => (m.peft ? [m, { ...m, name: `${m.name}${HALF_SUFFIX}` }] : [m]));

/** The runs the summary reads: each PEFT run's float16 copy beside it. */
const summarized = (runs: RunRecord[]) => runs.flatMap((r) => [r, ...halfRun(r)]);

const log = (line: string) => process.stderr.write(`${line}\n`);

/** Parameters that trained: the PEFT record; else the trainable weights (the head for a probe). */
async function trainableParams(bundleDir: string, method: BenchMethod): Promise<number> {
  const peft = readPeftMeta((await readBundleMeta(bundleDir)).training);
  if (peft) return peft.trainableParams;
  const { model } = await loadBundle(bundleDir);
  try {
    const weights =
      method.fields.strategy === 'linear'
        ? model.layers.filter((l) => isHeadLayer(l.name)).flatMap((l) => l.weights)
        : model.trainableWeights;
    return weights.reduce((n, w) => n + (w.shape as number[]).reduce((a, b) => a * b, 1), 0);
  } finally {
    model.dispose();
  }
}

async function runOne(
  opts: Options,
  set: BenchSet,
  method: BenchMethod,
  seed: number,
): Promise<RunRecord> {
  const name = runKey(set.name, method.name, seed);
  const out = path.join(opts.work, 'runs', name);
  log(`== ${name}`);
  const timer = fitTimer();
  const result = await train(
    {
      data: set.data[seed]!,
      backbone: opts.backbone,
      imageSize: opts.size,
      epochs: opts.epochs,
      batch: opts.batch,
      val: 0,
      seed,
      out,
      overwrite: true,
      ...method.fields,
    },
    { log: (line) => log(`  [${name}] ${line}`), callbacks: [timer.callback] },
  );
  const stored = await bundleBytes(result.bundleDir);
  let full = stored;
  if (method.peft) {
    const merged = path.join(out, 'merged');
    await mergeDeltaBundle(result.bundleDir, merged, { overwrite: true });
    full = await bundleBytes(merged);
  }
  const record: RunRecord = {
    set: set.name,
    method: method.name,
    seed,
    accuracy: result.metrics.accuracy,
    testImages: result.splits.test,
    trainImages: result.splits.train,
    trainableParams: await trainableParams(result.bundleDir, method),
    storedBytes: stored.weights,
    fullBytes: full.weights,
    storedFolderBytes: stored.folder,
    fullFolderBytes: full.folder,
    seconds: result.seconds,
    fitSeconds: timer.fitSeconds(),
    stepSeconds: timer.stepSeconds,
    epochSeconds: timer.epochSeconds,
    out,
  };
  log(
    `${name}: accuracy ${record.accuracy.toFixed(4)}, ${record.trainableParams} trainable, ` +
      `${record.storedBytes} of ${record.fullBytes} bytes stored (${record.seconds.toFixed(0)} s)`,
  );
  return record;
}

function stats(values: number[]) {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const std = Math.sqrt(
    values.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, values.length - 1),
  );
  return { mean, std, n: values.length };
}

/**
 * Per set and method: accuracy mean ± std over seeds, trainable parameters and bytes (means; they
 * do not change with the seed), points against full fine-tuning, stored bytes as a fraction of
 * full fine-tuning's bundle; per set the most accurate PEFT method.
 */
function summarize(runs: RunRecord[], methods: BenchMethod[]) {
  const sets = [...new Set(runs.map((r) => r.set))];
  const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
  return Object.fromEntries(
    sets.map((set) => {
      const mine = runs.filter((r) => r.set === set);
      const fullRuns = mine.filter((r) => r.method === 'full');
      const fullAccuracy = fullRuns.length ? mean(fullRuns.map((r) => r.accuracy)) : undefined;
      const fullBundle = fullRuns.length ? mean(fullRuns.map((r) => r.storedBytes)) : undefined;
      const perMethod = methods
        .map((m) => [m, mine.filter((r) => r.method === m.name)] as const)
        .filter(([, rs]) => rs.length > 0)
        .map(([m, rs]) => {
          const accuracy = stats(rs.map((r) => r.accuracy));
          const storedBytes = mean(rs.map((r) => r.storedBytes));
          return {
            method: m.name,
            peft: m.peft,
            accuracy,
            trainableParams: mean(rs.map((r) => r.trainableParams)),
            storedBytes,
            fullBytes: mean(rs.map((r) => r.fullBytes)),
            storedOfOwnFull: storedBytes / mean(rs.map((r) => r.fullBytes)),
            storedOfFullFinetune: fullBundle ? storedBytes / fullBundle : undefined,
            pointsVsFullFinetune:
              fullAccuracy === undefined ? undefined : (accuracy.mean - fullAccuracy) * 100,
            seconds: stats(rs.map((r) => r.seconds)),
          };
        });
      const bestOf = (methods: typeof perMethod) =>
        methods.filter((m) => m.peft).sort((a, b) => b.accuracy.mean - a.accuracy.mean)[0];
      const best = bestOf(perMethod);
      // The bar: the best PEFT method storing at most 5% of full fine-tuning's bundle.
      const small = bestOf(perMethod.filter((m) => (m.storedOfFullFinetune ?? 1) <= 0.05));
      return [
        set,
        {
          methods: Object.fromEntries(perMethod.map(({ method, ...rest }) => [method, rest])),
          bestPeft: best && {
            method: best.method,
            pointsVsFullFinetune: best.pointsVsFullFinetune,
            storedOfFullFinetune: best.storedOfFullFinetune,
          },
          bestPeftWithin5Percent: small && {
            method: small.method,
            pointsVsFullFinetune: small.pointsVsFullFinetune,
            storedOfFullFinetune: small.storedOfFullFinetune,
          },
        },
      ];
    }),
  );
}

export async function main(argv: readonly string[] = process.argv): Promise<void> {
  const opts = options(argv);
  const engine = await initEngine({});
  const started = performance.now();
  const machine = { ...machineInfo(), backend: engine.backend };
  const sets = await makeBenchSets({
    work: opts.work,
    k: opts.k,
    testPerClass: opts.testPerClass,
    seeds: opts.seeds,
    photoSet: opts.photoSet,
    photoCache: opts.quick ? path.join(opts.work, 'photos') : DEFAULT_PHOTO_CACHE,
    photoCrops: opts.photoCrops,
  });
  const chosen = opts.sets ? sets.filter((s) => opts.sets!.includes(s.name)) : sets;
  if (opts.sets && chosen.length !== opts.sets.length)
    throw new Error(
      `--sets: ${opts.sets.join(',')} must be among ${sets.map((s) => s.name).join(', ')}`,
    );
  const runs: RunRecord[] = [];
  const setup = {
    backbone: `${opts.backbone} (pretrained)`,
    imageSize: opts.size,
    epochs: opts.epochs,
    batch: opts.batch,
    seeds: opts.seeds,
    k: opts.k,
    testPerClass: opts.testPerClass,
    methods: opts.methods.map((m) => ({ name: m.name, ...m.fields })),
    note: "every run is train() with val 0 (all K images train; no choice on held-out images), cosine schedule, train's default augmentation; accuracy on each set's fixed test images; bytes are the weight files model.json names",
  };
  const resumed = resumedLookup(
    await resumeRuns<RunRecord>(opts.resume, 'peft', settingsOf(setup), (report) =>
      settingsOf(report.setup as Record<string, unknown>),
    ),
    (r) => runKey(r.set, r.method, r.seed),
  );
  const report = () => ({
    benchmark: 'peft',
    quick: opts.quick,
    date: new Date().toISOString(),
    machine: { ...machine, loadAverage1mAtEnd: Number(os.loadavg()[0]!.toFixed(2)) },
    setup,
    sets: chosen.map(({ name, origin }) => ({ name, origin })),
    summary: summarize(summarized(runs), withHalf(opts.methods)),
    runs,
    seconds: (performance.now() - started) / 1000,
  });
  const save = async () => {
    await mkdir(path.dirname(opts.out), { recursive: true });
    await writeFile(opts.out, `${JSON.stringify(report(), null, 2)}\n`);
  };
  for (const seed of opts.seeds)
    for (const set of chosen)
      for (const method of opts.methods) {
        const earlier = resumed(runKey(set.name, method.name, seed));
        if (earlier) log(`== ${runKey(set.name, method.name, seed)}: taken from --resume`);
        const run = earlier ?? (await runOne(opts, set, method, seed));
        if (method.peft && !run.float16) {
          run.float16 = await halfPrecisionDelta(
            path.join(run.out, 'bundle'),
            path.join(run.out, 'delta-fp16'),
            set.data[seed]!,
          );
          log(
            `${runKey(set.name, method.name, seed)} as float16: accuracy ${run.float16.accuracy.toFixed(4)} (float32 ${run.accuracy.toFixed(4)}), ${run.float16.storedBytes} bytes`,
          );
        }
        runs.push(run);
        await save();
      }
  await save();
  const svgFile = `${opts.out.replace(/\.json$/, '')}.svg`;
  await writeFile(svgFile, await renderSvg(plotSpec(summarized(runs), withHalf(opts.methods))));
  console.log(JSON.stringify({ ...report(), runs: undefined }, null, 2));
  log(`written to ${opts.out} and ${svgFile}`);
}

function plotSpec(runs: RunRecord[], methods: BenchMethod[]) {
  const summary = summarize(runs, methods);
  const points = Object.entries(summary).flatMap(([set, s]) =>
    Object.entries(s.methods).map(([method, m]) => ({
      set,
      method,
      storedBytes: m.storedBytes,
      accuracy: m.accuracy.mean,
      std: m.accuracy.std,
    })),
  );
  return accuracyVsBytesSpec(
    points,
    methods.map((m) => m.name),
    Object.keys(summary),
  );
}

await runAsScript(import.meta.url, () => main());
