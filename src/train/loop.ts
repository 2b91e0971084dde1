// The training loop every method plugs into: a loss function over batches, an optimizer with
// parameter groups, an lr schedule (or ReduceLROnPlateau), gradient clipping, validation,
// early stopping with best-weights restore, a metrics.jsonl log, callbacks, and a checkpoint
// after every epoch from which `resume` continues exactly where an interrupted run stopped.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { VisiontuneError } from '../errors.js';
import { type BatchInfo, type Callback, emit } from './callbacks.js';
import { assignWeights, loadLatestCheckpoint, saveCheckpoint } from './checkpoint.js';
import { type EpochRecord, MetricsLog } from './metrics-log.js';
import {
  clipByGlobalNorm,
  EarlyStopping,
  type EarlyStoppingState,
  type GroupOptimizer,
  lrAt,
  type PlateauState,
  ReduceLROnPlateau,
  restoreWeights,
  type Schedule,
  snapshotWeights,
  type WeightSnapshot,
} from './optim/index.js';
import { withSeededMathRandom } from './seeded-random.js';

/** What the loop needs of a batch: a tensor it disposes after the step, and a size. */
export interface TrainBatch {
  x: tf.Tensor;
  labels: Int32Array;
  samples: readonly unknown[];
}

/** Batches by epoch index, the same batches for the same index (a data Loader is one). */
export interface EpochSource<B extends TrainBatch> {
  readonly numBatches: number;
  epoch(index: number): AsyncIterable<B>;
}

export interface FitConfig<B extends TrainBatch = TrainBatch> {
  /** The model whose weights are trained, checkpointed and restored. */
  model: tf.LayersModel;
  optimizer: GroupOptimizer;
  train: EpochSource<B>;
  epochs: number;
  /** Base lr per step; ignored when `plateau` is given (it owns the lr). */
  schedule: Schedule;
  /** Loss of one batch in training mode, from tfjs ops (it runs under tf.variableGrads). */
  loss: (batch: B, info: BatchInfo) => tf.Scalar;
  /** Metrics after each epoch, e.g. { val_loss, val_accuracy }. */
  validate?: (epoch: number) => Promise<Record<string, number>>;
  clipNorm?: number;
  plateau?: { monitor: string; options: ConstructorParameters<typeof ReduceLROnPlateau>[0] };
  earlyStopping?: ConstructorParameters<typeof EarlyStopping>[0];
  /** Folder for checkpoints/ and metrics.jsonl; without it nothing is written. */
  outDir?: string;
  resume?: boolean;
  seed: number;
  callbacks?: Callback[];
}

export interface FitResult {
  history: EpochRecord[];
  /** 'completed', 'early-stopping', or 'resumed-complete' (nothing left to do). */
  stopReason: string;
  bestEpoch: number | null;
  resumedFromEpoch: number;
}

/** Training cannot go on (NaN/Inf loss or gradients); the last good checkpoint is intact. */
export class NonFiniteError extends VisiontuneError {
  constructor(message: string) {
    super('RUNTIME', message);
  }
}

interface Extra {
  history: EpochRecord[];
  plateau?: PlateauState;
  earlyStopping?: EarlyStoppingState;
  [key: string]: unknown;
}

