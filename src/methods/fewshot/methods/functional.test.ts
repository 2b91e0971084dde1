import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { batchNormalization } from '../../../backbones/batchnorm-fix.js';
import { initEngine } from '../../../engine/index.js';
import { snapshotWeights, valueAndGradients, variablesOf, withWeights } from './functional.js';

before(async () => {
  await initEngine({ backend: 'cpu' });
});

/** Conv, our BatchNorm (trainable), depthwise conv and Dense: every weight-reading layer kind. */
function smallModel(): tf.LayersModel {
  const seed = 5;
  return tf.sequential({
    layers: [
      tf.layers.conv2d({
        inputShape: [6, 6, 2],
        filters: 4,
        kernelSize: 3,
        padding: 'same',
        kernelInitializer: tf.initializers.glorotUniform({ seed }),
      }),
      batchNormalization(),
      tf.layers.depthwiseConv2d({
        kernelSize: 3,
        depthwiseInitializer: tf.initializers.glorotUniform({ seed: seed + 1 }),
      }),
      tf.layers.reLU(),
      tf.layers.globalAveragePooling2d({}),
      tf.layers.dense({ units: 3, kernelInitializer: tf.initializers.glorotUniform({ seed }) }),
    ],
  });
}

const maxDiff = (a: tf.Tensor, b: tf.Tensor) =>
  tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);

test('a forward pass with substitute tensors equals one after assigning them; reads are restored', () => {
  const model = smallModel();
  const weights = model.trainableWeights;
  assert.ok(
    weights.some((w) => /gamma/.test(w.name)),
    'BatchNorm gamma is trainable',
  );
  const originals = weights.map((w) => w.read());
  const subs = weights.map((w, i) => tf.randomNormal(w.shape as number[], 0.5, 0.3, 'float32', i));
  const x = tf.randomNormal([3, 6, 6, 2], 0, 1, 'float32', 9);
  const restoreAll = snapshotWeights(variablesOf(model.weights));
  for (const training of [false, true]) {
    const functional = withWeights(weights, subs, () => model.apply(x, { training }) as tf.Tensor);
    for (const [i, w] of weights.entries())
      assert.equal(w.read(), originals[i], `${w.name} read restored`);
    assert.ok(weights.every((w) => !Object.hasOwn(w, 'read')));
    const restore = snapshotWeights(variablesOf(weights));
    for (const [i, v] of variablesOf(weights).entries()) v.assign(subs[i]!);
    const assigned = model.apply(x, { training }) as tf.Tensor;
    restore();
    assert.ok(maxDiff(functional, assigned) === 0, `training ${training}: outputs differ`);
    const plain = model.apply(x, { training }) as tf.Tensor;
    assert.ok(maxDiff(functional, plain) > 1e-3, 'the substitutes did change the output');
    tf.dispose([functional, assigned, plain]);
  }
  restoreAll();
  tf.dispose([x, ...subs]);
});

test('gradients with respect to substitute tensors equal the gradients of the assigned variables', () => {
  const model = smallModel();
  const weights = model.trainableWeights;
  const subs = weights.map((w, i) => tf.randomNormal(w.shape as number[], 0.5, 0.3, 'float32', i));
  const x = tf.randomNormal([3, 6, 6, 2], 0, 1, 'float32', 9);
  const loss = () =>
    tf.sum(tf.square(model.apply(x, { training: true }) as tf.Tensor)) as tf.Scalar;
  const functional = valueAndGradients((...w) => withWeights(weights, w, loss), subs);
  const vars = variablesOf(model.weights);
  const restore = snapshotWeights(vars);
  for (const [i, v] of variablesOf(weights).entries()) v.assign(subs[i]!);
  const direct = tf.variableGrads(loss, variablesOf(weights));
  restore();
  variablesOf(weights).forEach((v, i) => {
    const d = maxDiff(functional.grads[i]!, direct.grads[v.name]!);
    assert.ok(d < 1e-5, `${v.name}: gradient differs by ${d}`);
  });
  tf.dispose([x, ...subs, functional.value, ...functional.grads, direct.value]);
  tf.dispose(Object.values(direct.grads));
});

test('reads are restored when the function throws, on a shape mismatch, and when nested', () => {
  const model = smallModel();
  const [a, b] = model.trainableWeights;
  const [origA, origB] = [a!.read(), b!.read()];
  const va = tf.zeros(a!.shape as number[]);
  const vb = tf.zeros(b!.shape as number[]);
  assert.throws(() =>
    withWeights([a!], [va], () => {
      throw new Error('boom');
    }),
  );
  assert.equal(a!.read(), origA);
  assert.throws(() => withWeights([a!, b!], [va, va], () => 0), /withWeights: .* is \[/);
  assert.equal(a!.read(), origA);
  withWeights([a!], [va], () => {
    withWeights([a!, b!], [tf.ones(a!.shape as number[]), vb], () => {
      assert.notEqual(a!.read(), va);
    });
    assert.equal(a!.read(), va, 'the outer substitute is back');
    assert.equal(b!.read(), origB);
  });
  assert.equal(a!.read(), origA);
  assert.ok(!Object.hasOwn(a!, 'read'));
  tf.dispose([va, vb]);
});
