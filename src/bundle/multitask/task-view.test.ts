// Multi-task bundles on the single-task paths: the metadata schema, the load-time output check,
// task views (TF.js sub-models) against the whole model's outputs, the refusals that name the
// tasks, multi-label predict, and the joint pass (one forward pass) against the task views.
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { sharpDecoder } from '../../data/decode-sharp.js';
import { openFiles } from '../../data/index.js';
import { VisiontuneError } from '../../errors.js';
import { detectorOf, runDetector, unannotated } from '../../methods/detection/bundle-detector.js';
import {
  decodeForSegmenter,
  inferenceSettings,
  segmentDecoded,
  segmenterOf,
} from '../../methods/segmentation/bundle-segmenter.js';
import { multiLabelMetrics } from '../../metrics/index.js';
import { noiseImage } from '../../serve/test-bundles.js';
import { closeBundle, openBundle, predictBatch } from '../batch-model.js';
import { loadBundle, saveBundle } from '../bundle.js';
import { META_FILE } from '../meta.js';
import { writeBundleOnnx } from '../onnx/export-bundle.js';
import { parseBundleMeta } from '../parse-meta.js';
import { predictSamples } from '../predict.js';
import { predictAll } from '../predict-batch.js';
import { prepareJoint, runJoint } from './joint-pass.js';
import { evaluateMultiLabel } from './multilabel-evaluate.js';
import { saveTinyMultitask, TINY_TASKS, tinyMultitask } from './test-bundle.js';

await tf.setBackend('cpu');
tf.env().set('PROD', true);

let dir: string;
let bundleDir: string;
const images: string[] = [];

before(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'vt-mt-'));
  bundleDir = path.join(dir, 'mt');
  await saveTinyMultitask(bundleDir);
  // Square images: every task's own preprocessing equals the joint pass's letterbox there.
  for (const [i, side] of [40, 32, 57].entries()) {
    const file = path.join(dir, `img${i}.png`);
    await fs.writeFile(file, await noiseImage(side, side, 10 + i, 'png'));
    images.push(file);
  }
});
after(() => fs.rm(dir, { recursive: true, force: true }));

const usage = (pattern: RegExp) => (err: unknown) =>
  err instanceof VisiontuneError && err.code === 'BAD_USAGE' && pattern.test(err.message);

test('the metadata schema takes a multitask description and refuses inconsistent ones', async () => {
  const saved = JSON.parse(await fs.readFile(path.join(bundleDir, META_FILE), 'utf8'));
  assert.deepEqual(
    parseBundleMeta(saved, 'x').multitask?.tasks.map((t) => t.name),
    ['kind', 'tags', 'boxes', 'parts'],
  );
  const tasks = saved.multitask.tasks;
  const bad: [string, unknown, RegExp][] = [
    ['labels kept per task', { ...saved, labels: ['a'] }, /labels: a multitask bundle keeps/],
    ['no description', { ...saved, multitask: undefined }, /multitask: a multitask bundle/],
    ['single task with one', { ...saved, task: 'classification' }, /multitask: a multitask/],
    [
      'names repeat',
      { ...saved, multitask: { tasks: [tasks[0], { ...tasks[1], name: 'kind' }] } },
      /task names repeat: kind, kind/,
    ],
    [
      'outputs skip',
      { ...saved, multitask: { tasks: [tasks[0], { ...tasks[1], output: 2 }] } },
      /outputs must be 0…1/,
    ],
    [
      'bad name',
      { ...saved, multitask: { tasks: [{ ...tasks[0], name: 'Kind-1' }] } },
      /multitask\.tasks\.0\.name/,
    ],
    [
      'detection without settings',
      { ...saved, multitask: { tasks: [{ ...tasks[2], output: 0, detection: undefined }] } },
      /detection task needs its detection settings/,
    ],
    [
      'multi-label detection',
      { ...saved, multitask: { tasks: [{ ...tasks[2], output: 0, multiLabel: true }] } },
      /only classification tasks are multi-label/,
    ],
  ];
  for (const [what, meta, pattern] of bad)
    assert.throws(
      () => parseBundleMeta(meta, 'vt.json'),
      (err: unknown) =>
        err instanceof VisiontuneError &&
        pattern.test([err.message, ...(err.details ?? [])].join('\n')),
      what,
    );
});

