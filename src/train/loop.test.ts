import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { initEngine } from '../engine/index.js';
import type { RunContext, StopReason } from './callbacks.js';
import { assignWeights, loadLatestCheckpoint } from './checkpoint.js';
import { type FitConfig, type FitResult, fit, NonFiniteError } from './loop.js';
import { setup, smallNet, tempDir, weightsOf } from './loop-test-setup.js';
import { MetricsLog } from './metrics-log.js';
import { buildParamGroups, SGD } from './optim/index.js';

await initEngine({ backend: 'wasm' });

test('training lowers the loss, logs one JSONL line per epoch and checkpoints each epoch', async () => {
  const outDir = await tempDir();
  const result = await fit(setup(1, { outDir, epochs: 6 }));
  const losses = result.history.map((r) => r.loss as number);
  assert.equal(losses.length, 6);
  assert.ok(losses[5] < losses[0] * 0.8, `loss ${losses[0]} -> ${losses[5]}`);
  assert.deepEqual(await MetricsLog.read(path.join(outDir, 'metrics.jsonl')), result.history);
  assert.equal((await loadLatestCheckpoint(path.join(outDir, 'checkpoints')))?.state.epoch, 6);
});

test('resuming after a crash ends exactly like an uninterrupted run (same seed)', async () => {
  const uninterrupted = setup(1, { outDir: await tempDir() });
  const a = await fit(uninterrupted);

  const outDir = await tempDir();
  const crash = new Error('simulated crash after epoch 2');
  await assert.rejects(
    fit(
      setup(1, {
        outDir,
        callbacks: [
          {
            onEpochEnd: (r) => {
              if (r.epoch === 2) throw crash;
            },
          },
        ],
      }),
    ),
    /simulated crash/,
  );
  // A fresh process would build the model from scratch: different init, new optimizer.
  const resumed = setup(99, { outDir, resume: true });
  const b = await fit(resumed);
  assert.equal(b.resumedFromEpoch, 2);
  assert.equal(b.history.length, 4);
  for (const [i, rec] of a.history.entries()) {
    assert.ok(
      Math.abs((rec.loss as number) - (b.history[i].loss as number)) < 1e-6,
      `epoch ${i + 1}: ${rec.loss} vs ${b.history[i].loss}`,
    );
  }
  const wa = weightsOf(uninterrupted.model);
  const wb = weightsOf(resumed.model);
  for (const [i, w] of wa.entries()) {
    assert.ok(
      w.every((v, k) => Math.abs(v - wb[i][k]) < 1e-5),
      `weight ${i}`,
    );
  }
  assert.deepEqual(await MetricsLog.read(path.join(outDir, 'metrics.jsonl')), b.history);
});

test('a fresh run into a folder with a longer earlier run checkpoints and resumes its own epochs', async () => {
  const outDir = await tempDir();
  await fit(setup(1, { outDir, epochs: 4 }));
  const fresh = setup(2, { outDir, epochs: 2 });
  await fit(fresh);
  const latest = await loadLatestCheckpoint(path.join(outDir, 'checkpoints'));
  assert.equal(latest?.state.epoch, 2);
  const restored = smallNet(3);
  assignWeights(restored, latest!.weights, latest!.path);
  assert.deepEqual(weightsOf(restored), weightsOf(fresh.model));
});

test('a NaN loss stops training with a clear error and leaves the last checkpoint intact', async () => {
  const outDir = await tempDir();
  let calls = 0;
  const config = setup(1, { outDir, optimizer: undefined as never });
  config.optimizer = new SGD(buildParamGroups(config.model), { momentum: 0.9 });
  const base = config.loss;
  config.loss = (batch, info) =>
    ++calls > 7 ? base(batch, info).mul(Number.NaN) : base(batch, info);
  await assert.rejects(fit(config), (err: unknown) => {
    assert.ok(err instanceof NonFiniteError);
    assert.equal(err.exitCode, 1);
    assert.match(err.message, /loss became NaN at epoch 2, batch 2 \(step 7\)/);
    return true;
  });
  const ckpt = await loadLatestCheckpoint(path.join(outDir, 'checkpoints'));
  assert.equal(ckpt?.state.epoch, 1);
  assert.ok(ckpt.weights.every((w) => w.values.every(Number.isFinite)));
});

