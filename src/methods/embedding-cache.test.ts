import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type * as tf from '@tensorflow/tfjs';
import sharp from 'sharp';
import { createModel } from '../backbones/index.js';
import type { PretrainedConfig } from '../backbones/types.js';
import { createLoader, evalTransform, openFashionMnist, openFolder } from '../data/index.js';
import type { DataSource, Sample } from '../data/types.js';
import { setFrozenEngine } from '../engine/frozen-engine.js';
import { initEngine } from '../engine/index.js';
import { Rng } from '../util/rng.js';
import { backboneIdentity, hashFile } from './content-hash.js';
import { collectEmbeddings, embedBatches } from './embed.js';
import { type CachedEmbeddingsOptions, cachedEmbeddings } from './embedding-cache.js';

const temps: string[] = [];
async function tempDir(prefix: string): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), prefix));
  temps.push(dir);
  return dir;
}
after(async () => {
  for (const dir of temps) await fs.rm(dir, { recursive: true, force: true });
});

/** A model whose predict calls and images are counted. */
interface Counted {
  model: tf.LayersModel;
  config: PretrainedConfig;
  key: string;
  images: () => number;
  reset: () => void;
}

async function counted(options: { inputSize: number; embeddingLayer?: string }): Promise<Counted> {
  const { model, config } = await createModel('resnet_tiny', { ...options, seed: 3 });
  const predict = model.predict.bind(model);
  let images = 0;
  model.predict = (x, args) => {
    images += (x as tf.Tensor).shape[0]!;
    return predict(x, args);
  };
  return {
    model,
    config,
    key: await backboneIdentity('resnet_tiny', { seed: 3 }),
    images: () => images,
    reset: () => {
      images = 0;
    },
  };
}

async function writePng(file: string, seed: number, size = 40): Promise<void> {
  const rng = new Rng(seed);
  const raw = Buffer.alloc(size * size * 3);
  for (let i = 0; i < raw.length; i++) raw[i] = Math.floor(rng.next() * 256);
  await fs.mkdir(path.dirname(file), { recursive: true });
  await fs.writeFile(
    file,
    await sharp(raw, { raw: { width: size, height: size, channels: 3 } })
      .png()
      .toBuffer(),
  );
}

let tiny: Counted;
let folder: string;
let source: DataSource;
let samples: Sample[];

before(async () => {
  await initEngine({ backend: 'wasm' });
  // The model's predict calls are counted: frozen passes stay in TF.js (frozen-forward.test.ts
  // tests the ONNX Runtime path).
  setFrozenEngine({ engine: 'tfjs' });
  tiny = await counted({ inputSize: 32 });
  folder = await tempDir('vt-cache-img-');
  for (let i = 0; i < 6; i++)
    await writePng(path.join(folder, i % 2 ? 'b' : 'a', `img${i}.png`), i + 1);
  source = await openFolder(folder);
  samples = source.splits.train!;
  assert.equal(samples.length, 6);
});

function run(
  cacheDir: string,
  m: Counted,
  extra: Partial<CachedEmbeddingsOptions> = {},
  src: DataSource = source,
  list: readonly Sample[] = samples,
) {
  return cachedEmbeddings({
    model: m.model,
    backboneKey: m.key,
    config: m.config,
    source: src,
    samples: list,
    cacheDir,
    batchSize: 4,
    onWarning: () => assert.fail('unexpected cache warning'),
    ...extra,
  });
}

const bytes = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