test('a model whose outputs do not match the tasks is refused on load', async () => {
  const { model, meta } = await tinyMultitask();
  const three = tf.model({ inputs: model.inputs, outputs: model.outputs.slice(0, 3) });
  const where = path.join(dir, 'three');
  await saveBundle(where, three, {
    ...meta,
    multitask: { tasks: meta.multitask!.tasks.slice(0, 3) },
  });
  await loadBundle(where); // consistent: three outputs, three tasks
  const wrong = path.join(dir, 'wrong');
  const swapped = meta.multitask!.tasks.map((t) =>
    t.name === 'kind' ? { ...t, output: 1 } : t.name === 'tags' ? { ...t, output: 0 } : t,
  );
  await saveBundle(wrong, model, { ...meta, multitask: { tasks: swapped } });
  await assert.rejects(loadBundle(wrong), /task kind \(output 1\) lists 3 labels/);
  model.dispose();
});

test('task views run one output of the whole model; without --task the names are listed', async () => {
  const whole = await openBundle(bundleDir, { engine: 'tfjs' });
  const x = tf.randomNormal([2, 32, 32, 3], 0, 1, 'float32', 5);
  const all = (whole.model as tf.LayersModel).predict(x) as tf.Tensor[];
  for (const [i, name] of ['kind', 'tags', 'boxes', 'parts'].entries()) {
    const view = await openBundle(bundleDir, { engine: 'tfjs', task: name });
    assert.equal(view.meta.task, i < 2 ? 'classification' : i === 2 ? 'detection' : 'segmentation');
    assert.deepEqual(view.meta.labels, Object.values(TINY_TASKS)[i]);
    assert.equal(view.meta.multiLabel, name === 'tags' ? true : undefined);
    const out = (view.model as tf.LayersModel).predict(x) as tf.Tensor;
    assert.deepEqual(out.shape, all[i]!.shape);
    assert.deepEqual(Array.from(out.dataSync()), Array.from(all[i]!.dataSync()), name);
    await closeBundle(view);
  }
  const source = await openFiles(images);
  const names = /is a multitask bundle \(tasks: kind, tags, boxes, parts\): name one with --task/;
  await assert.rejects(predictSamples(whole, source, source.splits.test!), usage(names));
  assert.throws(() => detectorOf(whole), usage(names));
  assert.throws(() => segmenterOf(whole), usage(names));
  await assert.rejects(
    openBundle(bundleDir, { engine: 'tfjs', task: 'nope' }),
    usage(/has no task 'nope' \(tasks: kind, tags, boxes, parts\)/),
  );
  const single = path.join(dir, 'single');
  const { model, meta } = await tinyMultitask();
  await saveBundle(single, tf.model({ inputs: model.inputs, outputs: model.outputs[0]! }), {
    ...meta,
    task: 'classification',
    labels: TINY_TASKS.kind,
    multitask: undefined,
  });
  await assert.rejects(
    openBundle(single, { engine: 'tfjs', task: 'kind' }),
    usage(/--task kind: .* is a classification bundle/),
  );
  tf.dispose([x, ...all]);
  await closeBundle(whole);
});

test('a multi-label task predicts sigmoid probabilities and the classes at or above the threshold', async () => {
  const view = await openBundle(bundleDir, { engine: 'tfjs', task: 'tags' });
  const source = await openFiles(images);
  const samples = source.splits.test!;
  const predictions = await predictSamples(view, source, samples, { topK: 4, threshold: 0.45 });
  const whole = await loadBundle(bundleDir);
  for (const p of predictions) {
    // The same image through the whole model: logits of the tags output, sigmoid by hand.
    const loader = (await import('../../data/index.js')).createLoader(
      source,
      samples.filter((s) => s.id === p.id),
      {
        batchSize: 1,
        transform: (await import('../preprocess.js')).bundleTransform(whole.meta.preprocessing),
      },
    );
    for await (const batch of loader) {
      const logits = (whole.model.predict(batch.x) as tf.Tensor[])[1]!.dataSync();
      const probs = Array.from(logits, (v) => 1 / (1 + Math.exp(-v)));
      const expected = TINY_TASKS.tags
        .map((label, i) => ({ label, p: probs[i]! }))
        .filter((c) => c.p >= 0.45)
        .sort((a, b) => b.p - a.p);
      assert.deepEqual(
        p.present!.map((c) => c.label),
        expected.map((c) => c.label),
      );
      p.present!.forEach((c, i) => {
        assert.ok(Math.abs(c.probability - expected[i]!.p) < 1e-6);
      });
      const sum = p.top.reduce((s, c) => s + c.probability, 0);
      assert.ok(Math.abs(sum - 1) > 1e-3, 'sigmoid probabilities, not a softmax');
    }
  }
  whole.model.dispose();
  await closeBundle(view);
});

