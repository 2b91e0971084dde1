import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { initEngine } from '../../../engine/index.js';
import type { AdaptingLearner, EpisodeTensors } from '../learner.js';
import { accuracyOf, episodeCrossEntropy } from '../losses.js';
import { snapshotWeights } from './functional.js';
import type { MetaNetwork } from './maml.js';
import {
  allValues,
  clusterEpisodes,
  denseNetwork,
  disposeEpisodes,
  headInput,
} from './maml-test-support.js';
import { createReptile } from './reptile.js';

before(async () => {
  await initEngine({ backend: 'cpu' });
});

/**
 * θ + ε·mean(θ' − θ), with θ' from `steps` steps of a stock tfjs optimizer in place on the
 * variables (on support + query, the stock loss), restored after each task.
 */
function expectedUpdate(
  net: MetaNetwork,
  vars: tf.Variable[],
  episodes: EpisodeTensors[],
  optimizer: tf.Optimizer,
  steps: number,
  epsilon: number,
): tf.Tensor[] {
  const [kernel, bias] = vars.slice(-2) as [tf.Variable, tf.Variable];
  const sums: tf.Tensor[] = vars.map((v) => tf.zerosLike(v));
  for (const e of episodes) {
    const x = tf.concat([e.support, e.query]);
    const labels = Int32Array.from([...e.supportLabels, ...e.queryLabels]);
    const restore = snapshotWeights(vars);
    for (let s = 0; s < steps; s++)
      optimizer.minimize(
        () => {
          const emb = net.body.apply(x, { training: true }) as tf.Tensor2D;
          const logits = tf.add(
            tf.matMul(headInput(emb), kernel.slice([0, 0], [-1, e.ways])),
            bias.slice([0], [e.ways]),
          );
          return episodeCrossEntropy(logits as tf.Tensor2D, labels, e.ways);
        },
        false,
        vars,
      );
    vars.forEach((v, i) => {
      const next = tf.add(sums[i]!, v);
      sums[i]!.dispose();
      sums[i] = next;
    });
    restore();
    x.dispose();
  }
  return vars.map((v, i) =>
    tf.tidy(() => tf.add(v, tf.mul(tf.sub(tf.div(sums[i]!, episodes.length), v), epsilon))),
  );
}

for (const innerOptimizer of ['sgd', 'adam'] as const) {
  test(`reptile (${innerOptimizer}): θ ← θ + ε·mean(θ' − θ), ε annealed linearly`, async () => {
    const net = denseNetwork(6);
    const lr = innerOptimizer === 'adam' ? 0.01 : 0.2;
    const learner = createReptile(net, {
      innerSteps: 3,
      innerLr: lr,
      innerOptimizer,
      outerStepSize: 0.5,
      totalSteps: 4,
      maxWays: 3,
      seed: 3,
    });
    // The paper's Adam: β1 = 0, its state carried from task to task (one optimizer throughout).
    const stock = innerOptimizer === 'adam' ? tf.train.adam(lr, 0, 0.999, 1e-8) : tf.train.sgd(lr);
    const vars = learner.metaVariables();
    for (const [step, epsilon] of [0.5, 0.375].entries()) {
      const episodes = clusterEpisodes(2, 30 + step);
      const expected = expectedUpdate(net, vars, episodes, stock, 3, epsilon);
      await learner.metaStep!(episodes);
      vars.forEach((v, i) => {
        const d = tf.tidy(() => tf.max(tf.abs(tf.sub(v, expected[i]!))).dataSync()[0]!);
        assert.ok(d < 1e-5, `step ${step}, ${v.name}: differs by ${d}`);
      });
      tf.dispose(expected);
      disposeEpisodes(episodes);
    }
    stock.dispose();
    learner.dispose();
  });
}

test('predict changes no weight (BatchNorm statistics too) nor the inner Adam state; memory flat', async () => {
  const nets = [denseNetwork(7, { batchNorm: true }), denseNetwork(7, { batchNorm: true })];
  const [a, b] = nets.map((net) =>
    createReptile(net, { innerSteps: 2, testInnerSteps: 3, maxWays: 3, seed: 1 }),
  ) as [AdaptingLearner, AdaptingLearner];
  const episodes = clusterEpisodes(2, 40);
  await a.metaStep!(episodes);
  await b.metaStep!(episodes);
  const before = allValues(nets[0]!, a.metaVariables());
  const tensors = tf.memory().numTensors;
  await a.predict(episodes[0]!);
  assert.equal(tf.memory().numTensors, tensors);
  assert.deepEqual(allValues(nets[0]!, a.metaVariables()), before);
  // A second meta-step lands in the same place with or without the predict in between: the
  // inner Adam state was not advanced by it either.
  await a.metaStep!(episodes);
  await b.metaStep!(episodes);
  assert.deepEqual(allValues(nets[0]!, a.metaVariables()), allValues(nets[1]!, b.metaVariables()));
  for (const l of [a, b]) l.dispose();
  disposeEpisodes(episodes);
});

test('meta-training raises query accuracy on Gaussian clusters', async () => {
  const learner = createReptile(denseNetwork(1), {
    innerSteps: 5,
    testInnerSteps: 10,
    innerLr: 0.05,
    totalSteps: 40,
    maxWays: 3,
    seed: 2,
  });
  const test = clusterEpisodes(20, 99);
  const accuracy = async () => {
    let sum = 0;
    for (const e of test) sum += accuracyOf(await learner.predict(e), e.queryLabels);
    return sum / test.length;
  };
  const start = await accuracy();
  const tensors = tf.memory().numTensors;
  for (let s = 0; s < 40; s++) {
    const batch = clusterEpisodes(4, 1000 + s);
    await learner.metaStep!(batch);
    disposeEpisodes(batch);
  }
  assert.equal(tf.memory().numTensors, tensors, 'metaStep');
  const end = await accuracy();
  assert.ok(end > start + 0.15, `accuracy ${start} -> ${end}`);
  learner.dispose();
  disposeEpisodes(test);
});
