// Gradual unfreezing: schedule values, and the epoch-begin callback that swaps the optimizer's
// groups (keeping the state of weights already training), alone and inside fit().
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { initEngine } from '../../engine/index.js';
import { VisiontuneError } from '../../errors.js';
import { fit, type TrainBatch } from '../../train/loop.js';
import { buildParamGroups, SGD } from '../../train/optim/index.js';
import { splitBlocks } from './blocks.js';
import { type GradualSchedule, gradualUnfreezing, scheduleTable, unfrozenAt } from './gradual.js';
import { smallModel } from './test-models.js';

await initEngine({ backend: 'wasm' });

test('schedule: head only first, then one more block every k epochs, up to max', () => {
  assert.deepEqual(scheduleTable({ every: 1, max: 3 }, 6, 19), [0, 1, 2, 3, 3, 3]);
  assert.deepEqual(
    scheduleTable({ every: 2, max: 'all' }, 12, 5),
    [0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5],
  );
  assert.deepEqual(
    scheduleTable({ every: 3, headEpochs: 1, max: 2 }, 8, 5),
    [0, 1, 1, 1, 2, 2, 2, 2],
  );
  assert.deepEqual(scheduleTable({ every: 1, headEpochs: 0, max: 9 }, 4, 2), [1, 2, 2, 2]);
  assert.equal(unfrozenAt({ every: 2, max: 'all' }, 40, 19), 19);
  // Plain JSON: survives the saved run config.
  const s: GradualSchedule = { every: 2, headEpochs: 1, max: 'all' };
  const again = JSON.parse(JSON.stringify(s)) as GradualSchedule;
  assert.deepEqual(scheduleTable(again, 10, 19), scheduleTable(s, 10, 19));

  const usage = (e: unknown) => e instanceof VisiontuneError && e.code === 'BAD_USAGE';
  assert.throws(() => unfrozenAt({ every: 0, max: 1 }, 1, 5), usage);
  assert.throws(() => unfrozenAt({ every: 1, headEpochs: -1, max: 1 }, 1, 5), usage);
  assert.throws(() => unfrozenAt({ every: 1, max: 1.5 }, 1, 5), usage);
  assert.throws(() => unfrozenAt({ every: 1, max: 1 }, 0, 5), /epoch/);
});

test('the callback unfreezes at epoch begin and swaps groups, keeping optimizer state', async () => {
  const { model, entry } = await smallModel('resnet_tiny');
  const blocks = splitBlocks(model, entry.blocks);
  const optimizer = new SGD(buildParamGroups(model), { momentum: 0.9 });
  const log: string[] = [];
  const gradual = gradualUnfreezing({
    model,
    blocks,
    schedule: { every: 1, max: 2 },
    optimizer,
    onChange: (epoch, r) => log.push(`${epoch}:${r.trainable.join('+') || 'head'}`),
  });
  assert.throws(
    () => gradualUnfreezing({ model, blocks, schedule: { every: 1, max: 9 }, optimizer }),
    (e: unknown) => e instanceof VisiontuneError && e.message.includes('5 blocks'),
  );

  await gradual.onEpochBegin?.({ epoch: 1 });
  assert.equal(gradual.unfrozen, 0);
  const head = model.getLayer('head').trainableWeights.map((w) => (w.read() as tf.Variable).name);
  assert.deepEqual(
    optimizer
      .variables()
      .map((v) => v.name)
      .sort(),
    [...head].sort(),
  );
  // A step gives the head momentum buffers.
  const grads = Object.fromEntries(optimizer.variables().map((v) => [v.name, tf.onesLike(v)]));
  optimizer.step(grads, 0.1);
  tf.dispose(Object.values(grads));
  const headState = Object.keys((await optimizer.getState()).slots);
  assert.equal(headState.length, 2);

  await gradual.onEpochBegin?.({ epoch: 2 });
  const stage4 = blocks[4].layers.flatMap((l) => model.getLayer(l).trainableWeights);
  assert.equal(optimizer.variables().length, head.length + stage4.length);
  assert.deepEqual(model.trainableWeights.length, head.length + stage4.length);
  // The head's momentum survived the swap (slots are keyed by position, head weights come last).
  const slots = Object.keys((await optimizer.getState()).slots);
  assert.equal(slots.length, 2);
  assert.ok(slots.every((k) => k.includes('head/')));

  await gradual.onEpochBegin?.({ epoch: 3 });
  assert.equal(gradual.unfrozen, 2);
  assert.equal(gradual.applyEpoch(4), undefined, 'capped at max: nothing to do');
  assert.deepEqual(log, ['1:head', '2:stage4_block1', '3:stage3_block1+stage4_block1']);
  optimizer.dispose();
  model.dispose();
});

test('inside fit(), weights unfrozen at a later epoch train from that epoch on', async () => {
  const { model, entry } = await smallModel('resnet_tiny');
  const blocks = splitBlocks(model, entry.blocks);
  const optimizer = new SGD(buildParamGroups(model));
  const gradual = gradualUnfreezing({ model, blocks, schedule: { every: 1, max: 1 }, optimizer });
  gradual.applyEpoch(1);
  const kernel = model.getLayer('stage4_block1_conv2').getWeights()[0];
  const before = kernel.dataSync().slice();
  const batch = () => ({
    x: tf.randomUniform([4, 32, 32, 3], -1, 1, 'float32', 5),
    labels: Int32Array.from([0, 1, 2, 0]),
    samples: [0, 1, 2, 3],
  });
  await fit<TrainBatch>({
    model,
    optimizer,
    epochs: 2,
    seed: 1,
    schedule: { kind: 'constant', lr: 0.1 },
    train: {
      numBatches: 1,
      async *epoch() {
        yield batch();
      },
    },
    loss: (b) => {
      const logits = model.apply(b.x, { training: true }) as tf.Tensor;
      return tf.losses.softmaxCrossEntropy(
        tf.oneHot(tf.tensor1d(b.labels, 'int32'), 3),
        logits,
      ) as tf.Scalar;
    },
    callbacks: [gradual],
  });
  const after = model.getLayer('stage4_block1_conv2').getWeights()[0].dataSync();
  assert.ok(
    after.some((v, i) => v !== before[i]),
    'stage4 trained in epoch 2',
  );
  optimizer.dispose();
  model.dispose();
});