test('second run reads every row from the cache, bit-identical, without running the model', async () => {
  const cacheDir = await tempDir('vt-cache-');
  tiny.reset();
  const first = await run(cacheDir, tiny);
  assert.equal(tiny.images(), 6);
  assert.deepEqual(first.cache, { hits: 0, computed: 6, skipped: 0, shard: first.cache.shard });
  assert.deepEqual(
    first.ids,
    samples.map((s) => s.id),
  );
  assert.equal(first.dim, 128);

  // The same numbers as embedding without any cache.
  const direct = await collectEmbeddings(
    embedBatches(
      tiny.model,
      createLoader(source, samples, { batchSize: 4, transform: evalTransform(tiny.config) }),
    ),
  );
  assert.ok(bytes(first.embeddings).equals(bytes(direct.embeddings)));

  tiny.reset();
  const second = await run(cacheDir, tiny);
  assert.equal(tiny.images(), 0);
  assert.equal(second.cache.hits, 6);
  assert.equal(second.cache.computed, 0);
  assert.ok(bytes(second.embeddings).equals(bytes(first.embeddings)));
  assert.deepEqual(second.labels, first.labels);

  // A fresh model object with the same identity (a new process, in effect) still hits.
  const again = await counted({ inputSize: 32 });
  const third = await run(cacheDir, again);
  assert.equal(again.images(), 0);
  assert.ok(bytes(third.embeddings).equals(bytes(first.embeddings)));
  again.model.dispose();

  // A subset in another order, with a duplicate: served from the cache, in the order asked.
  const subset = [samples[4]!, samples[1]!, samples[4]!];
  tiny.reset();
  const sub = await run(cacheDir, tiny, {}, source, subset);
  assert.equal(tiny.images(), 0);
  assert.deepEqual(
    sub.ids,
    subset.map((s) => s.id),
  );
  assert.ok(
    bytes(sub.embeddings.subarray(0, 128)).equals(
      bytes(first.embeddings.subarray(4 * 128, 5 * 128)),
    ),
  );
  assert.ok(
    bytes(sub.embeddings.subarray(256, 384)).equals(bytes(sub.embeddings.subarray(0, 128))),
  );
});

test('changing one file recomputes only that file; relabelling recomputes nothing', async () => {
  const cacheDir = await tempDir('vt-cache-');
  const first = await run(cacheDir, tiny);
  const changed = samples[2]!.id;
  const original = await fs.readFile(changed);
  try {
    await writePng(changed, 99);
    tiny.reset();
    const second = await run(cacheDir, tiny);
    assert.equal(tiny.images(), 1);
    assert.equal(second.cache.computed, 1);
    assert.equal(second.cache.hits, 5);
    for (let i = 0; i < 6; i++) {
      const row = (e: Float32Array) => bytes(e.subarray(i * 128, (i + 1) * 128));
      assert.equal(row(second.embeddings).equals(row(first.embeddings)), i !== 2, `row ${i}`);
    }
  } finally {
    await fs.writeFile(changed, original);
  }
  // Back to the old bytes: the old row is still cached.
  tiny.reset();
  await run(cacheDir, tiny);
  assert.equal(tiny.images(), 0);

  const relabelled = samples.map((s) => ({ ...s, label: 1 - s.label }));
  tiny.reset();
  const third = await run(cacheDir, tiny, {}, source, relabelled);
  assert.equal(tiny.images(), 0);
  assert.deepEqual(
    [...third.labels],
    relabelled.map((s) => s.label),
  );
  assert.ok(bytes(third.embeddings).equals(bytes(first.embeddings)));
});

test('input size, embedding layer and preprocessing are part of the key', async () => {
  const cacheDir = await tempDir('vt-cache-');
  await run(cacheDir, tiny);
  const big = await counted({ inputSize: 64 });
  const layer = await counted({ inputSize: 32, embeddingLayer: 'stage3_out' });
  try {
    const bigRun = await run(cacheDir, big);
    assert.equal(big.images(), 6);
    assert.equal(bigRun.cache.hits, 0);
    const layerRun = await run(cacheDir, layer);
    assert.equal(layer.images(), 6);
    assert.equal(layerRun.dim, 64);
    tiny.reset();
    await run(cacheDir, tiny, { cropPct: 1 });
    assert.equal(tiny.images(), 6);
    tiny.reset();
    await run(cacheDir, tiny, { config: { ...tiny.config, mean: [0.4, 0.5, 0.5] } });
    assert.equal(tiny.images(), 6);
    tiny.reset();
    await run(cacheDir, tiny, { backboneKey: `${tiny.key}x` });
    assert.equal(tiny.images(), 6);
    // Each configuration was cached on its own: all hit now.
    tiny.reset();
    await run(cacheDir, tiny, { cropPct: 1 });
    await run(cacheDir, tiny);
    assert.equal(tiny.images(), 0);
    assert.equal((await fs.readdir(cacheDir)).length, 6);
  } finally {
    big.model.dispose();
    layer.model.dispose();
  }
});

test('weights changed in memory miss even under the same backbone key', async () => {
  const cacheDir = await tempDir('vt-cache-');
  const m = await counted({ inputSize: 32 });
  await run(cacheDir, m);
  const w = m.model.weights[0]!;
  const t = w.read();
  w.write(t.mul(2));
  m.reset();
  await run(cacheDir, m);
  assert.equal(m.images(), 6);
  m.model.dispose();
});

