import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../../util/rng.js';
import { colorJitter } from '../transforms/color-jitter.js';
import type { DecodedImage } from '../types.js';
import {
  applyMaskOps,
  imageOnlyMasked,
  type MaskedImage,
  randomHorizontalFlipMasked,
  randomScaleCropMasked,
} from './augment.js';

const COLORS: [number, number, number][] = [
  [250, 10, 10],
  [10, 250, 10],
  [10, 10, 250],
];

/** Random rectangles of three colours on a 60×40 image; the mask holds each pixel's colour index. */
function scene(seed: number): MaskedImage {
  const rng = new Rng(seed);
  const width = 60;
  const height = 40;
  const mask = new Uint8Array(width * height);
  for (let k = 0; k < 6; k++) {
    const x0 = rng.int(width - 8);
    const y0 = rng.int(height - 8);
    const w = 4 + rng.int(20);
    const h = 4 + rng.int(15);
    const c = rng.int(3);
    for (let y = y0; y < Math.min(height, y0 + h); y++)
      for (let x = x0; x < Math.min(width, x0 + w); x++) mask[y * width + x] = c;
  }
  const data = new Uint8Array(width * height * 3);
  mask.forEach((c, i) => {
    data.set(COLORS[c], i * 3);
  });
  const image: DecodedImage = { data, width, height };
  return { image, mask: { data: mask, width, height } };
}

/** Share of pixels whose mask label is the class of the image colour (gray pad ↔ 255). */
function agreement({ image, mask }: MaskedImage): number {
  let same = 0;
  for (let i = 0; i < mask.data.length; i++) {
    const px = [image.data[i * 3], image.data[i * 3 + 1], image.data[i * 3 + 2]];
    const label = px.every((v) => v === 114) ? 255 : px.indexOf(Math.max(...px));
    if (label === mask.data[i]) same++;
  }
  return same / mask.data.length;
}

test('scale-and-crop and flip move image and mask together (nearest: every pixel agrees)', () => {
  const ops = [
    randomHorizontalFlipMasked(0.5),
    randomScaleCropMasked(48, { scale: [0.5, 1.8], ignoreIndex: 255, interpolation: 'nearest' }),
  ];
  let padded = 0;
  for (let seed = 0; seed < 20; seed++) {
    const out = applyMaskOps(ops, scene(seed), new Rng(seed).fork('aug'));
    assert.equal(out.image.width, 48);
    assert.equal(out.mask.width, 48);
    assert.equal(agreement(out), 1, `seed ${seed}`);
    padded += out.mask.data.filter((v) => v === 255).length;
  }
  assert.ok(padded > 0, 'some windows were padded: padding is the ignore index');
});

test('with bilinear images the mask stays exact labels and agrees away from edges', () => {
  const op = randomScaleCropMasked(48, { scale: [0.8, 1.5], ignoreIndex: 255 });
  for (let seed = 0; seed < 10; seed++) {
    const out = op.apply(scene(seed), new Rng(seed));
    assert.ok(out.mask.data.every((v) => v < 3 || v === 255));
    assert.ok(agreement(out) > 0.85, `seed ${seed}: ${agreement(out)}`);
  }
});

test('image-only ops leave the mask as it was; the same seed gives the same result', () => {
  const input = scene(3);
  const op = imageOnlyMasked(colorJitter({ brightness: 0.5, contrast: 0.5, saturation: 0.5 }));
  const out = op.apply(input, new Rng(1));
  assert.equal(out.mask, input.mask);
  assert.notDeepEqual(out.image.data, input.image.data);
  const ops = [randomHorizontalFlipMasked(), randomScaleCropMasked(32, { ignoreIndex: 255 })];
  const a = applyMaskOps(ops, input, new Rng(9));
  const b = applyMaskOps(ops, input, new Rng(9));
  assert.deepEqual(a, b);
});