export async function fit<B extends TrainBatch>(config: FitConfig<B>): Promise<FitResult> {
  const { model, optimizer, train, epochs, seed } = config;
  const callbacks = config.callbacks ?? [];
  const checkpointDir = config.outDir && path.join(config.outDir, 'checkpoints');
  const bestDir = config.outDir && path.join(config.outDir, 'checkpoints', 'best');
  const logFile = config.outDir && path.join(config.outDir, 'metrics.jsonl');
  const totalSteps = Math.max(1, epochs * train.numBatches);

  let plateau = config.plateau && new ReduceLROnPlateau(config.plateau.options);
  let early = config.earlyStopping && new EarlyStopping(config.earlyStopping);
  let history: EpochRecord[] = [];
  let startEpoch = 0;
  let step = 0;
  /** Best weights in memory when there is no output folder to keep them in. */
  let bestInMemory: WeightSnapshot | undefined;

  const resumed =
    config.resume && checkpointDir ? await loadLatestCheckpoint(checkpointDir) : undefined;
  if (resumed) {
    assignWeights(model, resumed.weights, resumed.path);
    await emit(callbacks, 'onResume', { epoch: resumed.state.epoch });
    optimizer.setState(resumed.state.optimizer);
    const extra = resumed.state.extra as Extra;
    history = extra.history;
    if (extra.plateau) plateau = ReduceLROnPlateau.fromJSON(extra.plateau);
    if (extra.earlyStopping) early = EarlyStopping.fromJSON(extra.earlyStopping);
    startEpoch = resumed.state.epoch;
    step = resumed.state.step;
  }
  // A fresh run owns its checkpoint folder: checkpoints of an earlier run there (perhaps a longer
  // one, with later epochs) would outrank this run's and be what a later --resume continues.
  if (checkpointDir && !resumed) await fs.rm(checkpointDir, { recursive: true, force: true });
  if (config.outDir) await fs.mkdir(config.outDir, { recursive: true });
  const log = logFile
    ? resumed
      ? await MetricsLog.resume(logFile, startEpoch)
      : await MetricsLog.create(logFile)
    : undefined;

  await emit(callbacks, 'onTrainBegin', { epochs, startEpoch });
  let stopReason =
    resumed && (startEpoch >= epochs || early?.stopped) ? 'resumed-complete' : 'completed';

  for (let epoch = startEpoch + 1; epoch <= epochs && stopReason === 'completed'; epoch++) {
    await emit(callbacks, 'onEpochBegin', { epoch });
    // Read after the callbacks: one may unfreeze layers (gradual unfreezing) and regroup.
    const variables = optimizer.variables();
    let lossSum = 0;
    let seen = 0;
    let batchIndex = 0;
    let lr = 0;
    // Loader epochs are 0-based and seeded by index: the same batches whether resumed or not.
    for await (const batch of train.epoch(epoch - 1)) {
      const info: BatchInfo = { epoch, batch: batchIndex++, step, size: batch.samples.length };
      await emit(callbacks, 'onBatchBegin', info);
      lr = plateau ? plateau.lr : lrAt(step, totalSteps, config.schedule);
      const { value, grads } = withSeededMathRandom(seed, step, () =>
        tf.variableGrads(() => config.loss(batch, info), variables),
      );
      batch.x.dispose();
      const loss = (await value.data())[0];
      value.dispose();
      if (!Number.isFinite(loss)) {
        tf.dispose(grads);
        throw new NonFiniteError(
          `loss became ${loss} at epoch ${epoch}, batch ${info.batch} (step ${step}); training stopped. ` +
            'The last checkpoint is intact. Try a lower learning rate or gradient clipping (clipNorm).',
        );
      }
      let applied = grads;
      if (config.clipNorm !== undefined) {
        const clip = await clipByGlobalNorm(grads, config.clipNorm);
        if (!clip.finite) {
          tf.dispose(grads);
          throw new NonFiniteError(
            `gradient norm became ${clip.norm} at epoch ${epoch}, step ${step}; training stopped. The last checkpoint is intact.`,
          );
        }
        applied = clip.grads;
      }
      optimizer.step(applied, lr);
      tf.dispose(grads);
      if (applied !== grads) tf.dispose(applied);
      lossSum += loss * info.size;
      seen += info.size;
      await emit(callbacks, 'onBatchEnd', { ...info, loss, lr });
      step++;
    }

    const record: EpochRecord = {
      epoch,
      loss: seen ? lossSum / seen : Number.NaN,
      lr,
      ...(await config.validate?.(epoch)),
    };
    if (plateau && config.plateau) {
      const metric = record[config.plateau.monitor];
      if (typeof metric === 'number') plateau.step(metric);
    }
    let improved = false;
    if (early) {
      const decision = early.update(epoch, record as Record<string, number>);
      improved = decision.improved;
      if (decision.stop) stopReason = 'early-stopping';
    }
    history.push(record);
    await log?.append(record);

    if (checkpointDir && bestDir) {
      const extra: Extra = { history, plateau: plateau?.toJSON(), earlyStopping: early?.toJSON() };
      const state = { epoch, step, optimizer: await optimizer.getState(), extra };
      if (improved) await saveCheckpoint(bestDir, model, state, { keep: 1 });
      await saveCheckpoint(checkpointDir, model, state);
    } else if (improved) {
      bestInMemory = await snapshotWeights(model);
    }
    await emit(callbacks, 'onEpochEnd', record);
  }

  // Early stopping ends with the best epoch's weights, not the last.
  const bestEpoch = early?.bestEpoch ?? null;
  if (early && bestEpoch !== null) {
    const best = bestDir ? await loadLatestCheckpoint(bestDir) : undefined;
    if (best && best.state.epoch === bestEpoch) assignWeights(model, best.weights, best.path);
    else if (bestInMemory) restoreWeights(model, bestInMemory);
  }
  await emit(callbacks, 'onTrainEnd', { history, stopReason });
  return { history, stopReason, bestEpoch, resumedFromEpoch: startEpoch };
}
