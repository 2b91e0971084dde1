// Delta bundles through the real command line: predict, eval, export, info and merge take a
// delta folder as they take any bundle and answer as the full bundle of the same model does; a
// delta whose base changed exits 2 naming the delta and both bases' weight hashes.
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { getBackbone } from '../../backbones/index.js';
import { runCli } from '../../cli/run-cli.js';
import { writeColorFolder } from '../../data/test-fixtures.js';
import { ensureEngine } from '../../engine/index.js';
import { saveLayersModel } from '../../engine/save-layers-model.js';
import { saveBundle } from '../bundle.js';
import type { DeltaBaseSpec } from './schema.js';
import { bitfitClassifier, metaFor, TINY_BASE } from './test-deltas.js';

let work: string;
let data: string;
let delta: string;
let full: string;

interface Predicted {
  predictions: { id: string; top: { label: string; probability: number }[] }[];
}

const json = async (args: string[]) => {
  const r = await runCli([...args, '--json']);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout);
};

/** `predict` of the colour images, once per model and engine (each run is a process). */
const predicted = new Map<string, Promise<Predicted>>();
function predict(model: string, engine: string): Promise<Predicted> {
  const key = `${model} ${engine}`;
  if (!predicted.has(key))
    predicted.set(
      key,
      json(['predict', '--model', model, data, '--top-k', '3', '--engine', engine]),
    );
  return predicted.get(key)!;
}

function assertSamePredictions(a: Predicted, b: Predicted, tolerance: number) {
  assert.equal(a.predictions.length, b.predictions.length);
  for (const [i, p] of a.predictions.entries()) {
    const q = b.predictions[i]!;
    assert.equal(p.id, q.id);
    for (const [k, c] of p.top.entries()) {
      assert.equal(c.label, q.top[k]!.label);
      assert.ok(Math.abs(c.probability - q.top[k]!.probability) <= tolerance, `${p.id} ${c.label}`);
    }
  }
}

before(async () => {
  await ensureEngine();
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'vt-delta-cli-'));
  data = path.join(work, 'colors');
  await writeColorFolder(data, 3, { seed: 5, size: 20 });
  const model = await bitfitClassifier(TINY_BASE, 1);
  delta = path.join(work, 'delta');
  full = path.join(work, 'full');
  await saveBundle(delta, model, metaFor(TINY_BASE), { delta: { base: TINY_BASE } });
  await saveBundle(full, model, metaFor(TINY_BASE));
  model.dispose();
});
after(() => fs.rm(work, { recursive: true, force: true }));

describe('a delta bundle on the command line', () => {
  it('predicts and evaluates as the full bundle, on TF.js and on ONNX Runtime', async () => {
    for (const engine of ['tfjs', 'onnx'])
      assertSamePredictions(await predict(delta, engine), await predict(full, engine), 1e-6);
    const evaluate = (model: string) => json(['eval', '--model', model, '--data', data]);
    const [a, b] = [await evaluate(delta), await evaluate(full)];
    assert.equal(a.accuracy, b.accuracy);
    assert.ok(Math.abs(a.nll - b.nll) <= 1e-6);
  });

  it('exports to ONNX (checked against TF.js) and tells what it is', async () => {
    const file = path.join(work, 'delta.onnx');
    const exported = await json(['export', '--model', delta, '--out', file]);
    assert.ok(exported.check.maxAbsError < 1e-4);
    const info = await runCli(['info', delta]);
    assert.equal(info.code, 0, info.stderr);
    assert.match(info.stdout, /delta of: resnet_tiny \(random init, seed 7\) at 32 px/);
  });

  it('merges into a standalone bundle with the same predictions', async () => {
    const merged = path.join(work, 'merged');
    const result = await json(['merge', delta, '--out', merged]);
    assert.equal(result.base.backbone, 'resnet_tiny');
    const meta = JSON.parse(await fs.readFile(path.join(merged, 'visiontune.json'), 'utf8'));
    assert.equal(meta.delta, undefined);
    assertSamePredictions(await predict(merged, 'tfjs'), await predict(full, 'tfjs'), 1e-6);
    const again = await runCli(['merge', merged, '--out', path.join(work, 'merged-2')]);
    assert.equal(again.code, 2);
    assert.match(again.stderr, /is not a delta bundle/);
  });

  it('exits 2 when its base changed, naming the delta and both bases', async () => {
    const baseDir = path.join(work, 'base');
    const body = (seed: number) =>
      getBackbone('resnet_tiny').build({ pretrained: false, seed, inputSize: 32 });
    const first = await body(1);
    await saveLayersModel(first, baseDir);
    first.dispose();
    const spec: DeltaBaseSpec = { backbone: baseDir, pretrained: true, inputSize: 32 };
    const model = await bitfitClassifier(spec, 2);
    const onFolder = path.join(work, 'delta-on-folder');
    const meta = await saveBundle(onFolder, model, metaFor(spec), { delta: { base: spec } });
    model.dispose();
    const second = await body(2);
    await saveLayersModel(second, baseDir);
    second.dispose();
    const r = await runCli(['predict', '--model', onFolder, data, '--engine', 'tfjs']);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, new RegExp(`delta ${onFolder} was trained on base ${baseDir}`));
    assert.match(r.stderr, new RegExp(meta.delta!.base.weightsSha256.slice(0, 16)));
    assert.match(r.stderr, /this base is .* \(weights sha256 [0-9a-f]{16}…\)/);
  });
});
