import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import type { BoxAnnotation } from '../../data/detection/types.js';
import { initEngine } from '../../engine/index.js';
import { Rng } from '../../util/rng.js';
import { buildMultiTaskNetwork } from './network.js';
import { type TaskTargets, taskLoss } from './task-losses.js';

test('a few steps on the summed task losses lower every task loss, with labels on some images only', async () => {
  // Training, not numerics, is under test: the fastest engine here (as decoders.e2e.test.ts).
  await tf.setBackend((await initEngine()).backend);
  const size = 32;
  const net = await buildMultiTaskNetwork({
    backbone: 'resnet_tiny',
    pretrained: false,
    inputSize: size,
    channels: 16,
    seed: 4,
    tasks: [
      { name: 'side', kind: 'classification', numClasses: 2 },
      { name: 'colours', kind: 'multilabel', numClasses: 3 },
      { name: 'boxes', kind: 'detection', numClasses: 1, towerDepth: 1 },
      { name: 'masks', kind: 'segmentation', numClasses: 2 },
    ],
  });
  // A bright square per image: its side (classification), its colour channels (multi-label),
  // its box (detection) and its pixels (segmentation). Each task sees labels on some images.
  const rng = new Rng(7);
  const n = 8;
  const images = new Float32Array(n * size * size * 3);
  const classes = new Int32Array(n);
  const multi = new Float32Array(n * 3);
  const boxes: BoxAnnotation[][] = [];
  const masks = new Int32Array(n * size * size);
  for (let b = 0; b < n; b++) {
    const side = 10 + rng.int(8);
    const x0 = rng.int(size - side);
    const y0 = rng.int(size - side);
    const on = [0, 1, 2].map(() => rng.int(2));
    if (!on.some((v) => v > 0)) on[b % 3] = 1;
    classes[b] = x0 + side / 2 < size / 2 ? 0 : 1;
    multi.set(on, b * 3);
    boxes.push([{ bbox: [x0, y0, side, side], category: 0 }]);
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const inside = x >= x0 && x < x0 + side && y >= y0 && y < y0 + side;
        const p = (b * size + y) * size + x;
        masks[p] = inside ? 1 : 0;
        for (let c = 0; c < 3; c++)
          images[p * 3 + c] = (inside && on[c] ? 0.9 : -0.9) + 0.1 * rng.normal();
      }
    }
  }
  const presence = (k: number) => Float32Array.from({ length: n }, (_, b) => ((b + k) % 3 ? 1 : 0));
  const targets: TaskTargets[] = [
    { present: presence(0), classes },
    { present: presence(1), multi },
    { present: presence(2), boxes },
    { present: Float32Array.from({ length: n }, () => 1), masks },
  ];
  const x = tf.tensor4d(images, [n, size, size, 3]);
  const optimizer = tf.train.adam(3e-3);
  const history: number[][] = [];
  for (let step = 0; step < 10; step++) {
    let each: number[] = [];
    const total = optimizer.minimize(() => {
      const outputs = net.model.apply(x, { training: true }) as tf.Tensor[];
      const losses = net.heads.map((h) => taskLoss(h, outputs[h.output], targets[h.output]).total);
      each = losses.map((l) => l.dataSync()[0]);
      return tf.addN(losses) as tf.Scalar;
    }, true) as tf.Scalar;
    total.dispose();
    history.push(each);
  }
  // The detection loss is noisy step to step: the mean of the last three steps against the first.
  const first = history[0];
  const late = first.map((_, k) => history.slice(-3).reduce((s, e) => s + e[k], 0) / 3);
  for (const [k, h] of net.heads.entries()) {
    assert.ok(Number.isFinite(late[k]), h.name);
    assert.ok(late[k] < 0.8 * first[k], `${h.name}: ${first[k]} -> ${late[k]}`);
  }
  x.dispose();
  net.model.dispose();
});
