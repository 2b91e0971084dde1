// One geometry for an image, its boxes and its mask: with nearest-neighbour resampling the image
// and the mask agree on every pixel after any flip and scale-crop (both sample the source pixel
// under each output centre), boxes enclose exactly their object's pixels when the scale is a
// whole number, padding is gray in the image and the fill label in the mask, and image-only ops
// leave the labels alone.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../../util/rng.js';
import type { BBox, BoxAnnotation } from '../detection/types.js';
import type { LabelMap } from '../segmentation/types.js';
import { colorJitter } from '../transforms/color-jitter.js';
import type { DecodedImage } from '../types.js';
import {
  applyJointOps,
  hflipJoint,
  imageOnlyJoint,
  letterboxJoint,
  PAD_FILL,
  randomHorizontalFlipJoint,
  randomScaleCropJoint,
} from './augment.js';
import { assertBoxesTight as checkBoxes } from './test-checks.js';

const COLORS: [number, number, number][] = [
  [90, 90, 90],
  [250, 10, 10],
  [10, 10, 250],
];

/** Two apart rectangles (classes 1, 2) on class-0 gray, as an image, boxes and a mask. */
function scene(width: number, height: number, rects: [number, BBox][]) {
  const image: DecodedImage = { data: new Uint8Array(width * height * 3), width, height };
  const mask: LabelMap = { data: new Uint8Array(width * height), width, height };
  for (let p = 0; p < width * height; p++) image.data.set(COLORS[0]!, p * 3);
  for (const [cls, [x, y, w, h]] of rects)
    for (let r = y; r < y + h; r++)
      for (let c = x; c < x + w; c++) {
        image.data.set(COLORS[cls]!, (r * width + c) * 3);
        mask.data[r * width + c] = cls;
      }
  const boxes: BoxAnnotation[] = rects.map(([cls, bbox]) => ({ bbox, category: cls }));
  return { image, mask, boxes };
}

function colorClass(img: DecodedImage, p: number): number {
  const [r, g, b] = [img.data[p * 3]!, img.data[p * 3 + 1]!, img.data[p * 3 + 2]!];
  if (r === PAD_FILL[0] && g === PAD_FILL[1] && b === PAD_FILL[2]) return 255;
  return COLORS.findIndex((c) => c[0] === r && c[1] === g && c[2] === b);
}

/** Every pixel's colour names its mask label (padding: gray and 255). */
function assertAligned(out: { image: DecodedImage; mask: LabelMap }, what: string) {
  for (let p = 0; p < out.mask.data.length; p++)
    assert.equal(colorClass(out.image, p), out.mask.data[p], `${what}: pixel ${p}`);
}

/** The boxes against the mask moved with them (classes 1 and 2 are objects). */
function assertBoxesTight(
  out: { mask: LabelMap; boxes: BoxAnnotation[] },
  what: string,
  complete = true,
) {
  checkBoxes(out.mask, out.boxes, { what, classOf: (b) => b.category, objects: [1, 2], complete });
}

const base = () =>
  scene(20, 12, [
    [1, [1, 2, 5, 7]],
    [2, [12, 1, 6, 4]],
  ]);

test('a flip mirrors the image, the boxes and the mask together; twice is the identity', () => {
  const input = base();
  const once = hflipJoint(input);
  assertAligned(once, 'flipped');
  assertBoxesTight(once, 'flipped');
  assert.deepEqual(once.boxes[0]!.bbox, [20 - 1 - 5, 2, 5, 7]);
  assert.deepEqual(hflipJoint(once), input);
});

test('flip + scale-crop at whole scales: pixels, mask and boxes stay exactly together', () => {
  // "Fit the longer side (20) in 40" times 0.5, 1, 1.5: scales 1, 2 (padding around the image)
  // and 3 (a crop that cuts objects: boxes clipped or dropped, so only checked box by box).
  for (const factor of [0.5, 1, 1.5]) {
    const ops = [
      randomHorizontalFlipJoint(0.5),
      randomScaleCropJoint(40, {
        scale: [factor, factor],
        interpolation: 'nearest',
        maskFill: 255,
      }),
    ];
    const flipped = new Set<boolean>();
    for (let seed = 0; seed < 20; seed++) {
      const out = applyJointOps(ops, base(), new Rng(seed));
      const what = `factor ${factor} seed ${seed}`;
      assertAligned(out, what);
      assertBoxesTight(out, what, factor < 1.5);
      const [red, blue] = [1, 2].map((c) => out.boxes.find((b) => b.category === c));
      if (red && blue) flipped.add(red.bbox[0] > blue.bbox[0]);
    }
    if (factor < 1.5) assert.deepEqual([...flipped].sort(), [false, true], 'both sides seen');
  }
});

test('any scale with nearest sampling: every image pixel still names its mask label', () => {
  const ops = [
    randomHorizontalFlipJoint(0.5),
    randomScaleCropJoint(32, { scale: [0.4, 2.5], interpolation: 'nearest', maskFill: 255 }),
  ];
  for (let seed = 0; seed < 30; seed++) {
    const out = applyJointOps(ops, base(), new Rng(seed).fork('any'));
    assert.equal(out.image.width, 32);
    assertAligned(out, `seed ${seed}`);
    for (const { bbox } of out.boxes)
      assert.ok(bbox[0] >= 0 && bbox[1] >= 0 && bbox[0] + bbox[2] <= 32 && bbox[1] + bbox[3] <= 32);
  }
});

test('letterbox: labels follow, padding is gray and the fill label; the mapping comes back', () => {
  const out = letterboxJoint(base(), 40, { interpolation: 'nearest', maskFill: 7 });
  assert.deepEqual(out.letterbox, { scaleX: 2, scaleY: 2, padX: 0, padY: 8 });
  assert.deepEqual(out.boxes[0]!.bbox, [2, 4 + 8, 10, 14]);
  assert.equal(out.mask.data[0], 7, 'top padding');
  assert.equal(out.mask.data[8 * 40], 0, 'first image row');
  const mask = { ...out.mask, data: out.mask.data.map((v) => (v === 7 ? 255 : v)) };
  assertAligned({ image: out.image, mask }, 'letterbox');
  assertBoxesTight({ mask, boxes: out.boxes }, 'letterbox');
});

test('labels absent stay absent; image-only ops leave boxes and mask untouched', () => {
  const { image } = base();
  const flipped = hflipJoint({ image });
  assert.deepEqual(Object.keys(flipped), ['image']);
  const input = base();
  const jittered = imageOnlyJoint(colorJitter({ brightness: 0.5 })).apply(input, new Rng(1));
  assert.equal(jittered.mask, input.mask);
  assert.equal(jittered.boxes, input.boxes);
  assert.notDeepEqual(jittered.image.data, input.image.data);
});
