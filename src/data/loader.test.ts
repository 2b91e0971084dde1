import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { badInput, VisiontuneError } from '../errors.js';
import { createLoader } from './loader.js';
import { openFolder } from './sources/folder.js';
import { GREEN, put, RED, solidJpeg, tempDir, truncatedJpeg } from './test-fixtures.js';
import { colorJitter } from './transforms/color-jitter.js';
import { compose } from './transforms/compose.js';
import { randomHorizontalFlip } from './transforms/flip.js';
import { evalTransform } from './transforms/presets.js';
import type { Batch, DataSource, DecodedImage, Sample } from './types.js';

const SIDE = 4;
const plain = compose([], { size: SIDE, mean: [0, 0, 0], std: [1, 1, 1] });

/** In-memory source: sample i is a SIDE x SIDE image whose pixels encode i. Counts live images. */
function fakeSource(labels: number[], opts: { bad?: Set<number> } = {}) {
  const stats = { reads: 0, live: 0, maxLive: 0, active: 0, maxActive: 0 };
  const samples: Sample[] = labels.map((label, i) => ({ id: `fake:${i}`, label }));
  const source: DataSource = {
    name: 'fake',
    classes: [...new Set(labels)].sort().map(String),
    splits: { train: samples },
    async read(sample): Promise<DecodedImage> {
      const i = Number(sample.id.slice(5));
      stats.active++;
      stats.maxActive = Math.max(stats.maxActive, stats.active);
      await new Promise((r) => setTimeout(r, i % 3 === 0 ? 1 : 0));
      stats.active--;
      if (opts.bad?.has(i))
        throw badInput(`Cannot decode image ${sample.id}`, [`${sample.id}: corrupt`]);
      stats.reads++;
      stats.live++;
      stats.maxLive = Math.max(stats.maxLive, stats.live);
      const data = new Uint8Array(SIDE * SIDE * 3);
      for (let p = 0; p < data.length; p += 3) {
        data[p] = i & 255;
        data[p + 1] = (i >> 8) & 255;
        data[p + 2] = p & 255;
      }
      return { data, width: SIDE, height: SIDE };
    },
  };
  return { source, samples, stats };
}

/** Index encoded in a batch row's first pixel. */
function rowIndex(values: Float32Array, row: number): number {
  const o = row * SIDE * SIDE * 3;
  return Math.round(values[o]! * 255) + 256 * Math.round(values[o + 1]! * 255);
}

async function collect(iter: AsyncIterable<Batch>, onBatch?: (b: Batch) => void | Promise<void>) {
  const ids: string[] = [];
  for await (const b of iter) {
    const values = b.x.dataSync() as Float32Array;
    b.samples.forEach((s, r) => {
      assert.equal(`fake:${rowIndex(values, r)}`, s.id, 'tensor row matches its sample');
      assert.equal(b.labels[r], s.label);
    });
    ids.push(...b.samples.map((s) => s.id));
    await onBatch?.(b);
    b.x.dispose();
  }
  return ids;
}

test('every sample appears exactly once per epoch; shapes and labels line up', async () => {
  const { source, samples } = fakeSource(Array.from({ length: 103 }, (_, i) => i % 4));
  const loader = createLoader(source, samples, {
    batchSize: 10,
    transform: plain,
    shuffle: true,
    seed: 1,
  });
  assert.equal(loader.numBatches, 11);
  const sizes: number[] = [];
  const ids = await collect(loader, (b) => {
    assert.deepEqual(b.x.shape.slice(1), [SIDE, SIDE, 3]);
    assert.equal(b.x.dtype, 'float32');
    sizes.push(b.x.shape[0]);
  });
  assert.deepEqual(sizes, [10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 3]);
  assert.deepEqual([...ids].sort(), samples.map((s) => s.id).sort());
  const dropped = createLoader(source, samples, {
    batchSize: 10,
    transform: plain,
    dropLast: true,
  });
  assert.equal(dropped.numBatches, 10);
  assert.equal((await collect(dropped)).length, 100);
});

test('order depends on seed and epoch; unshuffled keeps source order', async () => {
  const { source, samples } = fakeSource(Array.from({ length: 40 }, (_, i) => i % 2));
  const order = (seed: number, epoch: number) =>
    collect(
      createLoader(source, samples, { batchSize: 8, transform: plain, shuffle: true, seed }).epoch(
        epoch,
      ),
    );
  const a = await order(5, 0);
  assert.deepEqual(await order(5, 0), a);
  assert.notDeepEqual(await order(6, 0), a);
  assert.notDeepEqual(await order(5, 1), a);
  const loader = createLoader(source, samples, {
    batchSize: 8,
    transform: plain,
    shuffle: true,
    seed: 5,
  });
  assert.deepEqual(await collect(loader), a, 'first iteration is epoch 0');
  assert.deepEqual(await collect(loader), await order(5, 1), 'second iteration is epoch 1');
  const inOrder = await collect(createLoader(source, samples, { batchSize: 8, transform: plain }));
  assert.deepEqual(
    inOrder,
    samples.map((s) => s.id),
  );
});

test('augmentation depends on (seed, epoch, position), not on prefetch or concurrency', async () => {
  const { source, samples } = fakeSource(Array.from({ length: 30 }, () => 0));
  const t = compose(
    [randomHorizontalFlip(0.5), colorJitter({ brightness: 0.5, saturation: 0.5 })],
    {
      size: SIDE,
      mean: [0.5, 0.5, 0.5],
      std: [0.25, 0.25, 0.25],
    },
  );
  const run = async (prefetch: number, concurrency: number, seed = 3) => {
    const out: number[][] = [];
    const l = createLoader(source, samples, {
      batchSize: 7,
      transform: t,
      shuffle: true,
      seed,
      prefetch,
      concurrency,
    });
    for await (const b of l) {
      out.push([...(b.x.dataSync() as Float32Array)]);
      b.x.dispose();
    }
    return out;
  };
  const slow = await run(0, 1);
  assert.deepEqual(await run(4, 8), slow);
  assert.notDeepEqual(await run(0, 1, 4), slow);
});

