// Compression benchmark on the classification demo task (Fashion-MNIST, K labelled images per
// class, 64 px): a fine-tuned mobilenet_v2 teacher; the width-0.35 MobileNetV2 student trained on
// labels only, with distillation, and with distillation plus unlabelled images, over seeds at the
// same budget; structured channel pruning of the teacher at 30% and 50% and magnitude pruning at
// 50%, fine-tuned against the unpruned teacher; uint8 and float16 storage of the teacher and the best student; then one
// `compare` table (parameters, size on disk, throughput, accuracy) on the same test images.
// Prints JSON. Long (about half an hour on 2 cores): run it outside tests.
// Usage: node --import tsx bench/compress/run.ts [--seeds 0,1,2] [--k 100] [--test-per-class 200]
//        [--epochs 10] [--prune-epochs 10] [--unlabeled 5000] [--out runs/bench-compress]
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { openSource } from '../../src/data/sources/open.js';
import { engineInfo, initEngine } from '../../src/engine/index.js';
import { resolveTrainConfig } from '../../src/methods/classification/config.js';
import { chooseSplits } from '../../src/methods/classification/splits.js';
import { train } from '../../src/methods/classification/train.js';
import { compareBundles } from '../../src/methods/compress/compare.js';
import { resolveDistillConfig } from '../../src/methods/compress/distill/config.js';
import { distill } from '../../src/methods/compress/distill/distill.js';
import { resolvePruneConfig } from '../../src/methods/compress/prune/config.js';
import { prune } from '../../src/methods/compress/prune/prune.js';
import { quantizeBundle } from '../../src/methods/compress/quantize/index.js';
import { machineInfo } from '../machine.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : fallback;
}
const seeds = arg('seeds', '0,1,2').split(',').map(Number);
const k = Number(arg('k', '100'));
const testPerClass = Number(arg('test-per-class', '200'));
const epochs = Number(arg('epochs', '10'));
const pruneEpochs = Number(arg('prune-epochs', '10'));
const unlabeled = Number(arg('unlabeled', '5000'));
const out = arg('out', 'runs/bench-compress');
const imageSize = 64;
const data = 'fashion-mnist';
const common = { data, labelsPerClass: k, testPerClass, batch: 32 };
const log = (line: string) => process.stderr.write(`${line}\n`);

await initEngine({});
const started = performance.now();

// Teacher: the demo's fine-tuning recipe (all blocks, BatchNorm frozen) at seed 0.
log('== teacher');
const teacher = await train(
  resolveTrainConfig({
    ...common,
    backbone: 'mobilenet_v2',
    strategy: 'finetune',
    imageSize,
    epochs,
    seed: 0,
    out: path.join(out, 'teacher'),
  }),
  { log },
);

// Students: same architecture, data, epochs and steps; only the loss (and unlabelled images) differ.
const variants = {
  'labels-only': { alpha: 0 },
  distill: { alpha: 0.9 },
  'distill+unlabeled': { alpha: 0.9, unlabeled: data, unlabeledLimit: unlabeled },
} as const;
const students: Record<
  string,
  { seed: number; accuracy: number; seconds: number; bundle: string }[]
> = {};
let studentParameters = 0;
for (const [name, variant] of Object.entries(variants)) {
  students[name] = [];
  for (const seed of seeds) {
    log(`== student ${name} seed ${seed}`);
    const r = await distill(
      resolveDistillConfig({
        ...common,
        ...variant,
        teacher: teacher.bundleDir,
        student: 'mobilenet_v2_035',
        epochs,
        seed,
        out: path.join(out, `student-${name}-${seed}`),
      }),
      { log },
    );
    studentParameters = r.studentParameters;
    students[name].push({
      seed,
      accuracy: r.metrics.accuracy,
      seconds: r.seconds,
      bundle: r.bundleDir,
    });
  }
}
const stats = (xs: number[]) => {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const std = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, xs.length - 1));
  return { mean, std };
};
const studentSummary = Object.fromEntries(
  Object.entries(students).map(([name, runs]) => [name, stats(runs.map((r) => r.accuracy))]),
);

// Pruning the teacher, each fine-tuned for the same number of epochs.
const pruneRuns: Record<string, unknown>[] = [];
const pruned: string[] = [];
for (const [method, amount] of [
  ['channels', 0.3],
  ['channels', 0.5],
  ['magnitude', 0.5],
] as const) {
  log(`== prune ${method} ${amount}`);
  const r = await prune(
    resolvePruneConfig({
      ...common,
      model: teacher.bundleDir,
      method,
      amount,
      // Recovery as the students learn: the unpruned teacher's soft targets, unlabelled images.
      distill: true,
      unlabeled: data,
      unlabeledLimit: unlabeled,
      epochs: pruneEpochs,
      seed: 0,
      out: path.join(out, `prune-${method}-${amount}`),
    }),
    { log },
  );
  pruned.push(r.bundleDir);
  pruneRuns.push({
    method,
    amount,
    parametersBefore: r.parametersBefore,
    parametersAfter: r.parameters,
    sparsity: r.sparsity,
    accuracy: r.accuracy,
    seconds: r.seconds,
  });
}

// Storage quantization of the teacher and of the best student (highest accuracy of any run).
const best = Object.values(students)
  .flat()
  .reduce((a, b) => (b.accuracy > a.accuracy ? b : a));
const quantized: string[] = [];
for (const [name, dir] of [
  ['teacher', teacher.bundleDir],
  ['student', best.bundle],
] as const) {
  for (const [dtype, rounding, scope] of [
    ['uint8', 'stochastic', 'kernels'],
    ['uint8', 'nearest', 'kernels'],
    ['uint8', 'stochastic', 'all'],
    ['float16', undefined, 'kernels'],
  ] as const) {
    const target = path.join(
      out,
      `quantized-${name}-${dtype}${rounding ? `-${rounding}` : ''}${scope === 'all' ? '-all' : ''}`,
    );
    await quantizeBundle(dir, target, { dtype, rounding, scope });
    quantized.push(target);
  }
}

// One table: every bundle on the teacher's (seed 0) test images, throughput on this engine.
log('== compare');
const source = await openSource(data);
const testSamples = chooseSplits(source, { val: 0.2, ...common, seed: 0 }).test;
const bundles = [teacher.bundleDir, ...pruned, best.bundle, ...quantized];
const rows = await compareBundles(bundles, source, testSamples, { batch: 32, runs: 9 });

const result = {
  benchmark: 'compress',
  date: new Date().toISOString(),
  machine: { ...machineInfo(), engine: engineInfo()?.backend, threads: engineInfo()?.threads },
  command: `node --import tsx bench/compress/run.ts --seeds ${seeds.join(',')} --k ${k} --test-per-class ${testPerClass} --epochs ${epochs} --prune-epochs ${pruneEpochs} --unlabeled ${unlabeled}`,
  setup: {
    data,
    labelsPerClass: k,
    testPerClass,
    imageSize,
    epochs,
    pruneEpochs,
    teacher: 'mobilenet_v2 (nsfwjs weights), fine-tuned, BatchNorm frozen, seed 0',
    student: 'mobilenet_v2_035 from scratch',
    distillation: 'T 4, alpha 0.9',
    unlabeledImages: unlabeled,
  },
  teacher: { accuracy: teacher.metrics.accuracy, seconds: teacher.seconds },
  students,
  studentSummary,
  studentParameters,
  pruning: pruneRuns,
  compare: rows.map(({ compression: _c, ...row }) => row),
  seconds: (performance.now() - started) / 1000,
};
await fs.mkdir(out, { recursive: true });
console.log(JSON.stringify(result, null, 2));
