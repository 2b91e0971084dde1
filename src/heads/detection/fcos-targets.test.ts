// FCOS assignment on hand-worked cases: which locations of which level a box claims (with and
// without centre sampling), the smaller box winning a shared location, size ranges sending big
// boxes to coarse levels, and the regression and centre-ness targets.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fcosTargets } from './fcos-targets.js';

const positives = (labels: Int32Array, width: number) =>
  [...labels.keys()].filter((p) => labels[p] >= 0).map((p) => [p % width, Math.floor(p / width)]);

test('a 40 px box claims the stride-8 locations inside it; centre sampling keeps the 3×3 middle', () => {
  // Box x, y in [8, 48): stride-8 locations at 4 + 8j; inside: 12, 20, 28, 36, 44 (j = 1..5).
  const box = { bbox: [8, 8, 40, 40] as const, category: 2 };
  const plain = fcosTargets([box], 64, 64, { radius: 0 });
  assert.deepEqual([plain[0].height, plain[0].width, plain[1].width, plain[2].width], [8, 8, 4, 2]);
  assert.equal(positives(plain[0].labels, 8).length, 25);
  assert.equal(
    positives(plain[1].labels, 4).length,
    0,
    'largest distance ≤ 64: the first level only',
  );
  // Centre (28, 28), reach 1.5 · 8 = 12: x in (16, 40) -> 20, 28, 36.
  const sampled = fcosTargets([box], 64, 64);
  assert.deepEqual(
    positives(sampled[0].labels, 8),
    [2, 3, 4].flatMap((i) => [2, 3, 4].map((j) => [j, i])),
  );
  // Location (28, 28) is index 3·8 + 3: distances 20 each way, centre-ness 1.
  const p = 3 * 8 + 3;
  assert.equal(sampled[0].labels[p], 2);
  assert.deepEqual([...sampled[0].distances.subarray(p * 4, p * 4 + 4)], [20, 20, 20, 20]);
  assert.equal(sampled[0].centerness[p], 1);
  // Location (20, 36): l 12, t 28, r 28, b 12 -> sqrt(12/28 · 12/28) = 12/28.
  const q = 4 * 8 + 2;
  assert.deepEqual([...sampled[0].distances.subarray(q * 4, q * 4 + 4)], [12, 28, 28, 12]);
  assert.ok(Math.abs(sampled[0].centerness[q] - 12 / 28) < 1e-6);
});

test('a location inside two boxes regresses the smaller one', () => {
  const big = { bbox: [0, 0, 60, 60] as const, category: 0 };
  const small = { bbox: [16, 16, 20, 20] as const, category: 1 };
  const [level] = fcosTargets([big, small], 64, 64, { radius: 0 });
  // (28, 28) lies in both: the small box (area 400) wins.
  assert.equal(level.labels[3 * 8 + 3], 1);
  assert.equal(level.labels[0], 0, '(4, 4) is only in the big box');
});

test('size ranges send large boxes to coarse levels', () => {
  // A 200 px box: every location's largest distance exceeds 128 somewhere near its edges.
  const targets = fcosTargets([{ bbox: [0, 0, 200, 200], category: 0 }], 256, 256, { radius: 0 });
  const counts = targets.map((t) => positives(t.labels, t.width).length);
  // Inside a 200 px box some side is always ≥ 100 px away: nothing for stride 8 (≤ 64); the
  // middle (largest distance ≤ 128) goes to stride 16, the rest to stride 32.
  assert.equal(counts[0], 0);
  assert.ok(counts[1] > 0 && counts[2] > 0, `per level ${counts}`);
  for (const t of targets) {
    for (const [j, i] of positives(t.labels, t.width)) {
      const d = t.distances.subarray((i * t.width + j) * 4, (i * t.width + j) * 4 + 4);
      const m = Math.max(...d);
      const [lo, hi] = t.stride === 8 ? [0, 64] : t.stride === 16 ? [64, 128] : [128, Infinity];
      assert.ok(m > lo && m <= hi, `stride ${t.stride}: max distance ${m}`);
    }
  }
  assert.equal(
    counts.reduce((a, b) => a + b),
    0 + counts[0] + counts[1] + counts[2],
  );
});

test('no boxes: every location is background', () => {
  for (const t of fcosTargets([], 32, 48)) assert.ok(t.labels.every((l) => l === -1));
});