test('early stopping ends with the best epoch weights', async () => {
  for (const outDir of [undefined, await tempDir()]) {
    const scripted = [3, 1, 2, 2.5, 2.7];
    let best: number[][] = [];
    const config = setup(2, {
      outDir,
      epochs: 5,
      earlyStopping: { monitor: 'val_loss', patience: 1 },
      validate: async (epoch) => ({ val_loss: scripted[epoch - 1] }),
    });
    config.callbacks = [
      {
        onEpochEnd: (r) => {
          if (r.epoch === 2) best = weightsOf(config.model);
        },
      },
    ];
    const result = await fit(config);
    assert.equal(result.stopReason, 'early-stopping');
    assert.equal(result.history.length, 3);
    assert.equal(result.bestEpoch, 2);
    assert.deepEqual(
      weightsOf(config.model),
      best,
      `restored from ${outDir ? 'checkpoint' : 'memory'}`,
    );
  }
});

/** Weights and history of `b` equal those of `a` (the loop's resume tolerance). */
function assertSameRun(a: FitResult, ma: tf.LayersModel, b: FitResult, mb: tf.LayersModel) {
  assert.equal(b.history.length, a.history.length);
  for (const [i, rec] of a.history.entries()) {
    assert.ok(
      Math.abs((rec.loss as number) - (b.history[i].loss as number)) < 1e-6,
      `epoch ${i + 1}: ${rec.loss} vs ${b.history[i].loss}`,
    );
  }
  const wb = weightsOf(mb);
  for (const [i, w] of weightsOf(ma).entries()) {
    assert.ok(
      w.every((v, k) => Math.abs(v - wb[i][k]) < 1e-5),
      `weight ${i}`,
    );
  }
}

/** Stops once (via the run context) where `when` says; counts the batches that ran. */
function stopper(when: (event: 'batch' | 'epoch', run: RunContext) => boolean) {
  const seen = { batches: 0, trainEnd: undefined as StopReason | undefined };
  const config: Partial<FitConfig> = {
    callbacks: [
      {
        onBatchEnd: (_info, run) => {
          seen.batches++;
          if (when('batch', run)) run.stop();
        },
        onEpochEnd: (_record, run) => {
          if (when('epoch', run)) run.stop('callback', `stopped after epoch ${run.epoch}`);
        },
        onTrainEnd: ({ stopReason }) => {
          seen.trainEnd = stopReason;
        },
      },
    ],
  };
  return { seen, config };
}

test('a stop from onBatchEnd ends after that batch; resume redoes the cut epoch exactly', async () => {
  const plain = setup(1);
  const a = await fit(plain);
  assert.equal(a.stopReason, 'completed');

  const outDir = await tempDir();
  // 5 batches per epoch: stop after the second batch of epoch 3 (step 11).
  const { seen, config } = stopper((event, run) => event === 'batch' && run.step === 12);
  const stopped = await fit(setup(1, { outDir, ...config }));
  assert.equal(stopped.stopReason, 'callback');
  assert.equal(seen.trainEnd, 'callback');
  assert.equal(seen.batches, 12);
  assert.deepEqual(
    stopped.history.map((r) => r.epoch),
    [1, 2],
  );
  assert.equal((await loadLatestCheckpoint(path.join(outDir, 'checkpoints')))?.state.epoch, 2);
  assert.deepEqual(await MetricsLog.read(path.join(outDir, 'metrics.jsonl')), stopped.history);

  const resumed = setup(99, { outDir, resume: true });
  const b = await fit(resumed);
  assert.equal(b.resumedFromEpoch, 2);
  assert.equal(b.stopReason, 'completed');
  assertSameRun(a, plain.model, b, resumed.model);
  assert.deepEqual(await MetricsLog.read(path.join(outDir, 'metrics.jsonl')), b.history);
});

