// addClasses on real PNG folders: old-class logits bit for bit the same after growing, new
// classes predicted for their own images, the records in visiontune.json, and the bundles that
// cannot be grown (name collision, a bundle that is not a few-shot one).
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { createModel } from '../../../backbones/index.js';
import { type LoadedBundle, loadBundle, saveBundle } from '../../../bundle/bundle.js';
import { createLoader, evalTransform, openFolder } from '../../../data/index.js';
import type { DataSource } from '../../../data/types.js';
import { initEngine } from '../../../engine/index.js';
import { VisiontuneError } from '../../../errors.js';
import { addClasses } from './add.js';
import { fitFewShotClassifier } from './fit.js';
import { makeTempDir, noiseFolder, patternFolder } from './test-folders.js';

let work: string;
let oldSupport: DataSource;
let newSupport: DataSource;
let queries: DataSource;

before(async () => {
  await initEngine({ backend: 'auto' });
  work = await makeTempDir('vt-fewshot-add-');
  oldSupport = await openFolder(await patternFolder(path.join(work, 'old'), ['ant', 'bee'], 3));
  newSupport = await openFolder(await patternFolder(path.join(work, 'new'), ['cat', 'dog'], 2));
  queries = await openFolder(await noiseFolder(path.join(work, 'queries'), ['q'], 4, 9));
});
after(() => fs.rm(work, { recursive: true, force: true }));

/** Logits of every image of every source, in one fixed order. */
async function logits(bundle: LoadedBundle, sources: DataSource[]): Promise<tf.Tensor2D> {
  const p = bundle.meta.preprocessing;
  const rows: tf.Tensor2D[] = [];
  for (const source of sources) {
    const loader = createLoader(source, Object.values(source.splits).flat(), {
      batchSize: 5,
      transform: evalTransform(p, { size: p.inputSize, cropPct: p.cropPct }),
    });
    for await (const batch of loader) {
      rows.push(bundle.model.predict(batch.x) as tf.Tensor2D);
      batch.x.dispose();
    }
  }
  return tf.concat(rows);
}

for (const metric of ['cosine', 'euclidean'] as const) {
  test(`${metric}: adding classes leaves old-class logits identical; new classes win their images`, async () => {
    const first = path.join(work, `fit-${metric}`);
    const grown = path.join(work, `grown-${metric}`);
    await fitFewShotClassifier({
      backbone: 'resnet_tiny',
      imageSize: 32,
      support: oldSupport,
      metric,
      seed: 2,
      finetuneSteps: metric === 'euclidean' ? 5 : 0,
      out: first,
    });
    const result = await addClasses({ bundle: first, support: newSupport, out: grown });
    assert.equal(result.bundleDir, grown);
    assert.deepEqual(result.added, [
      { label: 'cat', shots: 2 },
      { label: 'dog', shots: 2 },
    ]);

    const before = await loadBundle(first);
    const after = await loadBundle(grown);
    assert.deepEqual(after.meta.labels, ['ant', 'bee', 'cat', 'dog']);
    assert.equal(after.meta.fewshot?.metric, metric);
    assert.equal(after.meta.fewshot?.scale, before.meta.fewshot?.scale);
    assert.deepEqual(
      after.meta.fewshot?.classes.map((c) => [c.label, c.shots, c.addedBy, c.finetuned]),
      [
        ['ant', 3, 'fit', metric === 'euclidean'],
        ['bee', 3, 'fit', metric === 'euclidean'],
        ['cat', 2, 'add', false],
        ['dog', 2, 'add', false],
      ],
    );
    assert.deepEqual(after.meta.training, before.meta.training);

    const sources = [oldSupport, newSupport, queries];
    const old = await logits(before, sources);
    const all = await logits(after, sources);
    const oldCols = all.slice([0, 0], [-1, 2]);
    // Bit for bit: the same float32 values, not merely close.
    assert.deepEqual(Array.from(oldCols.dataSync()), Array.from(old.dataSync()));
    // Each new class's own support images go to it (rows 6..9 are cat, cat, dog, dog).
    const top = Array.from(all.argMax(1).dataSync());
    assert.deepEqual(top.slice(6, 10), [2, 2, 3, 3]);
    assert.deepEqual(top.slice(0, 6), [0, 0, 0, 1, 1, 1]);
  });
}

