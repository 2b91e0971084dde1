// Tests for the PEFT benchmark's parts. `npm test` runs only src/**/*.test.ts, so these run when
// invoked explicitly:
//   node --import tsx --test bench/peft/peft-bench.test.ts
// The sets are opened with the source opener train() uses; the plot is rendered by the report's
// renderer; the byte count reads real files.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { openSource } from '../../src/data/sources/open.js';
import { renderSvg } from '../../src/report/render.js';
import { bundleBytes } from './bytes.js';
import { applyLrOverrides, benchMethods } from './methods.js';
import { accuracyVsBytesSpec } from './plot.js';
import { type BenchSet, makeBenchSets } from './sets.js';

let root = '';
let sets: BenchSet[] = [];

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'peft-bench-'));
  sets = await makeBenchSets({
    work: root,
    k: 2,
    testPerClass: 1,
    seeds: [0, 1],
    photoSet: 'mate-nature',
    photoCache: join(root, 'photos'),
    photoCrops: { trainPerClass: 2, testPerClass: 1 },
  });
});
after(() => rm(root, { recursive: true, force: true }));

test('each set: K per class per seed to train, the same test images for every seed', async () => {
  assert.deepEqual(
    sets.map((s) => s.name),
    ['fashion-mnist-k2', 'mnist-k2', 'mate-nature'],
  );
  for (const set of sets) {
    const [a, b] = [await openSource(set.data[0]!), await openSource(set.data[1]!)];
    const ids = (samples: { id: string }[] | undefined) => (samples ?? []).map((s) => s.id).sort();
    assert.equal(a.splits.train!.length, 2 * a.classes.length, set.name);
    assert.deepEqual(ids(a.splits.test), ids(b.splits.test), set.name);
    assert.ok(a.splits.test!.length >= a.classes.length, set.name);
    const train = new Set(ids(a.splits.train));
    assert.ok(!ids(a.splits.test).some((id) => train.has(id)), `${set.name}: test image in train`);
    if (set.name !== 'mate-nature')
      assert.notDeepEqual(ids(a.splits.train), ids(b.splits.train), `${set.name}: same K per seed`);
  }
});

test('--lr overrides one method, refuses an unknown one by name', () => {
  const methods = applyLrOverrides(benchMethods('out_relu'), 'bitfit=3e-3');
  assert.equal(methods.find((m) => m.name === 'bitfit')!.fields.lr, 3e-3);
  assert.equal(methods.find((m) => m.name === 'full')!.fields.lr, 1e-3);
  assert.throws(() => applyLrOverrides(methods, 'lora-r2=1e-3'), /--lr: 'lora-r2=1e-3'/);
  assert.throws(() => applyLrOverrides(methods, 'bitfit=-1'), /--lr: 'bitfit=-1'/);
});

test('bundle bytes: the weight files model.json names, and the whole folder', async () => {
  const dir = join(root, 'bundle');
  await mkdir(dir);
  await writeFile(join(dir, 'weights-0123456789ab.bin'), Buffer.alloc(1000));
  const model = JSON.stringify({ weightsManifest: [{ paths: ['weights-0123456789ab.bin'] }] });
  await writeFile(join(dir, 'model.json'), model);
  await writeFile(join(dir, 'visiontune.json'), '{}');
  assert.deepEqual(await bundleBytes(dir), {
    weights: 1000,
    folder: 1000 + Buffer.byteLength(model) + 2,
  });
});

test('the plot renders to SVG with one panel per set and every method', async () => {
  const points = ['fashion-mnist-k50', 'mate-nature'].flatMap((set) =>
    ['bitfit', 'full'].map((method, i) => ({
      set,
      method,
      storedBytes: i ? 9e6 : 2e5,
      accuracy: 0.8 + i / 10,
      std: 0.01,
    })),
  );
  const svg = await renderSvg(
    accuracyVsBytesSpec(points, ['bitfit', 'full'], ['fashion-mnist-k50', 'mate-nature']),
  );
  assert.match(svg, /^<svg /);
  for (const text of ['fashion-mnist-k50', 'mate-nature', 'bitfit', 'full'])
    assert.ok(svg.includes(text), text);
});
