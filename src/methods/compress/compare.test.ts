import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { loadBundle, type NewBundleMeta, saveBundle } from '../../bundle/bundle.js';
import { evaluateBundle } from '../../bundle/evaluate.js';
import type { DataSource, Sample } from '../../data/types.js';
import { VisiontuneError } from '../../errors.js';
import {
  bundleDiskBytes,
  compareBundles,
  limitPerClass,
  measureThroughput,
  median,
  weightStorageDtype,
} from './compare.js';
import { bundleNames, describeCompression, formatCompareTable } from './compare-format.js';

await tf.setBackend('cpu');
tf.env().set('PROD', true);

const SIZE = 8;

function tinyNet(): tf.LayersModel {
  const input = tf.input({ shape: [SIZE, SIZE, 3] });
  const conv = tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same' }).apply(input);
  const pooled = tf.layers.globalAveragePooling2d({}).apply(conv);
  const out = tf.layers.dense({ units: 2 }).apply(pooled) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out });
}

/** Zeroes the first half of every kernel (exactly half: both kernels have an even size). */
function zeroHalfKernels(model: tf.LayersModel): void {
  model.setWeights(
    model.weights.map((w) => {
      const v = w.read();
      if (!/kernel$/.test(w.originalName)) return v.clone();
      const values = Float32Array.from(v.dataSync());
      values.fill(0, 0, values.length / 2);
      return tf.tensor(values, v.shape);
    }),
  );
}

const meta = (labels: string[], extra: Pick<NewBundleMeta, 'compression'> = {}): NewBundleMeta => ({
  task: 'classification',
  labels,
  preprocessing: {
    inputSize: SIZE,
    mean: [0.5, 0.5, 0.5],
    std: [0.5, 0.5, 0.5],
    interpolation: 'bilinear',
    cropPct: 1,
  },
  backbone: { name: 'tiny' },
  training: {},
  metrics: {},
  ...extra,
});

/** Twelve in-memory images, six per class, with class-dependent brightness. */
function memorySource(): { source: DataSource; samples: Sample[] } {
  const samples = Array.from({ length: 12 }, (_, i) => ({ id: `mem:${i}`, label: i % 2 }));
  const source: DataSource = {
    name: 'memory',
    classes: ['dark', 'light'],
    splits: { test: samples },
    async read(sample) {
      const i = Number(sample.id.slice(4));
      const data = new Uint8Array(SIZE * SIZE * 3).map(
        (_, k) => (i % 2 ? 200 : 40) + ((k * 7 + i) % 50),
      );
      return { data, width: SIZE, height: SIZE };
    },
    contentKey: (s) => s.id,
  };
  return { source, samples };
}

let work: string;
let dense: string;
let pruned: string;
before(async () => {
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'vt-compare-'));
  dense = path.join(work, 'dense');
  pruned = path.join(work, 'pruned');
  const model = tinyNet();
  await saveBundle(dense, model, meta(['dark', 'light']));
  zeroHalfKernels(model);
  await saveBundle(
    pruned,
    model,
    meta(['light', 'dark'], {
      compression: [{ kind: 'prune-magnitude', from: dense, details: { sparsity: 0.5 } }],
    }),
  );
});
after(() => fs.rm(work, { recursive: true, force: true }));

/** Bytes of every file under `dir`, summed with fs.stat independently of the code under test. */
async function statSum(dir: string): Promise<number> {
  const files = (await fs.readdir(dir, { recursive: true })) as string[];
  let sum = 0;
  for (const f of files) {
    const s = await fs.stat(path.join(dir, f));
    if (s.isFile()) sum += s.size;
  }
  return sum;
}

test('compareBundles: params, sparsity, bytes, dtype and accuracy per bundle', async () => {
  const { source, samples } = memorySource();
  const rows = await compareBundles([dense, pruned], source, samples, {
    batch: 4,
    runs: 3,
    warmup: 1,
  });
  assert.deepEqual(
    rows.map((r) => r.name),
    ['dense', 'pruned'],
  );
  const kernels = 3 * 3 * 3 * 4 + 4 * 2;
  const params = kernels + 4 + 2;
  for (const r of rows) {
    assert.equal(r.params, params);
    assert.equal(r.kernelParams, kernels);
    assert.equal(r.weightDtype, 'float32');
    assert.equal(r.inputSize, SIZE);
    assert.equal(r.evaluated, samples.length);
    assert.equal(r.diskBytes, await statSum(r.bundle));
    const json = JSON.parse(await fs.readFile(path.join(r.bundle, 'model.json'), 'utf8'));
    const weightFile = json.weightsManifest[0].paths[0];
    assert.equal(r.weightsBytes, (await fs.stat(path.join(r.bundle, weightFile))).size);
    assert.equal(r.weightsBytes, params * 4, 'float32 weights: 4 bytes each');
    // Accuracy is exactly what evaluateBundle gives on the same samples.
    const bundle = await loadBundle(r.bundle);
    const m = await evaluateBundle(bundle, source, samples, { batchSize: 4 });
    bundle.model.dispose();
    assert.equal(r.accuracy, m.accuracy);
    assert.equal(r.macroF1, m.macroF1);
    assert.ok(r.throughput.imagesPerSecond > 0);
    assert.equal(r.throughput.runMs.length, 3);
  }
  assert.equal(rows[0].sparsity, 0);
  assert.equal(rows[0].nonzeroParams, params);
  assert.equal(rows[0].compressionText, '—');
  assert.equal(rows[1].zeroKernelParams, kernels / 2);
  assert.equal(rows[1].sparsity, 0.5);
  assert.equal(rows[1].nonzeroParams, params - kernels / 2);
  assert.equal(rows[1].compressionText, `prune-magnitude sparsity 50.0% ← ${dense}`);
  const table = formatCompareTable(rows).split('\n');
  assert.equal(table.length, 3);
  assert.match(table[2], /^pruned\s+122\s+64\s+50\.0%/);
});