test('a truncated or mismatched cache file is reported, deleted and rebuilt', async () => {
  const cacheDir = await tempDir('vt-cache-');
  const first = await run(cacheDir, tiny);
  const shard = first.cache.shard;
  const bin = (await fs.readdir(shard)).find((n) => n.endsWith('.bin'))!;
  await fs.truncate(path.join(shard, bin), 6 * 128 * 4 - 100);
  const warnings: string[] = [];
  tiny.reset();
  const second = await run(cacheDir, tiny, { onWarning: (m) => warnings.push(m) });
  assert.equal(tiny.images(), 6);
  assert.equal(warnings.length, 1);
  assert.match(warnings[0]!, /data file has 2972 bytes/);
  assert.ok(bytes(second.embeddings).equals(bytes(first.embeddings)));
  assert.ok(!(await fs.readdir(shard)).includes(bin));

  // An index whose dim disagrees with its configuration, and one that is not JSON.
  const index = (await fs.readdir(shard)).find((n) => n.endsWith('.json'))!;
  const parsed = JSON.parse(await fs.readFile(path.join(shard, index), 'utf8'));
  await fs.writeFile(path.join(shard, index), JSON.stringify({ ...parsed, dim: 64 }));
  await fs.writeFile(path.join(shard, 'zzz.json'), '{"format": "visiontune-embedding-c');
  warnings.length = 0;
  tiny.reset();
  const third = await run(cacheDir, tiny, { onWarning: (m) => warnings.push(m) });
  assert.equal(tiny.images(), 6);
  assert.equal(warnings.length, 2);
  assert.ok(warnings.some((w) => /dim 64, expected 128/.test(w)));
  assert.ok(warnings.some((w) => /not valid JSON/.test(w)));
  assert.ok(bytes(third.embeddings).equals(bytes(first.embeddings)));
  tiny.reset();
  await run(cacheDir, tiny);
  assert.equal(tiny.images(), 0);
});

test('concurrent runs on one cache, with merges racing, leave every row readable', async () => {
  const cacheDir = await tempDir('vt-cache-');
  const reference = await run(await tempDir('vt-cache-'), tiny);
  const opts = { flushRows: 1, maxSegments: 2 };
  const halves = [samples.slice(0, 4), samples.slice(2), samples];
  const results = await Promise.all(halves.map((list) => run(cacheDir, tiny, opts, source, list)));
  assert.deepEqual(
    results.map((r) => r.ids.length),
    [4, 4, 6],
  );
  tiny.reset();
  const after = await run(cacheDir, tiny);
  assert.equal(tiny.images(), 0);
  assert.ok(bytes(after.embeddings).equals(bytes(reference.embeddings)));
  // No temp files left behind, and merging brought the shard back to few segments.
  const files = await fs.readdir(after.cache.shard);
  assert.ok(!files.some((f) => f.endsWith('.tmp')));
  assert.ok(files.filter((f) => f.endsWith('.json')).length <= 4, files.join(' '));
});

test('built-in datasets are keyed by content, not by file', async () => {
  const cacheDir = await tempDir('vt-cache-');
  const fm = await openFashionMnist();
  const picked = fm.splits.test!.slice(0, 10);
  assert.match(fm.contentKey!(picked[0]!), /^fashion-mnist:28:\d+:[0-9a-f]{16}$/);
  tiny.reset();
  const first = await run(cacheDir, tiny, {}, fm, picked);
  assert.equal(tiny.images(), 10);
  tiny.reset();
  const second = await run(cacheDir, tiny, {}, fm, picked);
  assert.equal(tiny.images(), 0);
  assert.ok(bytes(second.embeddings).equals(bytes(first.embeddings)));
  assert.deepEqual(
    second.ids,
    picked.map((s) => s.id),
  );
});

test('hashFile streams the bytes of a file', async () => {
  const dir = await tempDir('vt-hash-');
  const file = path.join(dir, 'big.bin');
  const data = Buffer.alloc(3 * (1 << 20) + 17, 7);
  await fs.writeFile(file, data);
  const { createHash } = await import('node:crypto');
  assert.equal(await hashFile(file), createHash('sha256').update(data).digest('hex'));
});
