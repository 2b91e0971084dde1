import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { createModel } from '../../backbones/index.js';
import { initEngine } from '../../engine/index.js';
import { Rng } from '../../util/rng.js';
import { linearHead } from './linear-head.js';
import { initHeadFromProbe } from './probe-head.js';

before(async () => {
  await initEngine({ backend: 'wasm' });
});

const SIZE = 32;
const CLASSES = 4;

function randomImages(n: number, seed: number): tf.Tensor4D {
  const rng = new Rng(seed);
  const data = Float32Array.from({ length: n * SIZE * SIZE * 3 }, () => rng.next() * 2 - 1);
  return tf.tensor4d(data, [n, SIZE, SIZE, 3]);
}

/** The largest |a − b| over two equally shaped tensors. */
function maxDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);
}

for (const [layer, dropRate] of [
  ['stage2_out', 0],
  ['stage1_out+stage2_out', 0.3],
] as const) {
  test(`the network's head set from the probe gives the probe's logits (${layer}, dropout ${dropRate})`, async () => {
    const built = { inputSize: SIZE, embeddingLayer: layer, seed: 5, pretrained: false };
    const { model: embed } = await createModel('resnet_tiny', built);
    const { model: network } = await createModel('resnet_tiny', {
      ...built,
      numClasses: CLASSES,
      dropRate,
    });
    // The probe, as the linear strategy builds it: statistics from embeddings of training
    // images, a Dense head trained on them (random labels: any weights will do, trained ones
    // included), so that the fold has non-trivial statistics and weights to carry over.
    const trainImages = randomImages(24, 1);
    const pooled = embed.predict(trainImages) as tf.Tensor2D;
    const dim = pooled.shape[1];
    const rng = new Rng(2);
    const labels = Int32Array.from({ length: 24 }, () => rng.int(CLASSES));
    const probe = linearHead(
      { embeddings: pooled.dataSync() as Float32Array, labels, dim, ids: [] },
      undefined,
      { classes: CLASSES, dropRate, epochs: 3, batchSize: 8, seed: 3 },
    );
    const { fit } = await import('../../train/loop.js');
    await fit(probe.plan);
    probe.plan.optimizer.dispose();

    const x = randomImages(6, 7);
    const expected = probe.model.predict(embed.predict(x) as tf.Tensor) as tf.Tensor;
    const before = network.predict(x) as tf.Tensor;
    assert.ok(maxDiff(before, expected) > 1e-2, 'a fresh head computes something else');
    initHeadFromProbe(network, probe.model);
    const after = network.predict(x) as tf.Tensor;
    const scale = tf.tidy(() => tf.max(tf.abs(expected)).dataSync()[0]!);
    assert.ok(
      maxDiff(after, expected) <= 1e-4 * Math.max(1, scale),
      `max |Δ| ${maxDiff(after, expected)} (logits up to ${scale})`,
    );
    tf.dispose([trainImages, pooled, x, expected, before, after]);
    for (const m of [embed, network, probe.model]) m.dispose();
  });
}

test('a probe whose head does not match the network is refused', async () => {
  const { model: network } = await createModel('resnet_tiny', {
    inputSize: SIZE,
    embeddingLayer: 'stage2_out',
    numClasses: CLASSES,
    pretrained: false,
  });
  const input = tf.input({ shape: [3] });
  const wrong = tf.model({
    inputs: input,
    outputs: tf.layers.dense({ units: 2, name: 'head' }).apply(input) as tf.SymbolicTensor,
  });
  assert.throws(() => initHeadFromProbe(network, wrong), /no Standardize/);
  network.dispose();
});
