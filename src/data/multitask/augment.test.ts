// The multi-task training augmentation: flip, scale-crop to the input, jitter only when asked,
// and mask padding with the segmentation tasks' one ignore index (different ones are refused).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../../util/rng.js';
import { applyJointOps } from '../joint/augment.js';
import { multiTaskAugmentation } from './augment.js';
import type { TaskShape } from './types.js';

const seg = (name: string, ignoreIndex?: number): TaskShape => ({
  name,
  kind: 'segmentation',
  classes: ['background', 'thing'],
  ...(ignoreIndex === undefined ? {} : { ignoreIndex }),
});

test('flip, scale-crop and optional jitter; padding takes the ignore index', () => {
  const ops = multiTaskAugmentation(16, [seg('a', 9), seg('b', 9)], {
    scale: [0.5, 0.5],
    colorJitter: 0,
  });
  assert.deepEqual(
    ops.map((op) => op.name),
    ['hflip(0.5)', 'scaleCrop(16, 0.5-0.5)'],
  );
  const image = { data: new Uint8Array(16 * 16 * 3).fill(50), width: 16, height: 16 };
  const mask = { data: new Uint8Array(16 * 16).fill(1), width: 16, height: 16 };
  const out = applyJointOps(ops, { image, mask }, new Rng(0));
  // Half size: 8×8 of label 1 inside 16×16, the rest padding.
  assert.equal(out.mask.data.filter((v) => v === 1).length, 64);
  assert.equal(out.mask.data.filter((v) => v === 9).length, 256 - 64);
  const jittered = multiTaskAugmentation(16, [], { scale: [1, 1], colorJitter: 0.4, flip: 0 });
  assert.equal(jittered.length, 3);
});

test('segmentation tasks with different ignore indices are refused', () => {
  assert.throws(
    () => multiTaskAugmentation(16, [seg('a'), seg('b', 0)], { scale: [1, 1], colorJitter: 0 }),
    /different ignore indices \(255, 0\)/,
  );
});
