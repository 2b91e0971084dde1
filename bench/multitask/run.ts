// Multi-task benchmark (issue 27): does one backbone trained for several tasks at once match the
// single-task networks, with fewer parameters and one forward pass?
// - shared-image set (make-set.ts: photo crops with digits and garments, each image carrying
//   image labels, boxes and masks): a multi-label, a detection and a segmentation network, each
//   trained alone, against ONE three-task network trained with each weighting (equal, uncertainty,
//   DWA, equal + PCGrad by default). Every run is the same `trainMultiTask` pipeline — heads,
//   epochs, batch, augmentation and training images per task alike (the hold-out is seeded by
//   image, so every run holds out the same images) — and is scored on the same test images
//   (the test set's files as each task's testData). Why these tasks (probes on this set, 400
//   images, mobilenet_v2): a 20-class detector learned nothing in 10 epochs (AP 0.003), so boxes
//   and masks are labelled by kind (digit or garment); the single-label image task (class of the
//   largest object) stayed at chance with BatchNorm frozen (loss 2.94 after 4 epochs, ln 20 =
//   3.0), which FCOS needs (with BatchNorm training it stalled: AP 0.002 after 2 epochs), so the
//   image-level task is multi-label: which of the 20 classes are in the image (mAP);
// - a two-dataset classification pair (Fashion-MNIST + MNIST, K labelled images per class,
//   pair-set.ts): one two-head network against the two single-task networks, each weighting,
//   several seeds;
// - per group, parameters and inference time for all tasks together: the multi-task network's
//   one pass on a batch against the sum of the single-task networks' passes (inference.ts).
// Per run: each task's headline metrics on the test images, parameters, wall time. Prints JSON and
// writes it to --out after every run (a run cut short keeps what finished).
//
// Usage: node --import tsx bench/multitask/run.ts [--quick] [--parts shared,pair]
//   [--train 400] [--test 160] [--size 96] [--epochs 10] [--batch 16] [--lr 1e-3]
//   [--channels 32] [--bottleneck 32] [--dense-labels kinds|classes] [--image-labels tags|largest]
//   [--backbone mobilenet_v2] [--variants equal,uncertainty,dwa,equal+pcgrad] [--seeds 0,1,2]
//   [--pair-k 50] [--pair-test 100] [--pair-size 64] [--pair-epochs 6] [--pair-seeds 0,1,2]
//   [--timing-batch 16] [--reps 10] [--work runs/bench-multitask]
//   [--out bench/results/multitask-<date>.json] [--resume earlier.json[,other.json]]
// --resume takes the runs earlier outputs of the same settings recorded instead of running them
// again (their bundles stay under --work for the timing): a run cut short continues, and
// processes given different --parts or seeds combine.
// --quick: a smoke size (32/16 shared images, K = 4, 1 epoch, 2 pair seeds, 3 timing reps) that
// proves the whole benchmark end to end in about a minute; it writes under --work unless --out is
// given. Processes side by side must share the cores (OMP_NUM_THREADS=1 each on 2 cores): two
// OpenMP pools spinning on the same cores run several times slower than one process at a time.
// Separate processes (`--parts shared`, `--parts pair`, other --seeds and --work) combine with
// --resume.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { loadBundle } from '../../src/bundle/bundle.js';
import { initEngine } from '../../src/engine/index.js';
import type { MultiTaskConfigInput } from '../../src/methods/multitask/config.js';
import { trainMultiTask } from '../../src/methods/multitask/run.js';
import type { TaskSpecInput } from '../../src/methods/multitask/task-spec.js';
import { fitTimer } from '../fit-timer.js';
import { machineInfo } from '../machine.js';
import { resumedLookup, resumeRuns } from '../resume-runs.js';
import { runAsScript } from '../run-as-script.js';
import { compareInference, type InferenceComparison } from './inference.js';
import { makeMultiTaskSet } from './make-set.js';
import { type Options, options, settingsOf, type Variant } from './options.js';
import { makePairSet } from './pair-set.js';
import { mainOf, type RunRecord, runKey, summarize } from './records.js';

const log = (line: string) => process.stderr.write(`${line}\n`);

