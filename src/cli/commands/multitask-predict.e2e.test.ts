// Multi-task bundles through the real command line: `multitask predict` (every task, one pass per
// batch) on TF.js and on the exported .onnx in ONNX Runtime; `export` with one output per task
// (checked against TF.js); the single-task commands with --task (predict, multi-label predict and
// eval, detect predict, segment predict), and without it exit 2 naming the tasks. The processes
// of each step run side by side.
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import sharp from 'sharp';
import { saveTinyMultitask } from '../../bundle/multitask/test-bundle.js';
import { noiseImage } from '../../serve/test-bundles.js';
import { runCli } from '../run-cli.js';

let work: string;
let bundle: string;
let images: string;
let onnxFile: string;
/** `multitask predict` on TF.js (top 4), for the task views to be compared with. */
let joint: Json;

before(async () => {
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'vt-cli-mt-'));
  bundle = path.join(work, 'mt');
  await saveTinyMultitask(bundle);
  images = path.join(work, 'images');
  await fs.mkdir(images);
  const tags = ['path,labels'];
  for (const [i, side] of [40, 48, 32].entries()) {
    await fs.writeFile(
      path.join(images, `img${i}.png`),
      await noiseImage(side, side, 30 + i, 'png'),
    );
    tags.push(`img${i}.png,${['red;round', 'green', 'blue;red;round'][i]}`);
  }
  await fs.writeFile(path.join(images, 'tags.csv'), `${tags.join('\n')}\n`);
  onnxFile = path.join(work, 'mt.onnx');
});
after(() => fs.rm(work, { recursive: true, force: true }));

// biome-ignore lint/suspicious/noExplicitAny: CLI JSON read field by field
type Json = any;