test('balanced sampling gives roughly equal class frequencies on an imbalanced source', async () => {
  const labels = [...new Array(500).fill(0), ...new Array(50).fill(1), ...new Array(10).fill(2)];
  const { source, samples } = fakeSource(labels);
  const loader = createLoader(source, samples, {
    batchSize: 56,
    transform: plain,
    balanced: true,
    seed: 9,
  });
  const counts = [0, 0, 0];
  for (let e = 0; e < 5; e++) {
    for await (const b of loader) {
      for (const l of b.labels) counts[l]!++;
      b.x.dispose();
    }
  }
  const total = 5 * 560;
  assert.equal(counts[0]! + counts[1]! + counts[2]!, total);
  // Binomial(2800, 1/3): sd ~ 25; allow 5 sd.
  for (const c of counts) assert.ok(Math.abs(c - total / 3) < 125, `class counts ${counts}`);
});

test('bounded memory: live decoded images never exceed (prefetch + 1) * batchSize', async () => {
  const batchSize = 16;
  const prefetch = 2;
  const { source, samples, stats } = fakeSource(Array.from({ length: 3000 }, (_, i) => i % 10));
  const loader = createLoader(source, samples, {
    batchSize,
    transform: plain,
    prefetch,
    concurrency: 6,
    shuffle: true,
  });
  let n = 0;
  for await (const b of loader) {
    // A consumer slower than the producer, so the queue fills up.
    await new Promise((r) => setTimeout(r, n++ % 10 === 0 ? 5 : 0));
    stats.live -= b.samples.length;
    b.x.dispose();
  }
  assert.equal(stats.reads, 3000);
  assert.ok(stats.maxLive <= (prefetch + 1) * batchSize, `max live ${stats.maxLive}`);
  assert.ok(stats.maxLive > batchSize, `prefetch actually ran ahead (max live ${stats.maxLive})`);
  assert.ok(stats.maxActive <= 6, `decode concurrency ${stats.maxActive}`);
});

test('a huge source is streamed: breaking early decodes only what was asked plus prefetch, no leaks', async () => {
  const { source, samples, stats } = fakeSource(Array.from({ length: 100_000 }, (_, i) => i % 10));
  const before = tf.memory().numTensors;
  const loader = createLoader(source, samples, {
    batchSize: 32,
    transform: plain,
    prefetch: 3,
    shuffle: true,
  });
  let taken = 0;
  for await (const b of loader) {
    b.x.dispose();
    if (++taken === 3) break;
  }
  assert.ok(stats.reads <= (3 + 3) * 32, `reads ${stats.reads}`);
  assert.equal(tf.memory().numTensors, before, 'prefetched tensors disposed on early exit');
});

test('a bad image fails the epoch naming the file, or is skipped and counted with skipBad', async () => {
  const { source, samples } = fakeSource(
    Array.from({ length: 20 }, () => 1),
    { bad: new Set([3, 4, 5, 6]) },
  );
  const before = tf.memory().numTensors;
  await assert.rejects(
    collect(createLoader(source, samples, { batchSize: 5, transform: plain })),
    (err: unknown) => {
      assert.ok(err instanceof VisiontuneError);
      assert.match(err.message, /fake:3/);
      return true;
    },
  );
  assert.equal(tf.memory().numTensors, before);
  const loader = createLoader(source, samples, { batchSize: 5, transform: plain, skipBad: true });
  const ids = await collect(loader);
  assert.equal(ids.length, 16);
  assert.deepEqual(loader.skipped, {
    count: 4,
    examples: ['fake:3: corrupt', 'fake:4: corrupt', 'fake:5: corrupt', 'fake:6: corrupt'],
  });
});

test('end to end: real folder, eval transform, truncated JPEG skipped lazily into source.skipped', async (t) => {
  const root = await tempDir(t);
  await put(join(root, 'a', '1.jpg'), await solidJpeg(RED, 40));
  await put(join(root, 'a', '2.jpg'), await truncatedJpeg());
  await put(join(root, 'b', '3.jpg'), await solidJpeg(GREEN, 30));
  await put(join(root, 'b', 'notes.txt'), 'x');
  const source = await openFolder(root, { skipBad: true });
  assert.equal(source.skipped!.count, 1);
  const config = {
    inputSize: 16,
    mean: [0, 0, 0],
    std: [1, 1, 1],
    interpolation: 'bilinear',
  } as const;
  const loader = createLoader(source, source.splits.train!, {
    batchSize: 4,
    transform: evalTransform({ ...config, mean: [0, 0, 0], std: [1, 1, 1] }),
  });
  const batches: Batch[] = [];
  for await (const b of loader) batches.push(b);
  assert.equal(batches.length, 1);
  const [b] = batches;
  assert.deepEqual(b!.x.shape, [2, 16, 16, 3]);
  assert.deepEqual([...b!.labels], [0, 1]);
  const v = b!.x.dataSync();
  assert.ok(v[0]! > 0.9 && v[1]! < 0.1, 'red image normalized to [0,1]');
  b!.x.dispose();
  assert.equal(source.skipped!.count, 2);
  assert.match(source.skipped!.examples[1]!, /2\.jpg: .*truncated/);
});
