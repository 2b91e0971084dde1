import assert from 'node:assert/strict';
import { test } from 'node:test';
import { VisiontuneError } from '../errors.js';
import { motMetrics } from './mot-metrics.js';
import type { Box, Track } from './types.js';

const A = (f: number): Box => ({ x: 10 * f, y: 0, w: 50, h: 100 });
const B = (f: number): Box => ({ x: 10 * f, y: 500, w: 50, h: 100 });

/** Frames 1..n of one trajectory; `idAt(f)` may return undefined to leave a frame out. */
function traj(
  n: number,
  box: (f: number) => Box,
  idAt: (f: number) => number | undefined,
): Track[] {
  const out: Track[] = [];
  for (let f = 1; f <= n; f++) {
    const id = idAt(f);
    if (id !== undefined) out.push({ id, frame: f, box: box(f) });
  }
  return out;
}

const gt = [...traj(10, A, () => 1), ...traj(10, B, () => 2)];

test('perfect tracker: MOTA 1, MOTP 1, IDF1 1, no switches or fragments', () => {
  const pred = [...traj(10, A, () => 7), ...traj(10, B, () => 8)];
  const m = motMetrics(gt, pred);
  assert.equal(m.mota, 1);
  assert.equal(m.motp, 1);
  assert.equal(m.idf1, 1);
  assert.deepEqual([m.fp, m.fn, m.idsw, m.frag, m.matches], [0, 0, 0, 0, 20]);
});

test('identities swapped midway: two switches (one per ground-truth track), IDF1 = 1/2', () => {
  // Frames 1-5: pred 1 on A, 2 on B; frames 6-10: swapped.
  const pred = [...traj(10, A, (f) => (f <= 5 ? 1 : 2)), ...traj(10, B, (f) => (f <= 5 ? 2 : 1))];
  const m = motMetrics(gt, pred);
  assert.equal(m.idsw, 2);
  assert.equal(m.mota, 1 - 2 / 20);
  // Best trajectory pairing covers 5 frames of each gt: IDTP 10, IDFP 10, IDFN 10.
  assert.deepEqual([m.idtp, m.idfp, m.idfn], [10, 10, 10]);
  assert.equal(m.idf1, 0.5);
  assert.equal(m.frag, 0);
});

test('one track handed to a new id midway: one switch, IDF1 = 3/4', () => {
  const pred = [...traj(10, A, (f) => (f <= 5 ? 1 : 3)), ...traj(10, B, () => 2)];
  const m = motMetrics(gt, pred);
  assert.equal(m.idsw, 1);
  assert.equal(m.mota, 1 - 1 / 20);
  // IDTP = 5 (A with 1 or 3) + 10 (B with 2); IDFP = IDFN = 5; IDF1 = 30 / 40.
  assert.deepEqual([m.idtp, m.idfp, m.idfn], [15, 5, 5]);
  assert.equal(m.idf1, 0.75);
});

test('one missed frame: FN 1, one fragmentation, MOTA and IDF1 by hand', () => {
  const g = traj(10, A, () => 1);
  const pred = traj(10, A, (f) => (f === 5 ? undefined : 4));
  const m = motMetrics(g, pred);
  assert.deepEqual([m.fn, m.fp, m.idsw, m.frag], [1, 0, 0, 1]);
  assert.equal(m.mota, 1 - 1 / 10);
  // IDTP 9, IDFP 0, IDFN 1: 18 / 19.
  assert.equal(m.idf1, 18 / 19);
});

test('a miss at the start or end is not a fragmentation', () => {
  const g = traj(10, A, () => 1);
  const m = motMetrics(
    g,
    traj(10, A, (f) => (f === 1 || f === 10 ? undefined : 4)),
  );
  assert.deepEqual([m.fn, m.frag], [2, 0]);
});

test('one false positive: FP 1, MOTA 0.9, IDF1 20/21', () => {
  const g = traj(10, A, () => 1);
  const pred = [
    ...traj(10, A, () => 1),
    { id: 9, frame: 3, box: { x: 900, y: 900, w: 10, h: 10 } },
  ];
  const m = motMetrics(g, pred);
  assert.deepEqual([m.fp, m.fn, m.idsw, m.frag], [1, 0, 0, 0]);
  assert.equal(m.mota, 0.9);
  assert.equal(m.idf1, 20 / 21);
});

test('a kept correspondence beats a better-overlapping newcomer (no switch)', () => {
  const box = { x: 0, y: 0, w: 100, h: 100 };
  const g: Track[] = [
    { id: 1, frame: 1, box },
    { id: 1, frame: 2, box },
  ];
  const pred: Track[] = [
    { id: 5, frame: 1, box },
    { id: 5, frame: 2, box: { x: 20, y: 0, w: 100, h: 100 } }, // IoU 80/120 = 2/3
    { id: 6, frame: 2, box },
  ];
  const m = motMetrics(g, pred);
  assert.deepEqual([m.idsw, m.fp, m.matches], [0, 1, 2]);
  assert.ok(Math.abs(m.motp - (1 + 2 / 3) / 2) < 1e-12);
});

test('matches below the IoU threshold count as a miss plus a false positive', () => {
  const g: Track[] = [{ id: 1, frame: 1, box: { x: 0, y: 0, w: 100, h: 100 } }];
  const pred: Track[] = [{ id: 1, frame: 1, box: { x: 50, y: 0, w: 100, h: 100 } }]; // IoU 1/3
  const m = motMetrics(g, pred);
  assert.deepEqual([m.fp, m.fn, m.matches], [1, 1, 0]);
  assert.equal(m.mota, -1);
  assert.equal(motMetrics(g, pred, { iouThreshold: 0.3 }).matches, 1);
});

test('duplicate (frame, id) is a user error', () => {
  const t: Track = { id: 1, frame: 1, box: A(1) };
  assert.throws(
    () => motMetrics([t, t], []),
    (e: unknown) => e instanceof VisiontuneError && e.code === 'BAD_INPUT',
  );
});
