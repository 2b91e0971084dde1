// A two-head model trained through the real loop (`fit`) with each weighting, with and without
// PCGrad; uncertainty's log-variances and DWA's state through a checkpoint and `--resume`.
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { initEngine } from '../../../engine/index.js';
import type { Callback } from '../../../train/callbacks.js';
import { loadLatestCheckpoint } from '../../../train/checkpoint.js';
import { type EpochSource, type FitConfig, fit, type TrainBatch } from '../../../train/loop.js';
import { MetricsLog } from '../../../train/metrics-log.js';
import { AdamW, buildParamGroups } from '../../../train/optim/index.js';
import { orderedWeights } from '../../../train/weight-order.js';
import { Rng } from '../../../util/rng.js';
import {
  createWeighting,
  dwaWeights,
  LOG_VARIANCE_LAYER,
  type TaskWeighting,
  taskObjective,
  WEIGHTING_KINDS,
  type WeightingKind,
} from './index.js';

await initEngine({ backend: 'wasm' });

const TASKS = ['colour', 'level'];
const FEATURES = 4;

interface Batch extends TrainBatch {
  /** The regression task's targets. */
  level: Float32Array;
}

/** 48 seeded rows: class = the largest of the first 3 features, level = their mean (two tasks). */
function source(): EpochSource<Batch> {
  const rng = new Rng(21);
  const rows = Array.from({ length: 48 }, () =>
    Array.from({ length: FEATURES }, () => rng.normal()),
  );
  const batchSize = 8;
  return {
    numBatches: rows.length / batchSize,
    async *epoch(index) {
      const order = new Rng(5).fork('epoch', index).permutation(rows.length);
      for (let start = 0; start < order.length; start += batchSize) {
        const picked = order.slice(start, start + batchSize).map((i) => rows[i]!);
        yield {
          x: tf.tensor2d(picked, [picked.length, FEATURES]),
          labels: Int32Array.from(
            picked.map((r) => r.slice(0, 3).indexOf(Math.max(...r.slice(0, 3)))),
          ),
          level: Float32Array.from(picked.map((r) => r.reduce((a, b) => a + b, 0) / FEATURES)),
          samples: picked,
        };
      }
    },
  };
}

