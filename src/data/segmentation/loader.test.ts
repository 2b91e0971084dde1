import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import sharp from 'sharp';
import type { VisiontuneError } from '../../errors.js';
import { encodeIndexPng } from '../../report/mask-images.js';
import { sharpDecoder } from '../decode-sharp.js';
import { randomHorizontalFlipMasked, randomScaleCropMasked } from './augment.js';
import { createSegmentationLoader } from './loader.js';
import { openSegmentationData } from './open.js';
import { makeShapes, SHAPES_CLASSES } from './test-fixture.js';

let work: string;
before(async () => {
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'vt-seg-loader-'));
  await tf.setBackend('cpu');
});
after(() => fs.rm(work, { recursive: true, force: true }));

const NORMALIZE = { mean: [0, 0, 0] as const, std: [1, 1, 1] as const };

test('batches: every label sits under its colour after flips and scale-crops', async () => {
  const dir = path.join(work, 'shapes');
  await makeShapes(dir, { images: 10, width: 48, height: 40, seed: 1 });
  const data = await openSegmentationData(dir);
  assert.deepEqual(data.classes, SHAPES_CLASSES);
  const size = 32;
  const loader = createSegmentationLoader(data.samples, {
    ...NORMALIZE,
    size,
    batchSize: 4,
    decoder: sharpDecoder(),
    source: data,
    shuffle: true,
    seed: 3,
    ops: [
      randomHorizontalFlipMasked(0.5),
      randomScaleCropMasked(size, {
        scale: [0.7, 1.5],
        ignoreIndex: 255,
        interpolation: 'nearest',
      }),
    ],
  });
  assert.equal(loader.numBatches, 3);
  let images = 0;
  const seen = new Set<number>();
  for await (const batch of loader.epoch(0)) {
    const n = batch.samples.length;
    assert.deepEqual(batch.x.shape, [n, size, size, 3]);
    assert.equal(batch.labels.length, n * size * size);
    const x = batch.x.dataSync();
    batch.x.dispose();
    for (let p = 0; p < batch.labels.length; p++) {
      const label = batch.labels[p];
      seen.add(label);
      const [r, , b] = [x[p * 3], x[p * 3 + 1], x[p * 3 + 2]].map((v) => Math.round(v * 255));
      // Nearest resampling keeps colours exact: red is 220, blue is 220 in the blue channel,
      // the noise is 110..149 and the padding gray 114.
      if (label === 1) assert.equal(r, 220, `pixel ${p}`);
      else if (label === 2) assert.equal(b, 220, `pixel ${p}`);
      else if (label === 0) assert.ok(r >= 110 && r < 150 && b < 150, `pixel ${p}: ${r},${b}`);
    }
    images += n;
  }
  assert.equal(images, 10);
  assert.ok(seen.has(1) && seen.has(2) && seen.has(0));
});

test('a mask with a class index past the list names the mask; --skip-bad leaves it out', async () => {
  const dir = path.join(work, 'bad');
  const made = await makeShapes(dir, { images: 4, width: 32, seed: 2 });
  const data = new Uint8Array(32 * 32).fill(7);
  await fs.writeFile(made.masks[1], await encodeIndexPng({ data, width: 32, height: 32 }));
  await fs.writeFile(made.images[2], 'not a png');
  const set = await openSegmentationData(dir, { skipBad: true });
  // The unreadable image fails at open (its size cannot be read); the bad mask at load.
  assert.equal(set.samples.length, 3);
  assert.match(set.skipped[0].where, /003\.png/);
  const options = {
    ...NORMALIZE,
    size: 32,
    batchSize: 4,
    decoder: sharpDecoder(),
    source: set,
    ops: [randomScaleCropMasked(32, { scale: [1, 1], ignoreIndex: 255 })],
  };
  const strict = createSegmentationLoader(set.samples, options);
  await assert.rejects(async () => {
    for await (const b of strict.epoch(0)) b.x.dispose();
  }, /masks\/002\.png.*7/s);
  const lenient = createSegmentationLoader(set.samples, { ...options, skipBad: true });
  let count = 0;
  for await (const b of lenient.epoch(0)) {
    count += b.samples.length;
    assert.equal(b.labels.length, b.samples.length * 32 * 32);
    b.x.dispose();
  }
  assert.equal(count, 2);
  assert.equal(lenient.skipped.count, 1);
  await assert.rejects(openSegmentationData(dir), (err: VisiontuneError) => {
    assert.match(err.message, /1 bad image\/mask pair/);
    assert.match(err.details.join('\n'), /003\.png/);
    return true;
  });
});

test('the mask must have the image size (checked when the pair is opened)', async () => {
  const dir = path.join(work, 'sizes');
  const made = await makeShapes(dir, { images: 2, width: 32, seed: 3 });
  await sharp({ create: { width: 30, height: 32, channels: 3, background: '#000' } })
    .png()
    .toFile(made.masks[0]);
  await assert.rejects(openSegmentationData(dir), (err: VisiontuneError) =>
    /001\.png: image is 32×32 but its mask .* is 30×32/.test(err.details.join('\n')),
  );
});
