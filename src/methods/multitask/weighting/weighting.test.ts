import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { initEngine } from '../../../engine/index.js';
import { buildParamGroups } from '../../../train/optim/index.js';
import { coreVariable } from '../../../train/optim/types.js';
import { createWeighting, dwaWeights, LOG_VARIANCE_LAYER, WEIGHTING_KINDS } from './index.js';

await initEngine({ backend: 'wasm' });

const close = (actual: number, expected: number, what: string, tol = 1e-6) =>
  assert.ok(Math.abs(actual - expected) <= tol, `${what}: ${actual} vs ${expected}`);

function tinyModel(): tf.LayersModel {
  const input = tf.input({ shape: [2] });
  const out = tf.layers.dense({ units: 1, name: 'head_a_out' }).apply(input) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out });
}

test('equal: the sum of the losses, every weight 1, the model trained as it is', () => {
  const w = createWeighting('equal', ['a', 'b', 'c']);
  const model = tinyModel();
  assert.equal(w.attach(model), model);
  const total = w.combine([tf.scalar(2), tf.scalar(0.5), tf.scalar(1.25)]);
  assert.equal(total.dataSync()[0], 3.75);
  assert.deepEqual(w.current(), [1, 1, 1]);
  w.endEpoch([1, 2, 3]);
  assert.deepEqual(w.current(), [1, 1, 1]);
  assert.throws(() => w.combine([tf.scalar(1)]), /1 losses for 3 tasks \(a, b, c\)/);
});

test('uncertainty: Σ exp(−s_k)·L_k + s_k and its gradient 1 − exp(−s_k)·L_k, hand-computed', () => {
  const w = createWeighting('uncertainty', ['a', 'b']);
  const model = tinyModel();
  assert.throws(() => w.current(), /attach\(\) it to the training model first/);
  const training = w.attach(model);
  // The training model is the network plus the log-variance layer; the network is unchanged.
  assert.deepEqual(
    training.layers.map((l) => l.name),
    [...model.layers.map((l) => l.name), LOG_VARIANCE_LAYER],
  );
  assert.equal(model.outputs.length, 1);
  assert.deepEqual(w.current(), [1, 1]); // s = 0 at the start: weight 1
  const [s] = w.variables();
  assert.ok(training.trainableWeights.some((v) => v.read() === s));
  // The optimizer finds s among the head's weights (full lr), without weight decay.
  const groups = buildParamGroups(training, { weightDecay: 0.1, backboneLrMult: 0.1 });
  const home = groups.find((g) => g.variables.some((v) => coreVariable(v) === s))!;
  assert.deepEqual([home.name, home.lrMult, home.weightDecay], ['head/no_decay', 1, 0]);

  s!.assign(tf.tensor1d([0.3, -0.2]));
  const losses = [tf.scalar(2), tf.scalar(0.5)];
  const { value, grads } = tf.variableGrads(() => w.combine(losses), [s!]);
  // e^−0.3 = 0.7408182206817179, e^0.2 = 1.2214027581601699:
  // 0.7408182·2 + 0.3 + 1.2214028·0.5 − 0.2 = 2.1923378204435204
  close(value.dataSync()[0]!, 2.1923378204435204, 'objective');
  const g = grads[s!.name]!.dataSync();
  close(g[0]!, 1 - 2 * 0.7408182206817179, 'd/ds_a'); // −0.48163644
  close(g[1]!, 1 - 0.5 * 1.2214027581601699, 'd/ds_b'); // 0.38929862
  const weights = w.current();
  close(weights[0]!, 0.7408182206817179, 'weight a');
  close(weights[1]!, 1.2214027581601699, 'weight b');
  // Each term is its task's share: the regularizer s_k travels with L_k.
  const terms = w.terms(losses).map((t) => t.dataSync()[0]!);
  close(terms[0]!, 0.7408182206817179 * 2 + 0.3, 'term a');
  close(terms[1]!, 1.2214027581601699 * 0.5 - 0.2, 'term b');
  assert.throws(() => w.attach(model), /attach\(\) is called once/);
});

test('dwa: weight 1 for two epochs, then K·softmax(r/T) with r = L(t−1)/L(t−2), T = 2', () => {
  const w = createWeighting('dwa', ['a', 'b']);
  assert.deepEqual(w.current(), [1, 1]);
  w.endEpoch([1, 2]);
  assert.deepEqual(w.current(), [1, 1]);
  w.endEpoch([0.5, 1.5]);
  // r = [0.5, 0.75]; w_a = 2·e^0.25/(e^0.25 + e^0.375) = 0.9375812532524875
  let weights = w.current();
  close(weights[0]!, 0.9375812532524875, 'w_a after epoch 2');
  close(weights[1]!, 1.0624187467475126, 'w_b after epoch 2');
  const terms = w.terms([tf.scalar(2), tf.scalar(4)]).map((t) => t.dataSync()[0]!);
  close(terms[0]!, 2 * 0.9375812532524875, 'term a', 1e-5);
  close(terms[1]!, 4 * 1.0624187467475126, 'term b', 1e-5);
  // Only the last two epochs count: r = [0.45/0.5, 0.6/1.5] = [0.9, 0.4].
  w.endEpoch([0.45, 0.6]);
  weights = w.current();
  close(weights[0]!, 1.1243530017715961, 'w_a after epoch 3');
  close(weights[1]!, 0.8756469982284038, 'w_b after epoch 3');

  // The state comes back from the history's loss_<task> values (resume), records without them
  // passed over; an empty history is a fresh start.
  const again = createWeighting('dwa', ['a', 'b']);
  again.restore([
    { epoch: 1, loss: 3, loss_a: 1, loss_b: 2 },
    { epoch: 2, loss: 2, loss_a: 0.5, loss_b: 1.5 },
    { epoch: 3, loss: 1, loss_a: 0.45, loss_b: 0.6 },
  ]);
  assert.deepEqual(again.current(), weights);
  again.restore([]);
  assert.deepEqual(again.current(), [1, 1]);
});

test('dwa: a task without loss in an epoch (0 or NaN) keeps ratio 1 instead of a NaN weight', () => {
  assert.deepEqual(dwaWeights([0, 2], [0, 2]), [1, 1]);
  const weights = dwaWeights([Number.NaN, 1], [1, 1]);
  assert.ok(weights.every(Number.isFinite));
  // Ratios 1 and 1 give equal weights; Σ w = K always.
  close(
    dwaWeights([1, 2, 3], [3, 1, 0.5]).reduce((a, b) => a + b, 0),
    3,
    'sum of weights',
  );
});

test('the kinds are the ones the factory builds', () => {
  assert.deepEqual(
    WEIGHTING_KINDS.map((k) => createWeighting(k, ['a']).kind),
    [...WEIGHTING_KINDS],
  );
  assert.throws(() => createWeighting('equal', []), /no tasks/);
});
