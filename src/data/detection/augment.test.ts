// Box-aware augmentation: boxes follow the pixels (checked by drawing each box in white on black
// and reading the transformed image inside the transformed box), clipping and dropping rules by
// hand, the letterbox round trip, and seeded determinism.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../../util/rng.js';
import { makeImage } from '../transforms/types.js';
import {
  applyBoxOps,
  type BoxedImage,
  hflipBoxes,
  letterbox,
  moveBoxes,
  PAD_FILL,
  randomHorizontalFlipBoxes,
  randomScaleCrop,
  unletterbox,
} from './augment.js';
import type { BBox } from './types.js';

/** Black image with each box filled white. */
function drawn(width: number, height: number, boxes: BBox[]): BoxedImage {
  const image = makeImage(width, height);
  for (const [x, y, w, h] of boxes)
    for (let r = y; r < y + h; r++)
      for (let c = x; c < x + w; c++)
        image.data.fill(255, (r * width + c) * 3, (r * width + c) * 3 + 3);
  return { image, boxes: boxes.map((bbox) => ({ bbox, category: 0 })) };
}

/** Mean brightness inside a box, shrunk by a pixel on each side (edges blur when resampled). */
function meanInside({ image }: BoxedImage, [x, y, w, h]: BBox): number {
  let sum = 0;
  let n = 0;
  for (let r = Math.ceil(y + 1); r < Math.floor(y + h - 1); r++)
    for (let c = Math.ceil(x + 1); c < Math.floor(x + w - 1); c++) {
      sum += image.data[(r * image.width + c) * 3]!;
      n++;
    }
  return n ? sum / n : Number.NaN;
}

test('moveBoxes clips to the image and drops boxes mostly outside it', () => {
  const box = [{ bbox: [0, 0, 10, 10] as BBox, category: 1 }];
  assert.deepEqual(moveBoxes(box, { scale: 1, dx: -4, dy: 0 }, 50, 50), [
    { bbox: [0, 0, 6, 10], category: 1 },
  ]);
  assert.deepEqual(moveBoxes(box, { scale: 1, dx: -6, dy: 0 }, 50, 50), [], '40% left: dropped');
  assert.deepEqual(moveBoxes(box, { scale: 0.1, dx: 0, dy: 0 }, 50, 50), [], '1 px wide: dropped');
  assert.deepEqual(moveBoxes(box, { scale: 2, dx: 5, dy: 5 }, 50, 50), [
    { bbox: [5, 5, 20, 20], category: 1 },
  ]);
});

test('a horizontal flip mirrors the boxes with the pixels; twice is the identity', () => {
  const input = drawn(40, 30, [
    [3, 4, 10, 8],
    [25, 10, 12, 15],
  ]);
  const flipped = hflipBoxes(input);
  assert.deepEqual(
    flipped.boxes.map((b) => b.bbox),
    [
      [27, 4, 10, 8],
      [3, 10, 12, 15],
    ],
  );
  for (const b of flipped.boxes) assert.equal(meanInside(flipped, b.bbox), 255);
  assert.deepEqual(hflipBoxes(flipped).boxes, input.boxes);
  assert.deepEqual(hflipBoxes(flipped).image.data, input.image.data);
});

test('letterbox fits, centres and pads, and maps boxes back to the original exactly', () => {
  const input = drawn(64, 32, [[10, 4, 20, 8]]);
  const out = letterbox(input, 32);
  assert.deepEqual(out.letterbox, { scaleX: 0.5, scaleY: 0.5, padX: 0, padY: 8 });
  assert.deepEqual(out.boxes[0].bbox, [5, 10, 10, 4]);
  assert.deepEqual([...out.image.data.subarray(0, 3)], PAD_FILL, 'gray padding');
  assert.deepEqual(unletterbox(out.boxes[0].bbox, out.letterbox), [10, 4, 20, 8]);
  assert.ok(meanInside(out, out.boxes[0].bbox) > 200);
});

test('letterbox of an odd size: the rounded side gets its own scale, boxes map back exactly', () => {
  // 100×33 into 64: width 64 (scale 0.64), height round(21.12) = 21, so y scales by 21/33.
  const input = drawn(100, 33, [[0, 0, 100, 33]]);
  const out = letterbox(input, 64);
  assert.equal(out.letterbox.scaleX, 0.64);
  assert.equal(out.letterbox.scaleY, 21 / 33);
  const back = unletterbox(out.boxes[0].bbox, out.letterbox);
  back.forEach((v, i) => {
    assert.ok(Math.abs(v - [0, 0, 100, 33][i]) < 1e-9, `${back}`);
  });
  // The box covers exactly the resized picture: bottom edge at pad + 21.
  assert.ok(
    Math.abs(out.boxes[0].bbox[1] + out.boxes[0].bbox[3] - (out.letterbox.padY + 21)) < 1e-9,
  );
});

test('random scale and crop: boxes follow the pixels, stay inside, and the stream is seeded', () => {
  const input = drawn(60, 40, [
    [5, 5, 16, 12],
    [30, 8, 20, 24],
    [44, 30, 14, 8],
  ]);
  const op = randomScaleCrop(48, { scale: [0.6, 1.6] });
  let kept = 0;
  let dropped = 0;
  for (let seed = 0; seed < 30; seed++) {
    const out = op.apply(input, new Rng(seed));
    assert.equal(out.image.width, 48);
    kept += out.boxes.length;
    dropped += input.boxes.length - out.boxes.length;
    for (const { bbox } of out.boxes) {
      const [x, y, w, h] = bbox;
      assert.ok(x >= 0 && y >= 0 && x + w <= 48 + 1e-9 && y + h <= 48 + 1e-9, `inside: ${bbox}`);
      if (w > 6 && h > 6)
        assert.ok(meanInside(out, bbox) > 180, `seed ${seed}: ${bbox} covers the object`);
    }
    assert.deepEqual(op.apply(input, new Rng(seed)), out, 'same seed, same output');
  }
  assert.ok(
    kept > 0 && dropped > 0,
    `over 30 seeds some boxes leave the window (${kept} kept, ${dropped} dropped)`,
  );
});

test('ops compose on one stream', () => {
  const input = drawn(20, 20, [[2, 2, 6, 6]]);
  const always = applyBoxOps([randomHorizontalFlipBoxes(1)], input, new Rng(0));
  assert.deepEqual(always.boxes[0].bbox, [12, 2, 6, 6]);
  assert.equal(applyBoxOps([randomHorizontalFlipBoxes(0)], input, new Rng(0)), input);
});