test('measureThroughput: warm-up excluded, the median of the timed runs', async () => {
  const model = tinyNet();
  const tensors = tf.memory().numTensors;
  const t = await measureThroughput(model, SIZE, { batch: 5, runs: 4, warmup: 2 });
  assert.equal(tf.memory().numTensors, tensors, 'input and outputs disposed');
  model.dispose();
  assert.equal(t.runMs.length, 4);
  const sorted = [...t.runMs].sort((a, b) => a - b);
  assert.equal(t.medianMs, (sorted[1] + sorted[2]) / 2);
  assert.equal(t.imagesPerSecond, (5 * 1000) / t.medianMs);
  assert.ok(t.imagesPerSecond > 0);
  assert.ok(t.minImagesPerSecond <= t.imagesPerSecond && t.imagesPerSecond <= t.maxImagesPerSecond);
  assert.equal(median([3, 1, 2]), 2);
});

test('bundleDiskBytes and weightStorageDtype read the folder and its manifest', async () => {
  const dir = path.join(work, 'manual');
  await fs.mkdir(path.join(dir, 'extra'), { recursive: true });
  const manifest = {
    modelTopology: {},
    weightsManifest: [
      {
        paths: ['w.bin'],
        weights: [
          {
            name: 'k',
            shape: [10, 10],
            dtype: 'float32',
            quantization: { dtype: 'uint8', min: 0, scale: 1 },
          },
          { name: 'b', shape: [10], dtype: 'float32' },
        ],
      },
    ],
  };
  await fs.writeFile(path.join(dir, 'model.json'), JSON.stringify(manifest));
  await fs.writeFile(path.join(dir, 'w.bin'), Buffer.alloc(140));
  await fs.writeFile(path.join(dir, 'extra', 'notes.txt'), 'hello');
  const bytes = await bundleDiskBytes(dir);
  assert.deepEqual(bytes, { total: await statSum(dir), weights: 140 });
  assert.equal(await weightStorageDtype(dir), 'uint8+float32');
  manifest.weightsManifest[0].weights.pop();
  await fs.writeFile(path.join(dir, 'model.json'), JSON.stringify(manifest));
  assert.equal(await weightStorageDtype(dir), 'uint8');
});

async function rejectsWith(p: Promise<unknown>, exitCode: number, pattern: RegExp) {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof VisiontuneError, String(err));
    assert.equal(err.exitCode, exitCode);
    assert.match(`${err.message}\n${err.details.join('\n')}`, pattern);
    return true;
  });
}

test('different label sets, non-classifiers and missing folders are refused by name', async () => {
  const { source, samples } = memorySource();
  const other = path.join(work, 'other');
  await saveBundle(other, tinyNet(), meta(['cat', 'dog']));
  await rejectsWith(
    compareBundles([dense, other], source, samples),
    2,
    /different label sets.*dense.*other[\s\S]*has cat, dog; lacks dark, light/,
  );
  const embedding = path.join(work, 'embedding');
  await saveBundle(embedding, tinyNet(), { ...meta([]), task: 'embedding' });
  await rejectsWith(compareBundles([dense, embedding], source, samples), 2, /embedding bundle/);
  const missing = path.join(work, 'nope');
  await rejectsWith(
    compareBundles([dense, missing], source, samples),
    2,
    /nope: no such bundle folder/,
  );
});

test('limitPerClass: a seeded cap per class, in source order', () => {
  const samples = Array.from({ length: 30 }, (_, i) => ({ id: `s${i}`, label: i % 3 }));
  samples.push({ id: 'unlabelled', label: -1 });
  const a = limitPerClass(samples, 4, 1);
  assert.equal(a.length, 12);
  for (const c of [0, 1, 2]) assert.equal(a.filter((s) => s.label === c).length, 4);
  assert.deepEqual(limitPerClass(samples, 4, 1), a, 'same seed, same subset');
  assert.notDeepEqual(limitPerClass(samples, 4, 2), a);
  const order = a.map((s) => Number(s.id.slice(1)));
  assert.deepEqual(
    order,
    [...order].sort((x, y) => x - y),
  );
  assert.equal(limitPerClass(samples, 100).length, 30);
});

test('names and compression histories in words', () => {
  assert.deepEqual(bundleNames(['runs/a', 'runs/b/']), ['a', 'b']);
  assert.deepEqual(bundleNames(['x/model', 'y/model']), ['x/model', 'y/model']);
  assert.equal(
    describeCompression([
      {
        kind: 'distill',
        from: 'runs/teacher',
        details: { student: 'tiny', temperature: 4, alpha: 1 },
      },
      { kind: 'quantize', from: 'runs/student', details: { dtype: 'uint8' } },
    ]),
    'distill student tiny temperature 4 ← runs/teacher; quantize uint8 ← runs/student',
  );
});