test('the joint pass answers every task from one forward pass, as the task views do', async () => {
  const whole = await openBundle(bundleDir, { engine: 'tfjs' });
  const model = whole.model as tf.LayersModel;
  let passes = 0;
  const predict = model.predict.bind(model);
  model.predict = (x, config) => {
    passes++;
    return predict(x, config);
  };
  const decoder = sharpDecoder();
  const inputs = await Promise.all(
    images.map(async (f) => prepareJoint(whole.meta, await decoder.decode(f, f))),
  );
  const joint = await runJoint(whole, inputs, { topK: 3, threshold: 0.5 });
  assert.equal(passes, 1);
  assert.equal(joint.length, images.length);

  const source = await openFiles(images);
  const byId = new Map(source.splits.test!.map((s) => [s.id, s]));
  const ordered = images.map((f) => byId.get(path.resolve(f))!);
  for (const name of ['kind', 'tags']) {
    const view = await openBundle(bundleDir, { engine: 'tfjs', task: name });
    const predictions = await predictSamples(view, source, ordered, { topK: 3 });
    predictions.forEach((p, k) => {
      const r = joint[k]![name]!;
      assert.equal(r.kind, 'classification');
      if (r.kind !== 'classification') return;
      assert.deepEqual(
        r.classified.top.map((c) => c.label),
        p.top.map((c) => c.label),
      );
      r.classified.top.forEach((c, i) => {
        assert.ok(Math.abs(c.probability - p.top[i]!.probability) < 1e-5, `${name} ${k}`);
      });
      assert.deepEqual(
        r.classified.present?.map((c) => c.label),
        p.present?.map((c) => c.label),
      );
    });
    await closeBundle(view);
  }
  const detector = detectorOf(await openBundle(bundleDir, { engine: 'tfjs', task: 'boxes' }));
  const { results } = await runDetector(detector, unannotated(images));
  [...results.values()].forEach((found, k) => {
    const r = joint[k]!.boxes!;
    assert.equal(r.kind, 'detection');
    if (r.kind !== 'detection') return;
    assert.ok(found.length > 0, 'the random detector finds something to compare');
    assert.equal(r.boxes.length, found.length);
    r.boxes.forEach((b, i) => {
      assert.equal(b.category, found[i]!.category);
      assert.ok(Math.abs(b.score - found[i]!.score) < 1e-5);
      b.bbox.forEach((v, j) => {
        assert.ok(Math.abs(v - found[i]!.bbox[j]!) < 1e-3);
      });
    });
  });
  await closeBundle(detector.bundle);
  const segmenter = segmenterOf(await openBundle(bundleDir, { engine: 'tfjs', task: 'parts' }));
  for (const [k, file] of images.entries()) {
    const { image, size } = await decodeForSegmenter(segmenter, file);
    const { mask } = await segmentDecoded(segmenter, image, size, inferenceSettings(segmenter, {}));
    const r = joint[k]!.parts!;
    assert.equal(r.kind, 'segmentation');
    if (r.kind !== 'segmentation') return;
    assert.equal(r.mask.width, size.width);
    assert.deepEqual(Array.from(r.mask.data), Array.from(mask.data), `mask ${k}`);
    assert.ok(new Set(r.mask.data).size > 1, 'the mask is not one class everywhere');
  }
  await closeBundle(segmenter.bundle);
  await closeBundle(whole);
});