async function runOne(
  opts: Options,
  group: RunRecord['group'],
  tasks: TaskSpecInput[],
  variant: Variant | undefined,
  seed: number,
  settings: { size: number; epochs: number },
  resumed: (key: string) => RunRecord | undefined,
): Promise<RunRecord> {
  const key = runKey({
    group,
    variant: variant?.name ?? 'single',
    tasks: tasks.map((t) => t.name),
    seed,
  });
  const earlier = resumed(key);
  if (earlier) {
    log(`== ${key}: taken from --resume`);
    return earlier;
  }
  const name = `${group}-${variant?.name.replace('+', '-') ?? `single-${tasks[0]!.name}`}-s${seed}`;
  const out = path.join(opts.work, 'runs', name);
  const config: MultiTaskConfigInput = {
    tasks,
    backbone: opts.backbone,
    strategy: opts.strategy,
    freezeBn: opts.freezeBn,
    backboneLrMult: opts.backboneLrMult,
    imageSize: settings.size,
    epochs: settings.epochs,
    batch: opts.batch,
    lr: opts.lr,
    channels: opts.channels,
    weighting: variant?.weighting ?? 'equal',
    pcgrad: variant?.pcgrad ?? false,
    evalEvery: Math.max(1, Math.floor(settings.epochs / 4)),
    seed,
    out,
  };
  log(`== ${name}`);
  const started = performance.now();
  const timer = fitTimer();
  const result = await trainMultiTask(config, {
    log: (line) => log(`  [${name}] ${line}`),
    callbacks: [timer.callback],
  });
  const seconds = (performance.now() - started) / 1000;
  const bundle = await loadBundle(result.bundleDir);
  const parameters = bundle.model.countParams();
  bundle.model.dispose();
  const metrics = Object.fromEntries(
    tasks.map((t) => [
      t.name,
      Object.fromEntries(
        Object.entries(result.metrics)
          .filter(([key]) => key.startsWith(`${t.name}_`))
          .map(([key, v]) => [key.slice(t.name.length + 1), v]),
      ),
    ]),
  );
  log(
    `${name}: ${tasks.map((t) => `${t.name} ${mainOf(t)} ${metrics[t.name]![mainOf(t)!]?.toFixed(4)}`).join('  ')}  (${seconds.toFixed(0)} s)`,
  );
  return {
    group,
    variant: variant?.name ?? 'single',
    tasks: tasks.map((t) => t.name),
    seed,
    metrics,
    parameters,
    trainImages: result.splits.train,
    seconds,
    fitSeconds: timer.fitSeconds(),
    stepSeconds: timer.stepSeconds,
    out,
  };
}

