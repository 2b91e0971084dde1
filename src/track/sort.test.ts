import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../util/rng.js';
import { motMetrics } from './mot-metrics.js';
import { SortTracker } from './sort.js';
import { a, b, idAt, runFrames } from './testing.js';
import type { Box, Detection, Track } from './types.js';

const det = (frame: number, box: Box): Detection => ({ frame, box, score: 0.9 });

/** Runs the tracker over frames 1..n; `boxesAt(f)` gives that frame's detections. */
const run = (tracker: SortTracker, n: number, boxesAt: (f: number) => Box[]): Track[][] =>
  runFrames(tracker, n, (f) => boxesAt(f).map((box) => det(f, box)));

test('two objects in straight lines keep distinct, stable ids', () => {
  const out = run(new SortTracker({ maxAge: 1, minHits: 3, iouThreshold: 0.3 }), 30, (f) => [
    a(f),
    b(f),
  ]);
  const idsA = out.map((ts, i) => idAt(ts, a(i + 1)));
  const idsB = out.map((ts, i) => idAt(ts, b(i + 1)));
  assert.ok(
    idsA.every((id) => id === 1),
    `ids of A: ${idsA}`,
  );
  assert.ok(
    idsB.every((id) => id === 2),
    `ids of B: ${idsB}`,
  );
  for (const ts of out) assert.equal(ts.length, 2);
  assert.equal(out[0]![0]!.frame, 1);
});

test('a detection missing for one frame (within maxAge) keeps its id', () => {
  const tracker = new SortTracker({ maxAge: 1, minHits: 3, iouThreshold: 0.3 });
  const out = run(tracker, 20, (f) => (f === 8 ? [b(f)] : [a(f), b(f)]));
  assert.equal(idAt(out[6]!, a(7)), 1);
  assert.equal(idAt(out[7]!, a(8)), undefined, 'not reported while coasting');
  // Back after the gap: same id once its hit streak is rebuilt (3 frames).
  for (let f = 9; f <= 20; f++) {
    const id = idAt(out[f - 1]!, a(f));
    assert.ok(id === undefined || id === 1, `frame ${f}: id ${id}`);
  }
  for (let f = 11; f <= 20; f++) assert.equal(idAt(out[f - 1]!, a(f)), 1);
  assert.ok(
    out.flat().every((t) => t.id <= 2),
    'no new identity was started',
  );
});

test('a gap longer than maxAge ends the track; the object returns with a new id', () => {
  const tracker = new SortTracker({ maxAge: 1, minHits: 3, iouThreshold: 0.3 });
  const out = run(tracker, 20, (f) => (f === 8 || f === 9 ? [] : [a(f)]));
  assert.equal(idAt(out[6]!, a(7)), 1);
  assert.equal(idAt(out[19]!, a(20)), 2);
});

test('crossing objects with distinct velocities keep their ids through the crossing', () => {
  // Same row, opposite directions, same size: they overlap fully around frame 20.
  const left = (f: number): Box => ({ x: 100 + 6 * f, y: 100, w: 40, h: 80 });
  const right = (f: number): Box => ({ x: 340 - 6 * f, y: 104, w: 40, h: 80 });
  const out = run(new SortTracker({ maxAge: 1, minHits: 3, iouThreshold: 0.3 }), 40, (f) => [
    left(f),
    right(f),
  ]);
  for (let f = 1; f <= 40; f++) {
    if (Math.abs(f - 20) <= 2) continue; // near-total overlap: which is which is ambiguous
    assert.equal(idAt(out[f - 1]!, left(f)), 1, `left, frame ${f}`);
    assert.equal(idAt(out[f - 1]!, right(f)), 2, `right, frame ${f}`);
  }
});

test('minHits withholds new tracks after the warm-up; a one-frame false positive never shows', () => {
  const tracker = new SortTracker({ maxAge: 1, minHits: 3, iouThreshold: 0.3 });
  const fp: Box = { x: 900, y: 900, w: 20, h: 20 };
  const out = run(tracker, 12, (f) => (f === 6 ? [a(f), fp] : [a(f)]));
  assert.ok(out.flat().every((t) => t.id === 1));
  // An object appearing at frame 6 shows from its third consecutive hit, frame 8.
  const late = run(new SortTracker(), 12, (f) => (f >= 6 ? [a(f), b(f)] : [a(f)]));
  assert.equal(idAt(late[6]!, b(7)), undefined);
  assert.equal(idAt(late[7]!, b(8)), 2);
});

test('rejects bad options', () => {
  assert.throws(() => new SortTracker({ iouThreshold: 2 }), RangeError);
  assert.throws(() => new SortTracker({ maxAge: -1 }), RangeError);
});

test('end to end: SORT on jittery detections with dropouts scores well on CLEAR MOT and IDF1', () => {
  const rng = new Rng(11);
  const objects = [a, b, (f: number): Box => ({ x: 200 + 2 * f, y: 400 - f, w: 60, h: 120 })];
  const gt: Track[] = [];
  const tracker = new SortTracker();
  const pred: Track[] = [];
  for (let f = 1; f <= 60; f++) {
    const dets: Detection[] = [];
    objects.forEach((o, k) => {
      const box = o(f);
      gt.push({ id: k + 1, frame: f, box });
      if (rng.bool(0.05)) return; // detector miss
      const j = () => rng.uniform(-1.5, 1.5);
      dets.push(det(f, { x: box.x + j(), y: box.y + j(), w: box.w + j(), h: box.h + j() }));
    });
    pred.push(...tracker.update(dets, f));
  }
  const m = motMetrics(gt, pred);
  assert.equal(m.fp, 0);
  assert.ok(m.mota > 0.8, `MOTA ${m.mota}`);
  assert.ok(m.idsw <= 1, `IDSW ${m.idsw}`);
  assert.ok(m.idf1 > 0.8, `IDF1 ${m.idf1}`);
});
