import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import type { DecodedImage } from '../../data/types.js';
import { Rng } from '../../util/rng.js';
import { chooseMode, segmentImage, windowStarts } from './segment-image.js';

const NORMALIZE = { mean: [0.5, 0.4, 0.3] as const, std: [0.25, 0.2, 0.3] as const };
const CLASSES = 5;

/** A per-pixel model (1×1 conv): its label at a pixel depends on that pixel alone. */
function pixelModel(size: number, seed: number) {
  const rng = new Rng(seed);
  const kernel = Array.from({ length: 3 * CLASSES }, () => rng.normal());
  const bias = Array.from({ length: CLASSES }, () => 0.3 * rng.normal());
  const model = tf.sequential({
    layers: [tf.layers.conv2d({ inputShape: [size, size, 3], filters: CLASSES, kernelSize: 1 })],
  });
  model.layers[0].setWeights([tf.tensor4d(kernel, [1, 1, 3, CLASSES]), tf.tensor1d(bias)]);
  /** Float64 label of one RGB pixel and its margin over the runner-up. */
  const label = (rgb: ArrayLike<number>) => {
    const z = Array.from({ length: CLASSES }, (_, c) => {
      let v = bias[c];
      for (let k = 0; k < 3; k++)
        v += kernel[k * CLASSES + c] * ((rgb[k] / 255 - NORMALIZE.mean[k]) / NORMALIZE.std[k]);
      return v;
    });
    const order = z.map((v, c) => [v, c]).sort((a, b) => b[0] - a[0]);
    return { label: order[0][1], margin: order[0][0] - order[1][0] };
  };
  return { model, label };
}

function randomImage(width: number, height: number, seed: number): DecodedImage {
  const rng = new Rng(seed);
  return {
    data: Uint8Array.from({ length: width * height * 3 }, () => rng.int(256)),
    width,
    height,
  };
}

test('windowStarts: first window at 0, the last flush with the end, none past it', () => {
  assert.deepEqual(windowStarts(1024, 224, 149), [0, 149, 298, 447, 596, 745, 800]);
  assert.deepEqual(windowStarts(224, 224, 149), [0]);
  assert.deepEqual(windowStarts(100, 224, 149), [0]);
  assert.deepEqual(windowStarts(300, 100, 100), [0, 100, 200]);
});

test('chooseMode: auto slides only over images more than twice the input size', () => {
  assert.equal(chooseMode({ width: 1024, height: 768 }, 224), 'slide');
  assert.equal(chooseMode({ width: 448, height: 300 }, 224), 'resize');
  assert.equal(chooseMode({ width: 1024, height: 768 }, 224, 'resize'), 'resize');
});

test('slide: every pixel of a 300×200 image gets the per-pixel model label (windows stitched in place)', async () => {
  await tf.setBackend('cpu');
  const size = 64;
  const { model, label } = pixelModel(size, 1);
  const image = randomImage(300, 200, 2);
  const out = await segmentImage(model, image, { ...NORMALIZE, size, mode: 'slide', batch: 5 });
  assert.equal(out.mode, 'slide');
  assert.equal(out.windows, 7 * 5); // stride round(64 · 2/3) = 43
  assert.deepEqual([out.mask.width, out.mask.height], [300, 200]);
  let checked = 0;
  for (let i = 0; i < 300 * 200; i++) {
    const want = label(image.data.subarray(i * 3, i * 3 + 3));
    if (want.margin < 1e-4) continue; // float32 vs float64 near-ties
    checked++;
    assert.equal(out.mask.data[i], want.label, `pixel (${i % 300}, ${Math.floor(i / 300)})`);
  }
  assert.ok(checked > 59_000);
  model.dispose();
});

test('slide on an image smaller than a window: one padded window, the image-sized mask', async () => {
  await tf.setBackend('cpu');
  const { model, label } = pixelModel(64, 3);
  const image = randomImage(50, 40, 4);
  const out = await segmentImage(model, image, { ...NORMALIZE, size: 64, mode: 'slide' });
  assert.equal(out.windows, 1);
  assert.deepEqual([out.mask.width, out.mask.height], [50, 40]);
  const wrong = [...out.mask.data].filter(
    (v, i) => v !== label(image.data.subarray(i * 3, i * 3 + 3)).label,
  ).length;
  assert.ok(wrong <= 2, `${wrong} pixels differ`);
  model.dispose();
});

test('resize: a band image comes back at its own size with each band labelled', async () => {
  await tf.setBackend('cpu');
  const size = 64;
  const { model, label } = pixelModel(size, 5);
  const width = 128;
  const height = 80;
  const rng = new Rng(6);
  const bands = Array.from({ length: 4 }, () => [rng.int(256), rng.int(256), rng.int(256)]);
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < width * height; i++)
    data.set(bands[Math.floor(((i % width) * 4) / width)], i * 3);
  const out = await segmentImage(model, { data, width, height }, { ...NORMALIZE, size });
  assert.equal(out.mode, 'resize');
  assert.deepEqual([out.mask.width, out.mask.height], [width, height]);
  let same = 0;
  for (let i = 0; i < width * height; i++)
    if (out.mask.data[i] === label(data.subarray(i * 3, i * 3 + 3)).label) same++;
  // Only the columns where bilinear resampling blends two bands may differ.
  assert.ok(same / (width * height) > 0.95, `agreement ${same / (width * height)}`);
  model.dispose();
});

test('a model whose output is not [batch, size, size, classes] is refused by shape', async () => {
  await tf.setBackend('cpu');
  const model = tf.sequential({
    layers: [tf.layers.globalAveragePooling2d({ inputShape: [32, 32, 3] })],
  });
  await assert.rejects(
    segmentImage(model, randomImage(40, 30, 1), { ...NORMALIZE, size: 32 }),
    /outputs \[1,3\]/,
  );
});
