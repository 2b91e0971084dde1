// fitFewShotClassifier on real PNG folders: the saved bundle's logits against a float64 reference
// computed from its own pooled embeddings by the definitions, the fine-tune keeping the head a
// prototype head, and bad support sets failing as bad input that names the problem.
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { loadBundle } from '../../../bundle/bundle.js';
import type { Preprocessing } from '../../../bundle/meta.js';
import { createLoader, evalTransform, openFolder } from '../../../data/index.js';
import type { DataSource } from '../../../data/types.js';
import { initEngine } from '../../../engine/index.js';
import { VisiontuneError } from '../../../errors.js';
import { fitFewShotClassifier } from './fit.js';
import type { FewShotMetric } from './prototypes.js';
import { makeTempDir, noiseFolder, patternFolder } from './test-folders.js';

let work: string;
let support: DataSource;
let queries: DataSource;

before(async () => {
  await initEngine({ backend: 'auto' });
  work = await makeTempDir('vt-fewshot-fit-');
  support = await openFolder(await noiseFolder(path.join(work, 'support'), ['a', 'b', 'c'], 3, 1));
  queries = await openFolder(await noiseFolder(path.join(work, 'queries'), ['q'], 5, 2));
});
after(() => fs.rm(work, { recursive: true, force: true }));

/** Rows of the model's logits and of its pooled backbone embedding, for every sample of `source`. */
async function run(model: tf.LayersModel, p: Preprocessing, source: DataSource) {
  const pool = tf.model({ inputs: model.inputs, outputs: model.getLayer('pool').output });
  const samples = Object.values(source.splits).flat();
  const loader = createLoader(source, samples, {
    batchSize: 4,
    transform: evalTransform(p, { size: p.inputSize, cropPct: p.cropPct }),
  });
  const logits: number[][] = [];
  const pooled: number[][] = [];
  const labels: number[] = [];
  for await (const batch of loader) {
    logits.push(...((model.predict(batch.x) as tf.Tensor2D).arraySync() as number[][]));
    pooled.push(...((pool.predict(batch.x) as tf.Tensor2D).arraySync() as number[][]));
    labels.push(...batch.labels);
    batch.x.dispose();
  }
  return { logits, pooled, labels };
}

const mean = (rows: number[][]) =>
  rows[0]!.map((_, j) => rows.reduce((a, r) => a + r[j]!, 0) / rows.length);
const dot = (a: number[], b: number[]) => a.reduce((s, v, j) => s + v * b[j]!, 0);
const unit = (a: number[]) => a.map((v) => v / Math.sqrt(dot(a, a)));

/** The definitions in float64: what each metric's logits should be for query embedding e. */
function referenceLogits(metric: FewShotMetric, supportRows: number[][], labels: number[]) {
  const classes = Math.max(...labels) + 1;
  const dim = supportRows[0]!.length;
  if (metric === 'cosine') {
    const protos = Array.from({ length: classes }, (_, c) =>
      unit(mean(supportRows.filter((_, i) => labels[i] === c).map(unit))),
    );
    return (e: number[]) => protos.map((mu) => 10 * dot(unit(e), mu));
  }
  const m = mean(supportRows);
  const variance = m.map((mj, j) => mean(supportRows.map((r) => [(r[j]! - mj) ** 2]))[0]!);
  const floor = 0.1 * Math.sqrt(variance.reduce((a, v) => a + v, 0) / dim);
  const s = variance.map((v) => Math.max(Math.sqrt(v), floor));
  const z = (e: number[]) => e.map((v, j) => (v - m[j]!) / s[j]!);
  const protos = Array.from({ length: classes }, (_, c) =>
    mean(supportRows.filter((_, i) => labels[i] === c).map(z)),
  );
  return (e: number[]) => protos.map((mu) => (10 / dim) * (2 * dot(z(e), mu) - dot(mu, mu)));
}

