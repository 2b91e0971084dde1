import assert from 'node:assert/strict';
import { test } from 'node:test';
import { iou } from './iou.js';
import { BoxKalman, boxToZ, zToBox } from './kalman.js';
import type { Box } from './types.js';

const at = (t: number): Box => ({ x: 10 + 4 * t, y: 20 - 2 * t, w: 30, h: 60 });

test('box <-> [cx, cy, s, r] round trip', () => {
  const b = { x: 3, y: 4, w: 30, h: 60 };
  assert.deepEqual(boxToZ(b), [18, 34, 1800, 0.5]);
  const back = zToBox(boxToZ(b));
  for (const k of ['x', 'y', 'w', 'h'] as const) assert.ok(Math.abs(back[k] - b[k]) < 1e-9);
});

test('constant velocity: prediction error shrinks to ~0 and velocity is learnt', () => {
  const kf = new BoxKalman(at(0));
  const errors: number[] = [];
  for (let t = 1; t <= 40; t++) {
    const p = kf.predict();
    const truth = at(t);
    errors.push(Math.hypot(p.x - truth.x, p.y - truth.y, p.w - truth.w, p.h - truth.h));
    kf.update(truth);
  }
  assert.ok(errors[0]! > 3, `first prediction should lag (error ${errors[0]})`);
  assert.ok(errors[39]! < 1e-2, `final prediction error ${errors[39]}`);
  assert.ok(errors[39]! < errors[5]! && errors[5]! < errors[0]!);
  const [, , , , vx, vy, vs] = kf.state();
  assert.ok(Math.abs(vx! - 4) < 1e-2 && Math.abs(vy! + 2) < 1e-2 && Math.abs(vs!) < 1e-2);
  // Coasting without measurements keeps moving at the learnt velocity.
  assert.ok(iou(kf.predict(), at(41)) > 0.99);
});

test('update with the exact measurement moves the state toward it', () => {
  const kf = new BoxKalman({ x: 0, y: 0, w: 10, h: 10 });
  kf.predict();
  const target = { x: 6, y: 0, w: 10, h: 10 };
  const before = kf.box();
  kf.update(target);
  const after = kf.box();
  assert.ok(Math.abs(after.x - target.x) < Math.abs(before.x - target.x));
  assert.ok(after.x > 0 && after.x <= target.x + 1e-9);
  assert.ok(kf.state()[4]! > 0, 'velocity picks up the direction of motion');
});

test('a shrinking box never gets a negative area', () => {
  const kf = new BoxKalman({ x: 0, y: 0, w: 20, h: 20 });
  for (let t = 1; t < 8; t++) {
    kf.predict();
    const side = Math.max(1, 20 - 3 * t);
    kf.update({ x: 0, y: 0, w: side, h: side });
  }
  for (let t = 0; t < 50; t++) {
    const b = kf.predict();
    assert.ok(b.w >= 0 && b.h >= 0 && Number.isFinite(b.w));
  }
});