/** input → shared trunk (dense, BatchNorm) → a classification head and a regression head. */
function network(seed: number): tf.LayersModel {
  const init = (k: number) => tf.initializers.glorotUniform({ seed: seed + k });
  const input = tf.input({ shape: [FEATURES] });
  let x = tf.layers
    .dense({ units: 8, name: 'trunk', kernelInitializer: init(0) })
    .apply(input) as tf.SymbolicTensor;
  x = tf.layers.batchNormalization({ name: 'trunk_bn' }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.reLU({ name: 'trunk_relu' }).apply(x) as tf.SymbolicTensor;
  const colour = tf.layers.dense({ units: 3, name: 'head_colour_out', kernelInitializer: init(1) });
  const level = tf.layers.dense({ units: 1, name: 'head_level_out', kernelInitializer: init(2) });
  return tf.model({
    inputs: input,
    outputs: [colour.apply(x), level.apply(x)] as tf.SymbolicTensor[],
  });
}

interface Run {
  config: FitConfig<Batch>;
  weighting: TaskWeighting;
  /** What fit trains: the network, plus the log-variance layer for uncertainty. */
  trained: tf.LayersModel;
}

function multiTaskRun(
  kind: WeightingKind,
  pcgrad: boolean,
  overrides: Partial<FitConfig<Batch>> & { initSeed?: number } = {},
): Run {
  const { initSeed = 1, callbacks = [], ...rest } = overrides;
  const net = network(initSeed);
  const weighting = createWeighting(kind, TASKS);
  const trained = weighting.attach(net);
  const objective = taskObjective<Batch>({
    weighting,
    pcgrad,
    seed: 3,
    taskLosses: (batch) => {
      const [colour, level] = net.apply(batch.x, { training: true }) as tf.Tensor[];
      const classes = tf.oneHot(tf.tensor1d(batch.labels, 'int32'), 3);
      const targets = tf.tensor2d(batch.level, [batch.level.length, 1]);
      return [
        tf.losses.softmaxCrossEntropy(classes, colour!),
        tf.losses.meanSquaredError(targets, level!),
      ];
    },
  });
  const config: FitConfig<Batch> = {
    model: trained,
    optimizer: new AdamW(buildParamGroups(trained, { weightDecay: 0.01 })),
    train: source(),
    epochs: 4,
    seed: 7,
    schedule: { kind: 'constant', lr: 0.03 },
    loss: objective.loss,
    ...(objective.gradients ? { gradients: objective.gradients } : {}),
    validate: objective.validate(async () => ({ val_metric: 1 })),
    callbacks: [objective.callback, ...callbacks],
    ...rest,
  };
  return { config, weighting, trained };
}

const lossesOf = (record: Record<string, unknown>) =>
  TASKS.map((t) => record[`loss_${t}`] as number);
const weightsOf = (record: Record<string, unknown>) =>
  TASKS.map((t) => record[`weight_${t}`] as number);
const valuesOf = (m: tf.LayersModel) =>
  orderedWeights(m).map((w) => Array.from(w.read().dataSync()));

for (const kind of WEIGHTING_KINDS) {
  for (const pcgrad of [false, true]) {
    test(`${kind}${pcgrad ? ' + PCGrad' : ''}: a two-head model trains through fit, task losses and weights in every record`, async () => {
      const { config } = multiTaskRun(kind, pcgrad);
      const { history } = await fit(config);
      assert.equal(history.length, 4);
      const total = history.map((r) => r.loss as number);
      assert.ok(total.every(Number.isFinite), `losses ${total}`);
      assert.ok(total[3]! < total[0]!, `loss ${total[0]} -> ${total[3]}`);
      for (const r of history) {
        assert.ok(
          lossesOf(r).every((v) => Number.isFinite(v) && v > 0),
          JSON.stringify(r),
        );
        assert.equal(r.val_metric, 1); // the run's own validation metrics are kept
      }
      // Each task learns.
      for (const [k, task] of TASKS.entries()) {
        assert.ok(
          lossesOf(history[3]!)[k]! < lossesOf(history[0]!)[k]!,
          `${task}: ${lossesOf(history[0]!)[k]} -> ${lossesOf(history[3]!)[k]}`,
        );
      }
      const weights = history.map(weightsOf);
      if (kind === 'equal')
        assert.deepEqual(
          weights,
          history.map(() => [1, 1]),
        );
      if (kind === 'dwa') {
        // Epochs 1-2 at 1; epoch t at DWA of epochs t−2 and t−1's recorded mean losses.
        assert.deepEqual(weights.slice(0, 2), [
          [1, 1],
          [1, 1],
        ]);
        for (const t of [2, 3]) {
          const expected = dwaWeights(lossesOf(history[t - 2]!), lossesOf(history[t - 1]!));
          assert.deepEqual(weights[t], expected, `epoch ${t + 1}`);
        }
        assert.notDeepEqual(weights[3], [1, 1]);
      }
      if (kind === 'uncertainty') {
        // exp(−s_k) has moved from 1, toward 1/L_k: the task with the smaller loss weighs more.
        const last = weights[3]!;
        assert.ok(
          last.every((w) => w > 0 && Math.abs(w - 1) > 0.01),
          `weights ${last}`,
        );
        const [colourLoss, levelLoss] = lossesOf(history[3]!);
        assert.ok(levelLoss! < colourLoss! && last[1]! > last[0]!, `weights ${last}`);
      }
    });
  }
}

test('PCGrad changes the run where the task gradients conflict, and only then', async () => {
  const runs = await Promise.all(
    [false, true].map(async (pcgrad) => (await fit(multiTaskRun('equal', pcgrad).config)).history),
  );
  assert.notDeepEqual(runs[0]!.map(lossesOf), runs[1]!.map(lossesOf));
  // One task only: nothing to conflict with, so the PCGrad run is the plain one to the bit.
  const single = await Promise.all(
    [false, true].map(async (pcgrad) => {
      const net = network(1);
      const weighting = createWeighting('equal', ['colour']);
      const objective = taskObjective<Batch>({
        weighting,
        pcgrad,
        seed: 3,
        taskLosses: (batch) => {
          const [colour] = net.apply(batch.x, { training: true }) as tf.Tensor[];
          const classes = tf.oneHot(tf.tensor1d(batch.labels, 'int32'), 3);
          return [tf.losses.softmaxCrossEntropy(classes, colour!)];
        },
      });
      const result = await fit({
        model: net,
        optimizer: new AdamW(buildParamGroups(net)),
        train: source(),
        epochs: 2,
        seed: 7,
        schedule: { kind: 'constant', lr: 0.03 },
        loss: objective.loss,
        ...(objective.gradients ? { gradients: objective.gradients } : {}),
        validate: objective.validate(),
        callbacks: [objective.callback],
      });
      return { history: result.history, weights: valuesOf(net) };
    }),
  );
  assert.deepEqual(single[1], single[0]);
});

/** Fits `make()` into `outDir` for 4 epochs uninterrupted, then again crashing after epoch 2 and
 * resuming with a fresh network (another init); returns both for comparison. */
async function crashAndResume(
  make: (o: Partial<FitConfig<Batch>> & { initSeed?: number }) => Run,
  atCrash: (run: Run) => void,
) {
  const whole = make({ outDir: await tempDir() });
  const a = await fit(whole.config);

  const outDir = await tempDir();
  const crashing: Run = make({ outDir });
  const crash: Callback = {
    onEpochEnd: (r) => {
      if (r.epoch === 2) {
        atCrash(crashing);
        throw new Error('simulated crash after epoch 2');
      }
    },
  };
  crashing.config.callbacks!.push(crash);
  await assert.rejects(fit(crashing.config), /simulated crash/);
  const resumed = make({ outDir, resume: true, initSeed: 99 });
  const b = await fit(resumed.config);
  assert.equal(b.resumedFromEpoch, 2);
  assert.deepEqual(await MetricsLog.read(path.join(outDir, 'metrics.jsonl')), b.history);
  return { a, b, whole, resumed, outDir };
}

const tempDir = () => fs.mkdtemp(path.join(os.tmpdir(), 'vt-mtw-'));

function assertSameValues(a: number[][], b: number[][], what: string, tol = 1e-5) {
  assert.equal(a.length, b.length, what);
  a.forEach((w, i) => {
    assert.ok(
      w.every((v, k) => Math.abs(v - b[i]![k]!) <= tol),
      `${what} ${i}: [${w}] vs [${b[i]}]`,
    );
  });
}

test('uncertainty: the log-variances are in the checkpoint and come back on resume', async () => {
  let atEpoch2: number[] = [];
  const { a, b, whole, resumed, outDir } = await crashAndResume(
    (o) => multiTaskRun('uncertainty', false, o),
    (run) => {
      atEpoch2 = Array.from(run.weighting.variables()[0]!.dataSync());
    },
  );
  assert.ok(
    atEpoch2.every((s) => s !== 0),
    `s after 2 epochs: ${atEpoch2}`,
  );
  // The epoch-2 checkpoint holds s under the layer's weight name.
  const latest = await loadLatestCheckpoint(path.join(outDir, 'checkpoints'));
  const names = orderedWeights(resumed.trained).map((w) => w.originalName);
  const at = names.indexOf(`${LOG_VARIANCE_LAYER}/log_variance`);
  assert.ok(at >= 0, `weights: ${names}`);
  // (latest is the resumed run's epoch 4 by now; its s is the trained one.)
  assert.deepEqual(
    Array.from(latest!.weights[at]!.values),
    Array.from(resumed.weighting.variables()[0]!.dataSync()),
  );
  // The resumed run ends exactly as the uninterrupted one: network, s and recorded weights.
  assertSameValues(valuesOf(resumed.trained), valuesOf(whole.trained), 'weight');
  assertSameValues(a.history.map(weightsOf), b.history.map(weightsOf), 'task weights');
  assertSameValues(a.history.map(lossesOf), b.history.map(lossesOf), 'task losses');
});

test('uncertainty: the epoch-2 checkpoint carries the s it had then', async () => {
  const outDir = await tempDir();
  const run = multiTaskRun('uncertainty', false, { outDir, epochs: 2 });
  await fit(run.config);
  const s = Array.from(run.weighting.variables()[0]!.dataSync());
  const latest = await loadLatestCheckpoint(path.join(outDir, 'checkpoints'));
  const at = orderedWeights(run.trained).findIndex(
    (w) => w.originalName === `${LOG_VARIANCE_LAYER}/log_variance`,
  );
  assert.equal(latest?.state.epoch, 2);
  assert.deepEqual(Array.from(latest!.weights[at]!.values), s);
  assert.ok(s.some((v) => v !== 0));
});

test('dwa + PCGrad: resumed after a crash, the weights and the network end as uninterrupted', async () => {
  const { a, b, whole, resumed } = await crashAndResume(
    (o) => multiTaskRun('dwa', true, o),
    () => {},
  );
  // Epoch 3's weights are DWA of epochs 1-2, which the resumed run only knows from its history.
  assert.notDeepEqual(weightsOf(b.history[2]!), [1, 1]);
  assertSameValues(a.history.map(weightsOf), b.history.map(weightsOf), 'task weights', 1e-6);
  assertSameValues(a.history.map(lossesOf), b.history.map(lossesOf), 'task losses');
  assertSameValues(valuesOf(resumed.trained), valuesOf(whole.trained), 'weight');
});

test('a run whose validate is not passed through the objective is stopped, naming the fix', async () => {
  const { config } = multiTaskRun('dwa', false, { epochs: 1 });
  config.validate = async () => ({});
  await assert.rejects(
    fit(config),
    /has no loss_colour: pass the run's validate through objective\.validate\(\)/,
  );
});
