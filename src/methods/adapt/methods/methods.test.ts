import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { withSeededMathRandom } from '../../../train/seeded-random.js';
import { Rng } from '../../../util/rng.js';
import { resolveAdaptConfig } from '../config.js';
import {
  coralLoss,
  dannLambda,
  multiKernelMmd,
  weightedBinaryCrossEntropy,
} from '../losses/index.js';
import type { StepOutputs } from '../method.js';
import { createMethod } from './index.js';

await tf.setBackend('cpu');

/** The method settings of a run configuration (a method reads no other field). */
const settings = resolveAdaptConfig({
  source: 'unused',
  target: 'unused',
  discriminatorHidden: 8,
  entropyConditioning: true,
  threshold: 0.9,
});
const env = { featureDim: 4, classes: 3, seed: 1 };

function randomStep(ns: number, nt: number, seed: number, strong = false): StepOutputs {
  const rng = new Rng(seed);
  const t = (rows: number, cols: number) =>
    tf.tensor2d(
      Float32Array.from({ length: rows * cols }, () => rng.normal()),
      [rows, cols],
    );
  return {
    features: t(ns + nt, env.featureDim),
    logits: t(ns + nt, env.classes),
    sourceCount: ns,
    targetCount: nt,
    strongLogits: strong ? t(nt, env.classes) : undefined,
    progress: 0.3,
  };
}

const value = (s: tf.Scalar) => s.dataSync()[0]!;

test('source-only adds nothing', () => {
  const m = createMethod({ ...settings, method: 'source-only' }, env);
  assert.equal(value(m.transferLoss(randomStep(3, 2, 1))), 0);
});

test('mmd and coral compare the source rows with the target rows', () => {
  const step = randomStep(5, 3, 2);
  const s = step.features.slice([0, 0], [5, -1]);
  const t = step.features.slice([5, 0], [3, -1]);
  const mmd = createMethod({ ...settings, method: 'mmd' }, env);
  assert.ok(Math.abs(value(mmd.transferLoss(step)) - value(multiKernelMmd(s, t))) < 1e-6);
  const coral = createMethod({ ...settings, method: 'coral' }, env);
  assert.ok(Math.abs(value(coral.transferLoss(step)) - value(coralLoss(s, t))) < 1e-7);
});

test('dann: the features receive −λ(p) times the discriminator loss gradient', () => {
  const dann = createMethod({ ...settings, method: 'dann' }, env);
  const step = randomStep(4, 4, 3);
  const [disc] = dann.modules;
  const isSource = tf.tensor1d([1, 1, 1, 1, 0, 0, 0, 0]);
  // Same Math.random stream in both: the discriminator's dropout masks match.
  const reversed = withSeededMathRandom(1, 0, () =>
    tf.grad((f: tf.Tensor) => dann.transferLoss({ ...step, features: f as tf.Tensor2D }))(
      step.features,
    ),
  );
  const direct = withSeededMathRandom(1, 0, () =>
    tf.grad((f: tf.Tensor) =>
      weightedBinaryCrossEntropy(
        (disc!.apply(f, { training: true }) as tf.Tensor).reshape([8]),
        isSource,
      ),
    )(step.features),
  );
  const lambda = dannLambda(step.progress);
  const a = reversed.dataSync();
  const b = direct.dataSync();
  assert.ok(
    b.some((v) => Math.abs(v) > 1e-6),
    'the discriminator loss has a gradient',
  );
  for (let i = 0; i < a.length; i++)
    assert.ok(Math.abs(a[i]! + lambda * b[i]!) < 1e-6, `${a[i]} vs −${lambda}·${b[i]}`);
  const stats = dann.takeEpochStats();
  assert.ok(stats.disc_accuracy! >= 0 && stats.disc_accuracy! <= 1);
  assert.deepEqual(dann.takeEpochStats(), {}, 'stats reset after each epoch');
  dann.dispose();
});

test('cdan: a loss and a discriminator on the conditioned map; gradients reach the features', () => {
  const cdan = createMethod({ ...settings, method: 'cdan' }, env);
  assert.equal(cdan.modules[0]!.inputs[0]!.shape[1], env.featureDim * env.classes);
  const step = randomStep(3, 3, 4);
  const g = tf.grad((f: tf.Tensor) => cdan.transferLoss({ ...step, features: f as tf.Tensor2D }))(
    step.features,
  );
  assert.ok(g.dataSync().some((v) => v !== 0));
  cdan.dispose();
});

test('selftrain: cross-entropy on the strong view toward confident weak predictions, mean over the target', () => {
  const self = createMethod({ ...settings, method: 'selftrain' }, env);
  // Target weak logits: row 0 confident in class 2, row 1 uncertain, row 2 confident in class 0.
  const weak = [
    [0, 0, 8],
    [0.1, 0, 0.2],
    [9, 0, 1],
  ];
  const strong = [
    [0.5, -1, 2],
    [1, 1, 1],
    [-0.5, 0.3, 0.1],
  ];
  const step: StepOutputs = {
    features: tf.zeros([5, 4]),
    logits: tf.tensor2d([[1, 2, 3], [3, 2, 1], ...weak]),
    sourceCount: 2,
    targetCount: 3,
    strongLogits: tf.tensor2d(strong),
    progress: 0,
  };
  const ce = (z: number[], k: number) => Math.log(z.reduce((s, v) => s + Math.exp(v), 0)) - z[k]!;
  const expected = (ce(strong[0]!, 2) + ce(strong[2]!, 0)) / 3;
  assert.ok(Math.abs(value(self.transferLoss(step)) - expected) < 1e-6);
  assert.deepEqual(self.takeEpochStats(), { pseudo_label_rate: 2 / 3 });
  // The pseudo-labels are targets, not something to move: no gradient reaches the weak logits.
  const g = tf.grad((l: tf.Tensor) => self.transferLoss({ ...step, logits: l as tf.Tensor2D }))(
    step.logits,
  );
  assert.ok(g.dataSync().every((v) => v === 0));
});
