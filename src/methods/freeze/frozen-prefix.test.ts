// The frozen prefix of an --unfreeze N network: cut at a block boundary, and training the suffix
// on the prefix's ONNX Runtime output gives the same losses and weights as training the whole
// network in TF.js (within 1e-4), step after step.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { frozenForward, releaseFrozenForward } from '../../bundle/onnx/frozen-forward.js';
import { initEngine } from '../../engine/index.js';
import { Rng } from '../../util/rng.js';
import { splitBlocks } from './blocks.js';
import { unfreezeLast } from './freeze.js';
import { splitFrozenPrefix } from './frozen-prefix.js';
import { smallModel } from './test-models.js';

await initEngine({});

async function finetuneNetwork(unfreeze: number) {
  const { model, entry } = await smallModel('mobilenet_v2', { seed: 4 });
  unfreezeLast(model, unfreeze, splitBlocks(model, entry.blocks));
  return model;
}

function batch(seed: number): { x: tf.Tensor4D; y: tf.Tensor2D } {
  const rng = new Rng(seed);
  const x = tf.tensor4d(
    Float32Array.from({ length: 4 * 64 * 64 * 3 }, () => rng.normal()),
    [4, 64, 64, 3],
  );
  return { x, y: tf.oneHot([0, 1, 2, 1], 3).toFloat() as tf.Tensor2D };
}

/** Three SGD steps; `logitsOf` gives the training-mode logits of a batch. */
async function train(
  model: tf.LayersModel,
  logitsOf: (x: tf.Tensor4D) => Promise<() => tf.Tensor>,
): Promise<number[]> {
  const losses: number[] = [];
  const vars = model.trainableWeights.map((w) => (w as unknown as { val: tf.Variable }).val);
  for (let step = 0; step < 3; step++) {
    const { x, y } = batch(step);
    const logits = await logitsOf(x);
    const { value, grads } = tf.variableGrads(
      () => tf.losses.softmaxCrossEntropy(y, logits() as tf.Tensor2D) as tf.Scalar,
      vars,
    );
    losses.push((await value.data())[0]!);
    for (const v of vars) v.assign(tf.sub(v, tf.mul(grads[v.name]!, 0.05)));
    tf.dispose([x, y, value, ...Object.values(grads)]);
  }
  return losses;
}

test('the prefix before the last N blocks is cut at one tensor, frozen layers only', async () => {
  const model = await finetuneNetwork(2);
  const split = splitFrozenPrefix(model);
  assert.ok(split, 'mobilenet_v2 with 2 blocks training has a frozen prefix');
  const cutIndex = model.layers.findIndex((l) => l.name === split.cut);
  for (const layer of model.layers.slice(1, cutIndex + 1))
    assert.ok(!layer.trainable || layer.trainableWeights.length === 0, `${layer.name} is frozen`);
  const next = model.layers[cutIndex + 1]!;
  assert.ok(
    next.trainable && next.trainableWeights.length > 0,
    `${next.name} after the cut trains`,
  );
  assert.deepEqual(split.suffix.outputs[0]!.shape, [null, 3]);
  // Head only: the prefix is the whole body, pooling included; the suffix is the head.
  assert.equal(splitFrozenPrefix(await finetuneNetwork(0))?.suffix.layers.length, 2);
  const all = await smallModel('mobilenet_v2', { seed: 4 });
  assert.equal(splitFrozenPrefix(all.model), undefined, 'nothing frozen: no prefix');
});

test('training the suffix on the ONNX prefix matches training the whole network', async () => {
  const whole = await finetuneNetwork(2);
  const parted = await finetuneNetwork(2);
  const split = splitFrozenPrefix(parted)!;
  const prefix = await frozenForward(parted, { cut: split.cut, engine: 'onnx' });
  assert.equal(prefix.engine, 'onnx');
  const a = await train(whole, async (x) => () => whole.apply(x, { training: true }) as tf.Tensor);
  const b = await train(parted, async (x) => {
    const features = await prefix.run(x);
    return () => split.suffix.apply(features, { training: true }) as tf.Tensor;
  });
  for (const [i, loss] of a.entries())
    assert.ok(Math.abs(loss - b[i]!) < 1e-4, `step ${i}: ${loss} vs ${b[i]}`);
  assert.ok(a[2] !== a[0], 'the weights moved');
  const worst = whole.trainableWeights.reduce((m, w, i) => {
    const d = tf.max(tf.abs(tf.sub(w.read(), parted.trainableWeights[i]!.read()))).dataSync()[0]!;
    return Math.max(m, d);
  }, 0);
  assert.ok(worst < 1e-4, `trained weights differ by ${worst}`);
  await releaseFrozenForward(parted);
});
