// COCO segmentations to label maps: polygons rasterized at pixel centres (hand-counted square and
// triangle, both fill rules), RLE plain and compressed (a string worked out by hand from the
// format), and annotations painted in order with crowds as the ignore index.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { VisiontuneError } from '../../errors.js';
import { cocoToLabelMap } from './coco-masks.js';
import { fillPolygon } from './polygon.js';
import { decodeCounts, decodeRle, encodeCounts, encodeRle } from './rle.js';

const count = (mask: Uint8Array, v = 1) => mask.filter((x) => x === v).length;

test('polygon: a 4×4 square covers exactly its 16 pixels', () => {
  const mask = new Uint8Array(8 * 8);
  fillPolygon(mask, 8, 8, [1, 1, 5, 1, 5, 5, 1, 5]);
  assert.equal(count(mask), 16);
  for (let y = 0; y < 8; y++)
    for (let x = 0; x < 8; x++)
      assert.equal(mask[y * 8 + x], x >= 1 && x <= 4 && y >= 1 && y <= 4 ? 1 : 0, `(${x}, ${y})`);
});

test('polygon: right triangle, centres on the hypotenuse left out (7+6+…+1 = 28 pixels)', () => {
  const mask = new Uint8Array(8 * 8);
  fillPolygon(mask, 8, 8, [0, 0, 8, 0, 0, 8]);
  assert.equal(count(mask), 28);
  // Row y holds x = 0..6-y: centre x+0.5 < 8-(y+0.5).
  for (let y = 0; y < 8; y++)
    assert.equal(count(mask.subarray(y * 8, y * 8 + 8)), Math.max(0, 7 - y));
});

test('polygon: clipped to the image; a path wound twice is empty even-odd, full non-zero', () => {
  const clipped = new Uint8Array(4 * 4);
  fillPolygon(clipped, 4, 4, [-2, -2, 2, -2, 2, 2, -2, 2]);
  assert.deepEqual([...clipped], [1, 1, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  const twice = [0, 0, 4, 0, 4, 4, 0, 4, 0, 0, 4, 0, 4, 4, 0, 4];
  const evenodd = new Uint8Array(16);
  fillPolygon(evenodd, 4, 4, twice, 'evenodd');
  assert.equal(count(evenodd), 0);
  const nonzero = new Uint8Array(16);
  fillPolygon(nonzero, 4, 4, twice, 'nonzero');
  assert.equal(count(nonzero), 16);
});

// 3 rows × 6 columns; column-major runs: 0 zeros, 10 ones, 5 zeros, 3 ones.
const RLE_MASK = [
  [1, 1, 1, 1, 0, 1],
  [1, 1, 1, 0, 0, 1],
  [1, 1, 1, 0, 0, 1],
].flat();

test('uncompressed RLE decodes column-major', () => {
  assert.deepEqual([...decodeRle({ counts: [0, 10, 5, 3], size: [3, 6] })], RLE_MASK);
  assert.deepEqual(encodeRle(Uint8Array.from(RLE_MASK), 6, 3), {
    counts: [0, 10, 5, 3],
    size: [3, 6],
  });
});

test('compressed RLE: hand-encoded strings', () => {
  // 0 → '0'; 10 → ':' (10+48); 5 → '5'; 4th count stored as 3-10 = -7 → 5 bits 11001 = 25 with the
  // sign bit set, one group → 'I' (25+48).
  assert.deepEqual(decodeCounts('0:5I'), [0, 10, 5, 3]);
  assert.equal(encodeCounts([0, 10, 5, 3]), '0:5I');
  assert.deepEqual([...decodeRle({ counts: '0:5I', size: [3, 6] })], RLE_MASK);
  // 40 = 0b01000 + 1·32: first group 8 | 0x20 (more) → 'X', then 1 → '1'.
  assert.deepEqual(decodeCounts('X1'), [40]);
  assert.equal(encodeCounts([40]), 'X1');
});

test('compressed RLE round-trips counts, large ones included', () => {
  const counts = [0, 3, 2 ** 31 + 5, 1, 7, 100000, 2, 2 ** 40];
  assert.deepEqual(decodeCounts(encodeCounts(counts)), counts);
  let seed = 7;
  const rand = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  const mask = Uint8Array.from({ length: 13 * 11 }, () => (rand() < 0.4 ? 1 : 0));
  const rle = encodeRle(mask, 11, 13);
  const s = encodeCounts(rle.counts as number[]);
  assert.deepEqual(decodeRle({ counts: s, size: [13, 11] }), mask);
});

test('bad RLE: counts not covering the image, broken string', () => {
  assert.throws(() => decodeRle({ counts: [0, 5], size: [3, 6] }), /cover 5 pixels, not 6×3 = 18/);
  assert.throws(() => decodeCounts('X'), /ends inside a count/);
});

test('cocoToLabelMap paints in order, crowds as the ignore index', () => {
  const categoryIndex = new Map([
    [3, 1],
    [7, 2],
  ]);
  const square = { id: 1, category_id: 3, segmentation: [[0, 0, 4, 0, 4, 4, 0, 4]] };
  // The first 8 pixels column-major are column 0.
  const column = {
    id: 2,
    category_id: 7,
    segmentation: { counts: [0, 8, 56], size: [8, 8] as [number, number] },
  };
  const crowd = {
    id: 3,
    category_id: 7,
    iscrowd: 1,
    segmentation: { counts: encodeCounts([63, 1]), size: [8, 8] as [number, number] },
  };
  const map = cocoToLabelMap([square, column, crowd], categoryIndex, 8, 8);
  assert.equal(count(map.data, 1), 16 - 4); // column 0 painted over the square's left edge
  assert.equal(count(map.data, 2), 8);
  assert.equal(map.data[63], 255);
  assert.equal(count(map.data, 0), 64 - 12 - 8 - 1);
  for (let y = 0; y < 8; y++) assert.equal(map.data[y * 8], 2);
});

test('cocoToLabelMap names bad annotations together', () => {
  const bad = [
    { id: 'a', category_id: 99, segmentation: [[0, 0, 1, 0, 1, 1]] },
    { id: 'b', category_id: 3, segmentation: { counts: [0, 4], size: [2, 2] as [number, number] } },
  ];
  assert.throws(
    () => cocoToLabelMap(bad, new Map([[3, 1]]), 8, 8, { where: 'train.json' }),
    (err: unknown) => {
      const e = err as VisiontuneError;
      assert.equal(e.code, 'BAD_INPUT');
      assert.match(e.message, /train\.json: 2 bad segmentations/);
      assert.match(e.details[0]!, /annotation a: category_id 99 has no class index/);
      assert.match(e.details[1]!, /annotation b: RLE size 2×2 differs from the image's 8×8/);
      return true;
    },
  );
});