for (const metric of ['cosine', 'euclidean'] as const) {
  test(`${metric}: saved bundle logits equal the float64 reference from its embeddings`, async () => {
    const out = path.join(work, `bundle-${metric}`);
    const fit = await fitFewShotClassifier({
      backbone: 'resnet_tiny',
      imageSize: 32,
      support,
      metric,
      seed: 3,
      out,
    });
    assert.deepEqual(fit.added, [
      { label: 'a', shots: 3 },
      { label: 'b', shots: 3 },
      { label: 'c', shots: 3 },
    ]);
    const bundle = await loadBundle(out);
    assert.equal(bundle.meta.task, 'classification');
    // --layer auto (the default) chose on the 9 support images; the bundle records how.
    const { layer, layerChoice } = bundle.meta.backbone;
    assert.equal(layerChoice?.images, 9);
    assert.equal(layer, layerChoice?.scores[0]?.layer);
    assert.ok(
      layerChoice!.scores.every((c) => !c.layer.includes('+')),
      'single layers only',
    );
    assert.match(
      String(bundle.meta.training.layerNote),
      new RegExp(`^layer ${layer} chosen by LogME .* on 9 training images`),
    );
    assert.deepEqual(bundle.meta.labels, ['a', 'b', 'c']);
    assert.equal(bundle.meta.fewshot?.metric, metric);
    assert.deepEqual(
      bundle.meta.fewshot?.classes.map((c) => [c.label, c.shots, c.addedBy]),
      [
        ['a', 3, 'fit'],
        ['b', 3, 'fit'],
        ['c', 3, 'fit'],
      ],
    );
    const s = await run(bundle.model, bundle.meta.preprocessing, support);
    const q = await run(bundle.model, bundle.meta.preprocessing, queries);
    const reference = referenceLogits(metric, s.pooled, s.labels);
    let worst = 0;
    for (const { pooled, logits } of [s, q]) {
      pooled.forEach((e, i) => {
        const want = reference(e);
        const scale = Math.max(1, ...want.map(Math.abs));
        want.forEach((w, c) => {
          worst = Math.max(worst, Math.abs(logits[i]![c]! - w) / scale);
        });
      });
    }
    assert.ok(worst < 1e-4, `largest logit difference ${worst} (relative to the largest logit)`);
  });
}

test('the head fine-tune lowers the support loss and keeps a prototype head', async () => {
  const folder = await openFolder(
    await patternFolder(path.join(work, 'patterns'), ['x', 'y', 'z'], 4),
  );
  for (const metric of ['cosine', 'euclidean'] as const) {
    const fit = await fitFewShotClassifier({
      backbone: 'resnet_tiny',
      imageSize: 32,
      // The top layer: at the layer auto picks these patterns are separated, the loss starts at 0.
      layer: 'stage4_out',
      support: folder,
      metric,
      seed: 5,
      finetuneSteps: 15,
    });
    const losses = fit.finetuneLosses!;
    assert.equal(losses.length, 15);
    assert.ok(losses.at(-1)! < losses[0]!, `${metric}: ${losses[0]} → ${losses.at(-1)}`);
    assert.equal(fit.meta.fewshot?.classes[0]?.finetuned, true);
    const [kernel, bias] = fit.model.getLayer('head').getWeights();
    const k = kernel!.arraySync() as number[][];
    const b = bias!.arraySync() as number[];
    const scale = fit.meta.fewshot!.scale;
    for (let c = 0; c < 3; c++) {
      const column = k.map((row) => row[c]!);
      if (metric === 'cosine') {
        // Unit direction at the fixed scale, no bias: comparable with columns added later.
        assert.ok(Math.abs(Math.sqrt(dot(column, column)) - scale) < 1e-4);
        assert.equal(b[c], 0);
      } else {
        // kernel 2sμ, bias −s‖μ‖²: still the closed form of some prototype μ.
        const mu = column.map((v) => v / (2 * scale));
        assert.ok(Math.abs(b[c]! + scale * dot(mu, mu)) < 1e-4 * Math.max(1, Math.abs(b[c]!)));
      }
    }
  }
});

test('bad support: one class, a class without images, a metric that does not exist', async () => {
  const one = await openFolder(await patternFolder(path.join(work, 'one'), ['only'], 2));
  await assert.rejects(
    fitFewShotClassifier({ backbone: 'resnet_tiny', support: one, metric: 'cosine', seed: 0 }),
    (err: VisiontuneError) =>
      err instanceof VisiontuneError &&
      err.exitCode === 2 &&
      /at least 2 classes/.test(err.message) &&
      /only/.test(err.message),
  );
  const emptyClass: DataSource = {
    ...support,
    classes: ['a', 'b', 'c', 'ghost'],
  };
  await assert.rejects(
    fitFewShotClassifier({
      backbone: 'resnet_tiny',
      support: emptyClass,
      metric: 'cosine',
      seed: 0,
    }),
    (err: VisiontuneError) =>
      err instanceof VisiontuneError &&
      err.exitCode === 2 &&
      /no support images/.test(err.message) &&
      err.details.some((d) => d.includes('ghost')),
  );
  await assert.rejects(
    fitFewShotClassifier({
      backbone: 'resnet_tiny',
      support,
      metric: 'manhattan' as FewShotMetric,
      seed: 0,
    }),
    (err: VisiontuneError) => err.exitCode === 2 && /manhattan/.test(err.message),
  );
});
