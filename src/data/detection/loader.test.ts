import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import sharp from 'sharp';
import { sharpDecoder } from '../decode-sharp.js';
import { randomHorizontalFlipBoxes, randomScaleCrop, unletterbox } from './augment.js';
import { openCoco } from './coco.js';
import { createDetectionLoader, type DetectionBatch } from './loader.js';
import { makeSquares } from './test-fixture.js';
import type { DetectionSample } from './types.js';

let work: string;
let samples: DetectionSample[];
const decoder = sharpDecoder();
const norm = { mean: [0.5, 0.5, 0.5] as const, std: [0.5, 0.5, 0.5] as const };

before(async () => {
  await tf.setBackend('cpu');
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'vt-det-loader-'));
  const made = await makeSquares(work, { images: 10, size: 64, seed: 2 });
  samples = (await openCoco(made.annotationFile)).samples;
});
after(() => fs.rm(work, { recursive: true, force: true }));

async function collect(it: AsyncIterable<DetectionBatch>) {
  const out: { x: Float32Array; shape: number[]; batch: DetectionBatch }[] = [];
  for await (const batch of it) {
    out.push({ x: (await batch.x.data()) as Float32Array, shape: batch.x.shape, batch });
    batch.x.dispose();
  }
  return out;
}

test('an image to predict on, far larger than the input, maps back to its own pixels', async () => {
  const big = path.join(work, 'big.jpg');
  await sharp({ create: { width: 1024, height: 512, channels: 3, background: '#c8c8c8' } })
    .jpeg()
    .toFile(big);
  const sample: DetectionSample = { id: big, width: 0, height: 0, boxes: [] };
  const loader = createDetectionLoader([sample], { ...norm, size: 64, batchSize: 1, decoder });
  const [{ batch }] = await collect(loader.epoch(0));
  assert.deepEqual(batch.sizes[0], { width: 1024, height: 512 });
  // The whole letterboxed image (64×32 below 16 px of pad) is the whole original.
  assert.deepEqual(unletterbox([0, 16, 64, 32], batch.letterboxes[0]), [0, 0, 1024, 512]);
});

test('evaluation batches: letterboxed pixels normalized, boxes mapped there and back', async () => {
  // A 100×50 image: letterboxed to 64, scale 0.64, 16 px of gray above and below.
  const wide = path.join(work, 'wide.png');
  const pixels = Buffer.alloc(100 * 50 * 3, 200);
  await sharp(pixels, { raw: { width: 100, height: 50, channels: 3 } })
    .png()
    .toFile(wide);
  const sample: DetectionSample = {
    id: wide,
    width: 100,
    height: 50,
    boxes: [{ bbox: [10, 5, 50, 25], category: 1 }],
  };
  const loader = createDetectionLoader([sample, samples[0]], {
    ...norm,
    size: 64,
    batchSize: 2,
    decoder,
  });
  const [{ x, shape, batch }] = await collect(loader.epoch(0));
  assert.deepEqual(shape, [2, 64, 64, 3]);
  const l = batch.letterboxes[0];
  assert.deepEqual(l, { scaleX: 0.64, scaleY: 0.64, padX: 0, padY: 16 });
  const moved = batch.boxes[0][0].bbox;
  const close = (got: readonly number[], want: number[]) =>
    assert.ok(
      got.every((v, i) => Math.abs(v - want[i]) < 1e-9),
      `${got} vs ${want}`,
    );
  close(moved, [6.4, 19.2, 32, 16]);
  const back = unletterbox(batch.boxes[0][0].bbox, l);
  close(back, [10, 5, 50, 25]);
  assert.deepEqual(batch.sizes[0], { width: 100, height: 50 });
  // Gray pad (114) above, the image (200) in the middle, both as (v/255 − 0.5)/0.5.
  assert.ok(Math.abs(x[(2 * 64 + 10) * 3] - (114 / 255 - 0.5) / 0.5) < 1e-6);
  assert.ok(Math.abs(x[(32 * 64 + 10) * 3] - (200 / 255 - 0.5) / 0.5) < 1e-6);
  // The square image is already 64 px: its boxes come through unchanged.
  assert.deepEqual(batch.boxes[1], samples[0].boxes);
});

test('training batches are seeded per epoch and position, boxes follow the ops', async () => {
  const make = () =>
    createDetectionLoader(samples, {
      ...norm,
      size: 48,
      batchSize: 4,
      decoder,
      shuffle: true,
      seed: 5,
      ops: [randomHorizontalFlipBoxes(0.5), randomScaleCrop(48, { scale: [0.5, 1.2] })],
    });
  const a = await collect(make().epoch(1));
  const b = await collect(make().epoch(1));
  const c = await collect(make().epoch(2));
  assert.equal(a.length, 3);
  assert.deepEqual(
    a.map((r) => r.x),
    b.map((r) => r.x),
  );
  assert.deepEqual(
    a.map((r) => r.batch.boxes),
    b.map((r) => r.batch.boxes),
  );
  assert.notDeepEqual(
    a.map((r) => r.x),
    c.map((r) => r.x),
  );
  for (const { batch } of a) {
    for (const boxes of batch.boxes) {
      for (const { bbox } of boxes) {
        assert.ok(
          bbox[0] >= 0 &&
            bbox[1] >= 0 &&
            bbox[0] + bbox[2] <= 48 + 1e-9 &&
            bbox[1] + bbox[3] <= 48 + 1e-9,
        );
      }
    }
  }
});

test('an unreadable image or a size that differs from its annotation names the file', async () => {
  const broken = path.join(work, 'broken.png');
  await fs.writeFile(broken, 'not an image');
  const bad: DetectionSample = { id: broken, width: 64, height: 64, boxes: [] };
  const options = { ...norm, size: 64, batchSize: 4, decoder };
  await assert.rejects(
    collect(createDetectionLoader([samples[0], bad], options).epoch(0)),
    /broken\.png/,
  );
  const skipping = createDetectionLoader([samples[0], bad], { ...options, skipBad: true });
  const got = await collect(skipping.epoch(0));
  assert.equal(got[0].batch.samples.length, 1);
  await collect(skipping.epoch(1));
  assert.equal(skipping.skipped.count, 1, 'counted once over two epochs');
  const wrongSize = { ...samples[1], width: 65 };
  await assert.rejects(
    collect(createDetectionLoader([wrongSize], options).epoch(0)),
    /is 64x64 but its annotation says 65x64/,
  );
});