test('a stop from onEpochEnd keeps that epoch, checkpointed; the context shows the run', async () => {
  const plain = setup(1);
  const a = await fit(plain);

  const outDir = await tempDir();
  const contexts: { epoch: number; step: number; logs: unknown; history: number }[] = [];
  const { seen, config } = stopper((event, run) => {
    if (event === 'epoch') {
      contexts.push({
        epoch: run.epoch,
        step: run.step,
        logs: run.logs,
        history: run.history.length,
      });
    }
    return event === 'epoch' && run.epoch === 2;
  });
  const first = setup(1, { outDir, ...config });
  const stopped = await fit(first);
  assert.equal(stopped.stopReason, 'callback');
  assert.equal(stopped.stopDetail, 'stopped after epoch 2');
  assert.equal(seen.batches, 10);
  assert.deepEqual(contexts, [
    { epoch: 1, step: 5, logs: stopped.history[0], history: 1 },
    { epoch: 2, step: 10, logs: stopped.history[1], history: 2 },
  ]);
  assert.equal((await loadLatestCheckpoint(path.join(outDir, 'checkpoints')))?.state.epoch, 2);

  const resumed = setup(99, { outDir, resume: true });
  const b = await fit(resumed);
  assert.equal(b.resumedFromEpoch, 2);
  assertSameRun(a, plain.model, b, resumed.model);
});

test('a stop requested in the last epoch changes nothing: the run completed', async () => {
  const { config } = stopper((event, run) => event === 'epoch' && run.epoch === 2);
  const result = await fit(setup(1, { epochs: 2, ...config }));
  assert.equal(result.stopReason, 'completed');
  assert.equal(result.stopDetail, undefined);
  assert.equal(result.history.length, 2);
});

test('a gradients hook replaces variableGrads: its loss is logged and only its gradients applied', async () => {
  const plain = setup(1, { epochs: 2 });
  const a = await fit(plain);
  // The hook computing what the loop would: the same run, to the last bit.
  const same = setup(1, { epochs: 2 });
  let calls = 0;
  same.gradients = (batch, info, variables) => {
    calls++;
    return tf.variableGrads(() => same.loss(batch, info), variables);
  };
  const b = await fit(same);
  assert.equal(calls, 10);
  assert.deepEqual(b.history, a.history);
  assert.deepEqual(weightsOf(same.model), weightsOf(plain.model));

  // A hook that leaves out the head's gradients and reports a loss of its own: the head stays
  // as initialised, the rest trains, and the log shows the hook's value.
  const partial = setup(1, { epochs: 1 });
  const head = partial.model
    .getLayer('head')
    .trainableWeights.map((w) => (w.read() as tf.Variable).name);
  const valuesOf = (layer: string) =>
    partial.model
      .getLayer(layer)
      .getWeights()
      .map((w) => Array.from(w.dataSync()));
  const headBefore = valuesOf('head');
  const convBefore = valuesOf('conv');
  partial.gradients = (batch, info, variables) => {
    const { value, grads } = tf.variableGrads(() => partial.loss(batch, info), variables);
    for (const name of head) {
      grads[name]!.dispose();
      delete grads[name];
    }
    value.dispose();
    return { value: tf.scalar(info.step + 0.5), grads };
  };
  const c = await fit(partial);
  // 0.5, 1.5, …, 4.5 over batches of 8, 8, 8, 8 and 4 images, averaged by image.
  assert.equal(c.history[0].loss, (0.5 * 8 + 1.5 * 8 + 2.5 * 8 + 3.5 * 8 + 4.5 * 4) / 36);
  assert.deepEqual(valuesOf('head'), headBefore);
  assert.notDeepEqual(valuesOf('conv'), convBefore);
});