test('a few-shot bundle can be the backbone of another few-shot fit', async () => {
  const first = path.join(work, 'fit-euclidean'); // made by the euclidean test above
  const fit = await fitFewShotClassifier({
    backbone: first,
    support: newSupport,
    metric: 'euclidean',
    seed: 0,
  });
  // Its embedding is the first bundle's standardized features; its own transform gets a free name.
  const names = fit.model.layers.map((l) => l.name);
  assert.ok(names.includes('fewshot_standardize') && names.includes('fewshot_standardize_2'));
  assert.deepEqual(fit.meta.labels, ['cat', 'dog']);
});

/** A cosine bundle of the old classes, saved in `out`. */
const fitOld = (out: string) =>
  fitFewShotClassifier({
    backbone: 'resnet_tiny',
    imageSize: 32,
    support: oldSupport,
    metric: 'cosine',
    seed: 0,
    out,
  });

test('a run folder given: the bundle inside it is grown in place', async () => {
  const run = path.join(work, 'run');
  await fitOld(path.join(run, 'bundle'));
  const grown = await addClasses({ bundle: run, support: newSupport });
  assert.equal(grown.bundleDir, path.join(run, 'bundle'));
  assert.deepEqual((await fs.readdir(run)).sort(), ['bundle']);
  assert.deepEqual((await loadBundle(run)).meta.labels, ['ant', 'bee', 'cat', 'dog']);
});

test('in place by default; a second add grows it again', async () => {
  const dir = path.join(work, 'in-place');
  await fitOld(dir);
  await addClasses({ bundle: dir, support: newSupport });
  const third = await openFolder(await patternFolder(path.join(work, 'third'), ['eel'], 1));
  await addClasses({ bundle: dir, support: third });
  const bundle = await loadBundle(dir);
  assert.deepEqual(bundle.meta.labels, ['ant', 'bee', 'cat', 'dog', 'eel']);
  assert.deepEqual(
    bundle.meta.fewshot?.classes.map((c) => c.addedBy),
    ['fit', 'fit', 'add', 'add', 'add'],
  );
  // No staging or retired folders left beside it.
  const siblings = (await fs.readdir(work)).filter((n) => n.startsWith('in-place'));
  assert.deepEqual(siblings, ['in-place']);
});

test('a class name already in the bundle is bad input naming it; nothing is written', async () => {
  const dir = path.join(work, 'collide');
  await fitFewShotClassifier({
    backbone: 'resnet_tiny',
    imageSize: 32,
    support: oldSupport,
    metric: 'euclidean',
    seed: 0,
    out: dir,
  });
  const clash = await openFolder(await patternFolder(path.join(work, 'clash'), ['bee', 'fox'], 1));
  const stamp = (await fs.stat(path.join(dir, 'visiontune.json'))).mtimeMs;
  await assert.rejects(
    addClasses({ bundle: dir, support: clash }),
    (err: VisiontuneError) =>
      err instanceof VisiontuneError &&
      err.exitCode === 2 &&
      /'bee'/.test(err.message) &&
      !/'fox'/.test(err.message),
  );
  assert.equal((await fs.stat(path.join(dir, 'visiontune.json'))).mtimeMs, stamp);
});

test('a bundle that is not a few-shot bundle says what it is; it still works as a backbone', async () => {
  const { model, config } = await createModel('resnet_tiny', {
    numClasses: 3,
    inputSize: 32,
    seed: 1,
  });
  const dir = path.join(work, 'linear');
  await saveBundle(dir, model, {
    task: 'classification',
    labels: ['x', 'y', 'z'],
    preprocessing: { ...config, cropPct: 0.875 },
    backbone: { name: 'resnet_tiny', embeddingDim: config.embeddingDim },
    training: { strategy: 'linear' },
    metrics: {},
  });
  await assert.rejects(
    addClasses({ bundle: dir, support: newSupport }),
    (err: VisiontuneError) =>
      err.exitCode === 2 &&
      /not a few-shot/.test(err.message) &&
      /classification bundle trained with 'linear'/.test(err.message),
  );
  // The bundle's model up to its head is the embedding.
  const fit = await fitFewShotClassifier({
    backbone: dir,
    support: oldSupport,
    metric: 'cosine',
    seed: 0,
  });
  assert.equal(fit.meta.backbone.embeddingDim, config.embeddingDim);
  assert.deepEqual(fit.meta.preprocessing, (await loadBundle(dir)).meta.preprocessing);
  assert.equal(fit.meta.preprocessing.inputSize, 32);
  await assert.rejects(
    fitFewShotClassifier({
      backbone: dir,
      support: oldSupport,
      metric: 'cosine',
      seed: 0,
      imageSize: 64,
    }),
    (err: VisiontuneError) => err.exitCode === 2 && /32 px/.test(err.message),
  );
});
