import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../../util/rng.js';
import { createDomainDiscriminator } from './discriminator.js';
import { randomMatrix } from './testing.js';

await tf.setBackend('cpu');
tf.env().set('PROD', true);

const weightsOf = (model: tf.LayersModel) =>
  model.getWeights().map((w) => Array.from(w.dataSync()));

test('defaults: Dense(1024, relu) → Dropout(0.5) → Dense(1024, relu) → Dropout(0.5) → Dense(1)', () => {
  const model = createDomainDiscriminator({ inputDim: 32 });
  assert.deepEqual(
    model.layers.map((l) => l.getClassName()),
    ['Dense', 'Dropout', 'Dense', 'Dropout', 'Dense'],
  );
  const config = model.layers.map((l) => l.getConfig());
  assert.deepEqual([config[0]!.units, config[2]!.units, config[4]!.units], [1024, 1024, 1]);
  assert.deepEqual([config[0]!.activation, config[2]!.activation], ['relu', 'relu']);
  assert.equal(config[4]!.activation, 'linear');
  assert.deepEqual([config[1]!.rate, config[3]!.rate], [0.5, 0.5]);
  assert.equal(model.countParams(), 32 * 1024 + 1024 + 1024 * 1024 + 1024 + 1024 + 1);
  model.dispose();
});

test('one logit per sample; inference is deterministic, training mode drops units', () => {
  const model = createDomainDiscriminator({ inputDim: 16, hidden: 64, seed: 1 });
  const x = tf.tensor2d(randomMatrix(new Rng(1), 5, 16), [5, 16]);
  const a = model.predict(x) as tf.Tensor;
  const b = model.predict(x) as tf.Tensor;
  assert.deepEqual(a.shape, [5, 1]);
  assert.deepEqual(Array.from(a.dataSync()), Array.from(b.dataSync()));
  const train = model.apply(x, { training: true }) as tf.Tensor;
  assert.deepEqual(train.shape, [5, 1]);
  assert.notDeepEqual(Array.from(train.dataSync()), Array.from(a.dataSync()));
  tf.dispose([x, a, b, train]);
  model.dispose();
});

test('the same seed gives the same weights, another seed other weights', () => {
  const options = { inputDim: 12, hidden: 48 };
  const a = createDomainDiscriminator({ ...options, seed: 3 });
  const b = createDomainDiscriminator({ ...options, seed: 3 });
  const c = createDomainDiscriminator({ ...options, seed: 4 });
  const wa = weightsOf(a);
  assert.deepEqual(weightsOf(b), wa);
  const wc = weightsOf(c);
  for (const k of [0, 2, 4]) assert.notDeepEqual(wc[k], wa[k], `kernel ${k}`);
  // Biases start at 0; the three kernels differ from one another.
  for (const k of [1, 3, 5]) assert.ok(wa[k]!.every((v) => v === 0));
  assert.notDeepEqual(wa[0]!.slice(0, 48), wa[2]!.slice(0, 48));
  for (const m of [a, b, c]) m.dispose();
});

test('dropout 0 has no dropout layers; bad options are rejected', () => {
  const model = createDomainDiscriminator({ inputDim: 4, hidden: 8, dropout: 0 });
  assert.deepEqual(
    model.layers.map((l) => l.getClassName()),
    ['Dense', 'Dense', 'Dense'],
  );
  model.dispose();
  assert.throws(() => createDomainDiscriminator({ inputDim: 0 }), /inputDim/);
  assert.throws(() => createDomainDiscriminator({ inputDim: 4, hidden: 2.5 }), /hidden/);
  assert.throws(() => createDomainDiscriminator({ inputDim: 4, dropout: 1 }), /dropout/);
  assert.throws(() => createDomainDiscriminator({ inputDim: 4, seed: -1 }), /seed/);
});