export async function main(argv: readonly string[] = process.argv): Promise<void> {
  const opts = options(argv);
  const engine = await initEngine({});
  const started = performance.now();
  const runs: RunRecord[] = [];
  const specs: Record<string, TaskSpecInput[]> = {};
  const inference: Record<string, InferenceComparison> = {};
  const data: Record<string, unknown> = {};
  const setup = {
    backbone: opts.backbone,
    strategy: opts.strategy,
    freezeBn: opts.freezeBn,
    backboneLrMult: opts.backboneLrMult,
    batch: opts.batch,
    lr: opts.lr,
    channels: opts.channels,
    bottleneck: opts.bottleneck,
    denseLabels: opts.denseLabels,
    imageLabels: opts.imageLabels,
    variants: opts.variants.map((v) => v.name),
    shared: opts.shared,
    pair: opts.pair,
    timing: opts.timing,
    note: 'every run is trainMultiTask (one task for a single-task network); same epochs, batch, images and test images per task; metrics on the test images',
  };
  const resumed = resumedLookup(
    await resumeRuns<RunRecord>(opts.resume, 'multitask', settingsOf(setup), (report) =>
      settingsOf(report.setup as Record<string, unknown>),
    ),
    runKey,
  );
  const report = () => ({
    benchmark: 'multitask',
    quick: opts.quick,
    date: new Date().toISOString(),
    machine: { ...machineInfo(), backend: engine.backend },
    setup,
    data,
    summary: summarize(runs, specs),
    inference,
    runs,
    seconds: (performance.now() - started) / 1000,
  });
  const save = async () => {
    await mkdir(path.dirname(opts.out), { recursive: true });
    await writeFile(opts.out, `${JSON.stringify(report(), null, 2)}\n`);
  };

  if (opts.parts.includes('shared')) {
    const { train, test, size, epochs, seeds } = opts.shared;
    const trainSet = await makeMultiTaskSet({
      dir: path.join(opts.work, 'shared-train'),
      images: train,
      size,
      seed: 1,
      split: 'train',
    });
    const testSet = await makeMultiTaskSet({
      dir: path.join(opts.work, 'shared-test'),
      images: test,
      size,
      seed: 2,
      split: 'test',
    });
    data.shared = {
      train: { images: trainSet.images, seed: 1, split: 'train' },
      test: { images: testSet.images, seed: 2, split: 'test' },
      size,
      classes: trainSet.classes,
    };
    log(`shared set: ${trainSet.images} train, ${testSet.images} test images at ${size} px`);
    const kinds = opts.denseLabels === 'kinds';
    const boxes = kinds ? 'annotations-kinds.json' : 'annotations.json';
    const masks = kinds ? 'annotations-kinds.json' : '.';
    const tasks: TaskSpecInput[] = [
      {
        name: 'cls',
        ...(opts.imageLabels === 'tags'
          ? { kind: 'multilabel', data: path.join(trainSet.dir, 'labels.csv') }
          : { kind: 'classification', data: path.join(trainSet.dir, 'classes.csv') }),
        testData: path.join(
          testSet.dir,
          opts.imageLabels === 'tags' ? 'labels.csv' : 'classes.csv',
        ),
        // Named, so a test set missing a class still has the training data's classes.
        classes: trainSet.classes,
      },
      {
        name: 'det',
        kind: 'detection',
        data: path.join(trainSet.dir, boxes),
        testData: path.join(testSet.dir, boxes),
      },
      {
        name: 'seg',
        kind: 'segmentation',
        data: path.join(trainSet.dir, masks),
        testData: path.join(testSet.dir, masks),
        bottleneck: opts.bottleneck,
      },
    ];
    specs.shared = tasks;
    for (const seed of seeds) {
      for (const task of tasks) {
        runs.push(await runOne(opts, 'shared', [task], undefined, seed, { size, epochs }, resumed));
        await save();
      }
      for (const variant of opts.variants) {
        runs.push(await runOne(opts, 'shared', tasks, variant, seed, { size, epochs }, resumed));
        await save();
      }
    }
    inference.shared = await timeGroup(opts, runs, 'shared', size);
    await save();
  }

  if (opts.parts.includes('pair')) {
    const { k, testPerClass, size, epochs, seeds } = opts.pair;
    const sets = await makePairSet(path.join(opts.work, 'pair'), { k, testPerClass, seeds });
    data.pair = Object.fromEntries(
      sets.map((s) => [s.source, { k, testImages: s.testImages, classes: s.classes }]),
    );
    log(`pair: ${sets.map((s) => `${s.source} K=${k}, ${s.testImages} test`).join('; ')}`);
    const names = ['fashion', 'mnist'];
    const tasksFor = (seed: number): TaskSpecInput[] =>
      sets.map((s, i) => ({
        name: names[i]!,
        kind: 'classification',
        data: s.train[seed]!,
        testData: s.test,
        classes: s.classes,
      }));
    specs.pair = tasksFor(seeds[0]!);
    for (const seed of seeds) {
      const tasks = tasksFor(seed);
      for (const task of tasks) {
        runs.push(await runOne(opts, 'pair', [task], undefined, seed, { size, epochs }, resumed));
        await save();
      }
      for (const variant of opts.variants) {
        runs.push(await runOne(opts, 'pair', tasks, variant, seed, { size, epochs }, resumed));
        await save();
      }
    }
    inference.pair = await timeGroup(opts, runs, 'pair', size);
  }

  await save();
  console.log(JSON.stringify(report(), null, 2));
  log(`written to ${opts.out}`);
}

/**
 * The group's first multi-task network (its first variant and seed: every variant has the same
 * architecture) against the single-task networks of the same seed.
 */
function timeGroup(opts: Options, runs: RunRecord[], group: RunRecord['group'], size: number) {
  const mine = runs.filter((r) => r.group === group);
  const multi = mine.find((r) => r.variant !== 'single')!;
  const singles = mine.filter((r) => r.variant === 'single' && r.seed === multi.seed);
  return compareInference(multi.out, Object.fromEntries(singles.map((r) => [r.tasks[0]!, r.out])), {
    batch: opts.timing.batch,
    inputSize: size,
    reps: opts.timing.reps,
  });
}

await runAsScript(import.meta.url, () => main());