async function json(args: string[]): Promise<Json> {
  const r = await runCli([...args, '--json']);
  assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

test('export writes one output per task, equal to TF.js; multitask predict agrees on both engines', async () => {
  const exported = await json(['export', '--model', bundle, '--out', onnxFile]);
  assert.equal(exported.task, 'multitask');
  assert.deepEqual(exported.check.shapes, [
    [2, 3],
    [2, 4],
    [2, 20, 7],
    [2, 32, 32, 3],
  ]);
  assert.ok(exported.check.maxAbsError < 1e-4, `max abs error ${exported.check.maxAbsError}`);
  const [tfjs, onnx] = await Promise.all([
    json([
      'multitask',
      'predict',
      bundle,
      images,
      '--engine',
      'tfjs',
      '--top-k',
      '4',
      '--out',
      path.join(work, 'p1'),
    ]),
    json([
      'multitask',
      'predict',
      onnxFile,
      images,
      '--engine',
      'onnx',
      '--top-k',
      '4',
      '--out',
      path.join(work, 'p2'),
    ]),
  ]);
  joint = tfjs;
  assert.equal(tfjs.engine, 'tfjs');
  assert.equal(onnx.engine, 'onnx');
  assert.deepEqual(tfjs.tasks, ['kind', 'tags', 'boxes', 'parts']);
  assert.equal(tfjs.predictions.length, 3);
  for (const [k, a] of tfjs.predictions.entries()) {
    const b = onnx.predictions[k];
    assert.equal(path.basename(b.file), path.basename(a.file));
    for (const name of ['kind', 'tags']) {
      assert.deepEqual(
        b.tasks[name].top.map((c: Json) => c.label),
        a.tasks[name].top.map((c: Json) => c.label),
      );
      a.tasks[name].top.forEach((c: Json, i: number) => {
        assert.ok(Math.abs(c.probability - b.tasks[name].top[i].probability) < 1e-4);
      });
    }
    assert.ok(Array.isArray(a.tasks.tags.present), 'multi-label: the classes present');
    assert.equal(b.tasks.boxes.detections.length, a.tasks.boxes.detections.length);
    a.tasks.boxes.detections.forEach((d: Json, i: number) => {
      const e = b.tasks.boxes.detections[i];
      assert.equal(e.label, d.label);
      assert.ok(Math.abs(e.score - d.score) < 1e-4);
    });
    // The index PNGs: at the image's size, and (up to near-ties) the same labels.
    const [ma, mb] = await Promise.all(
      [a, b].map((p) => sharp(p.tasks.parts.mask).raw().toBuffer({ resolveWithObject: true })),
    );
    assert.equal(ma!.info.width, a.tasks.parts.width);
    let differ = 0;
    for (let i = 0; i < ma!.data.length; i++) if (ma!.data[i] !== mb!.data[i]) differ++;
    assert.ok(differ <= ma!.data.length * 0.005, `${differ} mask pixels differ`);
  }
});

test('the single-task commands take --task; without it a multitask bundle is refused by name', async () => {
  const [refused, kind, tags, evalTags, boxes, parts] = await Promise.all([
    runCli(['predict', '--model', bundle, images, '--engine', 'tfjs']),
    json(['predict', '--model', bundle, '--task', 'kind', images, '--engine', 'tfjs']),
    json([
      'predict',
      '--model',
      bundle,
      '--task',
      'tags',
      images,
      '--engine',
      'tfjs',
      '--top-k',
      '4',
      '--threshold',
      '0.5',
    ]),
    json([
      'eval',
      '--model',
      bundle,
      '--task',
      'tags',
      '--data',
      path.join(images, 'tags.csv'),
      '--engine',
      'tfjs',
    ]),
    json([
      'detect',
      'predict',
      '--model',
      bundle,
      '--task',
      'boxes',
      images,
      '--engine',
      'tfjs',
      '--out',
      path.join(work, 'd'),
    ]),
    json([
      'segment',
      'predict',
      '--model',
      bundle,
      '--task',
      'parts',
      images,
      '--engine',
      'tfjs',
      '--out',
      path.join(work, 's'),
    ]),
  ]);
  assert.equal(refused.code, 2, refused.stderr);
  assert.match(
    refused.stderr,
    /multitask bundle \(tasks: kind, tags, boxes, parts\): name one with --task/,
  );
  const byFile = (list: Json[], key: string) =>
    new Map(list.map((p) => [path.basename(p[key]), p]));
  const jointBy = byFile(joint.predictions, 'file');
  // Square images: the views' own preprocessing equals the joint pass's (cropPct 1).
  for (const p of kind.predictions) {
    const j = jointBy.get(path.basename(p.id));
    assert.deepEqual(
      p.top.map((c: Json) => c.label),
      j.tasks.kind.top.slice(0, 3).map((c: Json) => c.label),
    );
  }
  for (const p of tags.predictions) {
    const j = jointBy.get(path.basename(p.id));
    assert.deepEqual(p.present, j.tasks.tags.present);
    for (const c of p.present) assert.ok(c.probability >= 0.5);
    for (const c of p.top.filter((t: Json) => t.probability < 0.5))
      assert.ok(!p.present.some((q: Json) => q.label === c.label));
  }
  assert.equal(evalTags.images, 3);
  for (const key of ['mAP', 'microF1', 'macroF1', 'subsetAccuracy'])
    assert.ok(evalTags[key] >= 0 && evalTags[key] <= 1, `${key} ${evalTags[key]}`);
  assert.deepEqual(
    evalTags.perClass.map((c: Json) => c.support),
    [2, 1, 1, 2],
  );
  for (const p of boxes.predictions) {
    const j = jointBy.get(path.basename(p.file));
    assert.equal(p.detections.length, j.tasks.boxes.detections.length);
  }
  for (const p of parts.predictions) {
    const j = jointBy.get(path.basename(p.file));
    const [a, b] = await Promise.all(
      [p.mask, j.tasks.parts.mask].map((f) => sharp(f).raw().toBuffer()),
    );
    assert.ok(a!.equals(b!), `segment predict --task parts and the joint pass: ${p.file}`);
  }
});
