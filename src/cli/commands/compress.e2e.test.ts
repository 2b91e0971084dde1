// `visiontune compress distill|prune` end to end: real processes on a small saved teacher and a
// real image folder (train and test splits); the outputs are ordinary bundles that load, carry
// their compression step, and are smaller or sparser as asked; bad input exits 2 naming it.
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { loadBundle, saveBundle } from '../../bundle/bundle.js';
import { BLUE, GREEN, RED, solidJpeg } from '../../data/test-fixtures.js';
import { prunableWeights } from '../../methods/compress/prune/magnitude.js';
import { runCli } from '../run-cli.js';

await tf.setBackend('cpu');
tf.env().set('PROD', true);

/** conv -> BN -> ReLU -> conv -> BN -> ReLU -> GAP -> dense: prunable channels on both convs. */
function teacherNet(classes: number): tf.LayersModel {
  const input = tf.input({ shape: [32, 32, 3] });
  let x = input as tf.SymbolicTensor;
  for (const [i, filters] of [16, 32].entries()) {
    x = tf.layers
      .conv2d({ filters, kernelSize: 3, strides: 2, padding: 'same', name: `conv${i}` })
      .apply(x) as tf.SymbolicTensor;
    x = tf.layers.batchNormalization({ name: `bn${i}` }).apply(x) as tf.SymbolicTensor;
    x = tf.layers.reLU({ name: `relu${i}` }).apply(x) as tf.SymbolicTensor;
  }
  x = tf.layers.globalAveragePooling2d({ name: 'pool' }).apply(x) as tf.SymbolicTensor;
  const out = tf.layers.dense({ units: classes, name: 'head' }).apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out });
}

let work: string;
let images: string;
let teacher: string;
before(async () => {
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'vt-cli-compress-'));
  images = path.join(work, 'images');
  for (const [split, n] of [
    ['train', 6],
    ['test', 2],
  ] as const) {
    for (const [name, rgb] of [
      ['blue', BLUE],
      ['green', GREEN],
      ['red', RED],
    ] as const) {
      await fs.mkdir(path.join(images, split, name), { recursive: true });
      for (let i = 0; i < n; i++)
        await fs.writeFile(
          path.join(images, split, name, `${i}.jpg`),
          await solidJpeg(rgb, 24 + 4 * i),
        );
    }
  }
  teacher = path.join(work, 'teacher');
  await saveBundle(teacher, teacherNet(3), {
    task: 'classification',
    // Not the folder's (alphabetical) order: the student must keep the teacher's.
    labels: ['red', 'green', 'blue'],
    preprocessing: {
      inputSize: 32,
      mean: [0.5, 0.5, 0.5],
      std: [0.5, 0.5, 0.5],
      interpolation: 'bilinear',
      cropPct: 1,
    },
    backbone: { name: 'tiny' },
    training: {},
    metrics: {},
  });
});
after(() => fs.rm(work, { recursive: true, force: true }));

const FAST = ['--epochs', '1', '--batch', '4', '--val', '0.2'];

test('compress distill: a student bundle in the teacher label order, with a hint and unlabeled images', async () => {
  const out = path.join(work, 'distilled');
  const r = await runCli([
    'compress',
    'distill',
    '--teacher',
    teacher,
    '--student',
    'mobilenet_v2_035',
    '--data',
    images,
    '--unlabeled',
    images,
    // Training images beyond these 3 per class are the unlabeled pool.
    '--labels-per-class',
    '3',
    '--hint-teacher',
    'relu1',
    '--hint-student',
    'block_6_expand_relu',
    '--out',
    out,
    ...FAST,
    '--json',
  ]);
  assert.equal(r.code, 0, r.stderr);
  const result = JSON.parse(r.stdout);
  assert.equal(result.splits.test, 6);
  assert.ok(result.splits.unlabeled > 0, 'unused training images feed the distillation term');
  const student = await loadBundle(result.bundle);
  assert.deepEqual(student.meta.labels, ['red', 'green', 'blue']);
  assert.equal(student.model.countParams(), result.studentParameters);
  assert.equal(student.model.outputs.length, 1, 'the hint adapter is not part of the bundle');
  const step = student.meta.compression?.[0];
  assert.equal(step?.kind, 'distill');
  assert.equal(step?.from, teacher);
  await fs.access(path.join(out, 'report.html'));
});

