import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { listBackbones } from '../../backbones/index.js';
import { initEngine } from '../../engine/index.js';
import { Rng } from '../../util/rng.js';
import { buildDeeplabV3Plus } from './deeplab.js';
import { buildUnet } from './unet.js';

const DECODERS = { unet: buildUnet, deeplabv3plus: buildDeeplabV3Plus };

for (const [name, build] of Object.entries(DECODERS)) {
  test(`${name}: per-pixel logits at the input size on every same-padded backbone`, async () => {
    await tf.setBackend('cpu');
    for (const entry of listBackbones()) {
      try {
        const s = await build({
          backbone: entry.name,
          pretrained: false,
          numClasses: 3,
          inputSize: 96,
          channels: 16,
        });
        assert.deepEqual(s.model.outputs[0].shape, [null, 96, 96, 3], entry.name);
        assert.ok(!s.backboneLayers.has('head_logits') && s.backboneLayers.size > 5);
        s.model.dispose();
      } catch (err) {
        // Inception's 'valid' padding: maps of other sizes, refused by name.
        assert.equal(entry.name, 'inception_v3', (err as Error).message);
        assert.match((err as Error).message, /backbone inception_v3: .* not 24x24, /);
      }
    }
  });

  test(`${name}: a few steps on a real task lower the loss (a bright square is class 1)`, async () => {
    // Training, not numerics, is under test: the fastest engine here (the cpu backend took 100 s).
    // initEngine answers with the engine it started before; the test above left tf on cpu.
    await tf.setBackend((await initEngine()).backend);
    const size = 32;
    const s = await build({
      backbone: 'resnet_tiny',
      pretrained: false,
      numClasses: 2,
      inputSize: size,
      channels: 16,
      seed: 1,
    });
    const rng = new Rng(3);
    const n = 8;
    const images = new Float32Array(n * size * size * 3);
    const labels = new Int32Array(n * size * size);
    for (let b = 0; b < n; b++) {
      const side = 8 + rng.int(10);
      const x0 = rng.int(size - side);
      const y0 = rng.int(size - side);
      for (let y = 0; y < size; y++) {
        for (let x = 0; x < size; x++) {
          const inside = x >= x0 && x < x0 + side && y >= y0 && y < y0 + side;
          const p = (b * size + y) * size + x;
          labels[p] = inside ? 1 : 0;
          for (let c = 0; c < 3; c++)
            images[p * 3 + c] = (inside ? 0.8 : -0.8) + 0.2 * rng.normal();
        }
      }
    }
    const x = tf.tensor4d(images, [n, size, size, 3]);
    const y = tf.oneHot(tf.tensor1d(labels, 'int32'), 2);
    const optimizer = tf.train.adam(3e-3);
    const losses: number[] = [];
    for (let step = 0; step < 12; step++) {
      const loss = optimizer.minimize(() => {
        const logits = tf.reshape(s.model.apply(x, { training: true }) as tf.Tensor, [-1, 2]);
        return tf.losses.softmaxCrossEntropy(y, logits) as tf.Scalar;
      }, true) as tf.Scalar;
      losses.push((await loss.data())[0]);
      loss.dispose();
    }
    assert.ok(losses.every(Number.isFinite));
    assert.ok(losses[losses.length - 1] < 0.6 * losses[0], `loss ${losses[0]} -> ${losses.at(-1)}`);
    tf.dispose([x, y]);
    s.model.dispose();
  });
}
