// Test support for the weighting tests (objective.test.ts, the data-parallel fixture): a seeded
// two-task data set (a 3-class task and a regression task on the same rows, shardable between
// data-parallel ranks as the real loaders are), a network with a shared trunk and one head per
// task, and a FitConfig that trains it with a weighting through taskObjective. Tests only.
import * as tf from '@tensorflow/tfjs';
import { batchNormalization } from '../../../backbones/batchnorm-fix.js';
import {
  type Shard,
  shardBatchCount,
  shardBatchPositions,
  WHOLE,
} from '../../../distributed/shard.js';
import type { EpochSource, FitConfig, TrainBatch } from '../../../train/loop.js';
import type { EpochRecord } from '../../../train/metrics-log.js';
import { AdamW, buildParamGroups } from '../../../train/optim/index.js';
import { orderedWeights } from '../../../train/weight-order.js';
import { Rng } from '../../../util/rng.js';
import { createWeighting, type TaskWeighting, taskObjective, type WeightingKind } from './index.js';

export const TASKS = ['colour', 'level'];
const FEATURES = 4;
const ROWS = 48;

export interface Batch extends TrainBatch {
  /** The regression task's targets. */
  level: Float32Array;
}

/**
 * 48 seeded rows: class = the largest of the first 3 features, level = the mean of all 4. Global
 * batches of `batchSize × shard.size` rows, of which `shard` takes its part.
 */
export function twoTaskSource(batchSize = 8, shard: Shard = WHOLE): EpochSource<Batch> {
  const rng = new Rng(21);
  const rows = Array.from({ length: ROWS }, () =>
    Array.from({ length: FEATURES }, () => rng.normal()),
  );
  const numBatches = shardBatchCount(ROWS, batchSize, shard);
  return {
    numBatches,
    ...(shard.size > 1 ? { shard } : {}),
    async *epoch(index) {
      const order = new Rng(5).fork('epoch', index).permutation(ROWS);
      for (let b = 0; b < numBatches; b++) {
        const picked = shardBatchPositions(b, ROWS, batchSize, shard).map((p) => rows[order[p]!]!);
        if (picked.length === 0) continue;
        const first3 = (r: number[]) => r.slice(0, 3);
        yield {
          x: tf.tensor2d(picked, [picked.length, FEATURES]),
          labels: Int32Array.from(picked.map((r) => first3(r).indexOf(Math.max(...first3(r))))),
          level: Float32Array.from(picked.map((r) => r.reduce((a, v) => a + v, 0) / FEATURES)),
          samples: picked,
        };
      }
    },
  };
}

/** input → shared trunk (dense, BatchNorm, ReLU) → a classification and a regression head. */
export function twoHeadNetwork(seed: number): tf.LayersModel {
  const init = (k: number) => tf.initializers.glorotUniform({ seed: seed + k });
  const input = tf.input({ shape: [FEATURES] });
  // No bias before BatchNorm: its gradient is 0 up to rounding, which Adam would amplify to
  // full-lr steps of arbitrary sign (and 2 ranks round differently from 1 process).
  let x = tf.layers
    .dense({ units: 8, name: 'trunk', useBias: false, kernelInitializer: init(0) })
    .apply(input) as tf.SymbolicTensor;
  x = batchNormalization({ name: 'trunk_bn' }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.reLU({ name: 'trunk_relu' }).apply(x) as tf.SymbolicTensor;
  const colour = tf.layers.dense({ units: 3, name: 'head_colour_out', kernelInitializer: init(1) });
  const level = tf.layers.dense({ units: 1, name: 'head_level_out', kernelInitializer: init(2) });
  return tf.model({
    inputs: input,
    outputs: [colour.apply(x), level.apply(x)] as tf.SymbolicTensor[],
  });
}

/** The per-task losses of `net` on a batch: cross-entropy and mean squared error. */
export function twoTaskLosses(net: tf.LayersModel, tasks = TASKS) {
  return (batch: Batch): tf.Scalar[] => {
    const [colour, level] = net.apply(batch.x, { training: true }) as tf.Tensor[];
    const classes = tf.oneHot(tf.tensor1d(batch.labels, 'int32'), 3);
    const targets = tf.tensor2d(batch.level, [batch.level.length, 1]);
    const all = [
      tf.losses.softmaxCrossEntropy(classes, colour!) as tf.Scalar,
      tf.losses.meanSquaredError(targets, level!) as tf.Scalar,
    ];
    return tasks.map((t) => all[TASKS.indexOf(t)]!);
  };
}

export interface Run {
  config: FitConfig<Batch>;
  weighting: TaskWeighting;
  /** What fit trains: the network, plus the log-variance layer for uncertainty. */
  trained: tf.LayersModel;
}

export interface RunOptions extends Partial<FitConfig<Batch>> {
  /** Seeds the network's initial weights. */
  initSeed?: number;
  /** Tasks to train (default both). */
  tasks?: string[];
  batchSize?: number;
  shard?: Shard;
}

/** A 4-epoch run of the two-head network with `kind` weighting (and PCGrad when asked). */
export function multiTaskRun(kind: WeightingKind, pcgrad: boolean, options: RunOptions = {}): Run {
  const { initSeed = 1, tasks = TASKS, batchSize, shard, callbacks = [], ...rest } = options;
  const net = twoHeadNetwork(initSeed);
  const weighting = createWeighting(kind, tasks);
  const trained = weighting.attach(net);
  const objective = taskObjective<Batch>({
    weighting,
    pcgrad,
    seed: 3,
    taskLosses: twoTaskLosses(net, tasks),
  });
  const config: FitConfig<Batch> = {
    model: trained,
    optimizer: new AdamW(buildParamGroups(trained, { weightDecay: 0.01 })),
    train: twoTaskSource(batchSize, shard),
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

export const lossesOf = (record: EpochRecord) => TASKS.map((t) => record[`loss_${t}`] as number);
export const weightsOf = (record: EpochRecord) => TASKS.map((t) => record[`weight_${t}`] as number);
/** Every weight of `model` (trainable or not), in checkpoint order. */
export const valuesOf = (model: tf.LayersModel) =>
  orderedWeights(model).map((w) => Array.from(w.read().dataSync()));