test('compress prune --method channels --distill: a physically smaller bundle that loads', async () => {
  const r = await runCli([
    'compress',
    'prune',
    '--model',
    teacher,
    '--data',
    images,
    '--method',
    'channels',
    '--amount',
    '0.5',
    // The unpruned model teaches its pruned copy, on the unused training images too.
    '--distill',
    '--unlabeled',
    images,
    '--labels-per-class',
    '3',
    '--out',
    path.join(work, 'channels'),
    ...FAST,
    '--json',
  ]);
  assert.equal(r.code, 0, r.stderr);
  const result = JSON.parse(r.stdout);
  const pruned = await loadBundle(result.bundle);
  const conv = (name: string) => pruned.model.getLayer(name).getWeights()[0].shape;
  assert.deepEqual(conv('conv0'), [3, 3, 3, 8]);
  assert.deepEqual(conv('conv1'), [3, 3, 8, 16]);
  assert.deepEqual(conv('head'), [16, 3]);
  assert.equal(pruned.model.countParams(), result.parametersAfter);
  assert.ok(result.parametersAfter < result.parametersBefore);
  const step = pruned.meta.compression?.at(-1);
  assert.equal(step?.kind, 'prune-channels');
  assert.equal((step?.details.distill as { unlabeled: number } | undefined)?.unlabeled, 6);
});

test('compress prune --method magnitude: the saved kernels are as sparse as asked', async () => {
  const r = await runCli([
    'compress',
    'prune',
    '--model',
    teacher,
    '--data',
    images,
    '--method',
    'magnitude',
    '--amount',
    '0.6',
    '--out',
    path.join(work, 'magnitude'),
    ...FAST,
    '--json',
  ]);
  assert.equal(r.code, 0, r.stderr);
  const result = JSON.parse(r.stdout);
  const pruned = await loadBundle(result.bundle);
  let size = 0;
  let zeros = 0;
  for (const w of prunableWeights(pruned.model)) {
    for (const v of w.variable.read().dataSync()) {
      size++;
      if (v === 0) zeros++;
    }
  }
  assert.equal(zeros, Math.floor(0.6 * size));
  assert.ok(Math.abs(result.sparsity - 0.6) < 1e-3);
});

test('compress: bad input and usage exit 2 naming the problem', async () => {
  const cases: [string[], RegExp][] = [
    [['distill', '--teacher', images, '--data', images], /visiontune\.json is missing/],
    [
      ['distill', '--teacher', teacher, '--data', images, '--hint-teacher', 'relu1'],
      /needs both hintTeacher and hintStudent/,
    ],
    [
      [
        'distill',
        '--teacher',
        teacher,
        '--data',
        images,
        '--hint-teacher',
        'nope',
        '--hint-student',
        'Conv1',
      ],
      /--hint-teacher: .* has no layer 'nope'/,
    ],
    [['prune', '--model', teacher, '--data', images, '--amount', '1.5'], /amount/],
    [['prune', '--model', teacher, '--data', path.join(work, 'missing')], /Data not found/],
  ];
  for (const [args, message] of cases) {
    const r = await runCli(['compress', ...args, '--out', path.join(work, 'bad'), ...FAST]);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message);
  }
});

test('compress: data with a class the teacher does not know is bad input', async () => {
  const other = path.join(work, 'other');
  await fs.mkdir(path.join(other, 'train', 'cat'), { recursive: true });
  await fs.mkdir(path.join(other, 'train', 'red'), { recursive: true });
  for (const cls of ['cat', 'red'])
    for (let i = 0; i < 3; i++)
      await fs.writeFile(path.join(other, 'train', cls, `${i}.jpg`), await solidJpeg(RED, 24));
  const r = await runCli(['compress', 'prune', '--model', teacher, '--data', other, ...FAST]);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /unknown: cat/);
});