test('multi-label eval: the manifest label sets against predict probabilities, sklearn metrics', async () => {
  const manifest = path.join(dir, 'tags.csv');
  const sets = ['red;round', 'green', 'blue;red'];
  await fs.writeFile(
    manifest,
    `path,labels\n${images.map((f, i) => `${path.basename(f)},${sets[i]}`).join('\n')}\n`,
  );
  const view = await openBundle(bundleDir, { engine: 'tfjs', task: 'tags' });
  const metrics = await evaluateMultiLabel(view, manifest, { threshold: 0.5 });
  const source = await openFiles(images);
  const byId = new Map(source.splits.test!.map((s) => [s.id, s]));
  const ordered = images.map((f) => byId.get(path.resolve(f))!);
  const predictions = await predictSamples(view, source, ordered, { topK: 4 });
  const labels = TINY_TASKS.tags;
  const probs = predictions.flatMap((p) =>
    labels.map((l) => p.top.find((c) => c.label === l)!.probability),
  );
  const truth = sets.flatMap((set) => labels.map((l) => (set.split(';').includes(l) ? 1 : 0)));
  assert.deepEqual(metrics, multiLabelMetrics(probs, truth, labels.length, { threshold: 0.5 }));
  assert.deepEqual(
    metrics.perClass.map((c) => c.support),
    [2, 1, 1, 1], // red, green, blue, round
  );
  await assert.rejects(
    evaluateMultiLabel(await openBundle(bundleDir, { engine: 'tfjs', task: 'kind' }), manifest),
    usage(/not a multi-label classifier/),
  );
  await fs.writeFile(manifest, `path,labels\n${path.basename(images[0]!)},red;purple\n`);
  await assert.rejects(
    evaluateMultiLabel(view, manifest),
    (err: unknown) =>
      err instanceof VisiontuneError &&
      /label 'purple' not in the class list/.test(err.details?.join('\n') ?? ''),
  );
  await closeBundle(view);
});

test('ONNX Runtime: the exported bundle keeps every output, and its task views equal TF.js (≤ 1e-4)', async () => {
  const file = path.join(dir, 'mt.onnx');
  await writeBundleOnnx(await loadBundle(bundleDir), file);
  const x = tf.randomNormal([2, 32, 32, 3], 0, 1, 'float32', 9);
  const onnx = await openBundle(file, { engine: 'onnx' });
  assert.equal(onnx.meta.task, 'multitask');
  const tfjs = await openBundle(bundleDir, { engine: 'tfjs' });
  const [a, b] = await Promise.all([predictAll(tfjs.model, x), predictAll(onnx.model, x)]);
  assert.equal(b.length, 4);
  a.forEach((t, i) => {
    assert.deepEqual(b[i]!.shape, t.shape);
    const diff = tf.max(tf.abs(tf.sub(t, b[i]!))).dataSync()[0]!;
    assert.ok(diff <= 1e-4, `output ${i}: ${diff}`);
  });
  for (const name of ['tags', 'boxes']) {
    const view = await openBundle(file, { engine: 'onnx', task: name });
    assert.equal(view.engine, 'onnx');
    const out = await predictBatch(view.model, x);
    const want = a[name === 'tags' ? 1 : 2]!;
    assert.deepEqual(out.shape, want.shape);
    assert.ok(tf.max(tf.abs(tf.sub(out, want))).dataSync()[0]! <= 1e-4, name);
    await closeBundle(view);
  }
  tf.dispose([x, ...a, ...b]);
  await Promise.all([closeBundle(onnx), closeBundle(tfjs)]);
});

test('a non-square image: boxes as the detection view finds them, the mask at the image size', async () => {
  const file = path.join(dir, 'wide.png');
  await fs.writeFile(file, await noiseImage(60, 28, 77, 'png'));
  const whole = await openBundle(bundleDir, { engine: 'tfjs' });
  const image = await sharpDecoder().decode(file, file);
  const [joint] = await runJoint(whole, [prepareJoint(whole.meta, image)]);
  const detector = detectorOf(await openBundle(bundleDir, { engine: 'tfjs', task: 'boxes' }));
  const [found] = [...(await runDetector(detector, unannotated([file]))).results.values()];
  const boxes = joint!.boxes!;
  assert.ok(boxes.kind === 'detection' && found!.length > 0);
  assert.deepEqual(
    boxes.boxes.map((b) => [b.category, b.bbox.map((v) => v.toFixed(3))]),
    found!.map((b) => [b.category, b.bbox.map((v) => v.toFixed(3))]),
  );
  const parts = joint!.parts!;
  assert.ok(parts.kind === 'segmentation');
  assert.deepEqual([parts.mask.width, parts.mask.height], [60, 28]);
  await Promise.all([closeBundle(detector.bundle), closeBundle(whole)]);
});
