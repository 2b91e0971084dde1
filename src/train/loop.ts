// The training loop every method plugs into: a loss function over batches, an optimizer with
// parameter groups, an lr schedule (or ReduceLROnPlateau), gradient clipping, validation,
// early stopping with best-weights restore, a metrics.jsonl log, callbacks, and a checkpoint
// after every epoch from which `resume` continues exactly where an interrupted (or stopped) run
// stopped. Callbacks see the run through a RunContext and may stop it (callbacks.ts).
import * as tf from '@tensorflow/tfjs';
import { type Collectives, currentGroup, WAIT_FOR_RANK_0_MS } from '../distributed/current.js';
import {
  reduceGradients,
  requireShardedSource,
  syncWeights,
  zeroGradients,
} from '../distributed/data-parallel.js';
import type { Shard } from '../distributed/shard.js';
import { VisiontuneError } from '../errors.js';
import {
  type BatchInfo,
  type Callback,
  createRunContext,
  emit,
  type RunContext,
  type RunProgress,
  type StopReason,
} from './callbacks.js';
import { assignWeights } from './checkpoint.js';
import type { EpochRecord, MetricsLog } from './metrics-log.js';
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
import { emitRunEvent } from './run-events.js';
import { RunFiles } from './run-files.js';
import { withSeededMathRandom } from './seeded-random.js';

/** What the loop needs of a batch: a tensor it disposes after the step, and a size. */
export interface TrainBatch {
  x: tf.Tensor;
  labels: Int32Array;
  samples: readonly unknown[];
}

/** Batches by epoch index, the same batches for the same index (a data Loader is one). */
export interface EpochSource<B extends TrainBatch> {
  /** Batches per epoch; in a data-parallel run, global batches (the same count on every rank). */
  readonly numBatches: number;
  /** Which part of each global batch this process gets; a data-parallel run needs one. */
  readonly shard?: Shard;
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
  /** Loss of one batch in training mode, from tfjs ops (run under tf.variableGrads; see below). */
  loss: (batch: B, info: BatchInfo) => tf.Scalar;
  /**
   * Replaces `tf.variableGrads(() => loss(batch, info), variables)` (and so `loss`) for a method
   * that builds the step's gradient itself, e.g. PCGrad (methods/multitask/weighting/). Returns
   * the batch's loss, for the log, and gradients keyed by core variable name, only for
   * `variables` (one missing is left alone this step); the loop disposes both. In a
   * data-parallel run they go through the same all-reduce as the default's.
   */
  gradients?: (batch: B, info: BatchInfo, variables: tf.Variable[]) => StepGradients;
  /** Metrics after each epoch, e.g. { val_loss, val_accuracy }. */
  validate?: (epoch: number) => Promise<Record<string, number>>;
  /**
   * In a data-parallel run: `validate` splits its work between the ranks (distributed/
   * sharded-rows.ts) and returns the same metrics on each, so every rank calls it. Otherwise
   * rank 0 validates alone and the others receive its metrics.
   */
  validateSharded?: boolean;
  clipNorm?: number;
  plateau?: { monitor: string; options: ConstructorParameters<typeof ReduceLROnPlateau>[0] };
  earlyStopping?: ConstructorParameters<typeof EarlyStopping>[0];
  /** Folder for checkpoints/ and metrics.jsonl; without it nothing is written. */
  outDir?: string;
  resume?: boolean;
  seed: number;
  /** Events with the run context; any may stop the run (callbacks.ts, stop-callbacks.ts). */
  callbacks?: Callback[];
}

/** One batch's loss and gradients, as `tf.variableGrads` returns them. */
export interface StepGradients {
  value: tf.Scalar;
  grads: tf.NamedTensorMap;
}

export interface FitResult {
  history: EpochRecord[];
  /** Why the run ended (see StopReason); a callback's request only when it cut the run short. */
  stopReason: StopReason;
  /** The stopping callback's detail, e.g. how much of a time budget was used. */
  stopDetail?: string;
  bestEpoch: number | null;
  resumedFromEpoch: number;
}

/** Training cannot go on (NaN/Inf loss or gradients); the last good checkpoint is intact. */
export class NonFiniteError extends VisiontuneError {
  constructor(message: string) {
    super('RUNTIME', message);
  }
}

/** What a checkpoint carries besides weights and optimizer state. */
interface Extra {
  history: EpochRecord[];
  plateau?: PlateauState;
  earlyStopping?: EarlyStoppingState;
  [key: string]: unknown;
}

/** Everything the loop carries from epoch to epoch; the run context reads its progress. */
interface LoopState extends RunProgress {
  startEpoch: number;
  plateau?: ReduceLROnPlateau;
  early?: EarlyStopping;
  /** Best weights in memory when there is no output folder to keep them in. */
  bestInMemory?: WeightSnapshot;
  /** This process's group when it is one rank of a data-parallel run. */
  group?: Collectives;
  /** Whether some rank asked to stop, as the ranks agreed at the last exchange. */
  stopAgreed: boolean;
}

export async function fit<B extends TrainBatch>(config: FitConfig<B>): Promise<FitResult> {
  const { epochs } = config;
  const callbacks = config.callbacks ?? [];
  const group = currentGroup();
  if (group) requireShardedSource(config.train, group);
  // In a data-parallel run rank 0 alone writes the run's files.
  const files = config.outDir && (group?.isMain ?? true) ? new RunFiles(config.outDir) : undefined;
  const state: LoopState = {
    group,
    stopAgreed: false,
    epoch: 0,
    step: 0,
    logs: {},
    history: [],
    startEpoch: 0,
    plateau: config.plateau && new ReduceLROnPlateau(config.plateau.options),
    early: config.earlyStopping && new EarlyStopping(config.earlyStopping),
  };
  const run = createRunContext(config.model, config.optimizer, epochs, state);
  const resumed = await restoreRun(config, files, state, (epoch) =>
    emit(callbacks, 'onResume', { epoch }, run),
  );
  const log = files && (await files.openLog(resumed ? state.startEpoch : undefined));

  await emit(callbacks, 'onTrainBegin', { epochs, startEpoch: state.startEpoch }, run);
  let stopReason: StopReason =
    resumed && (state.startEpoch >= epochs || state.early?.stopped)
      ? 'resumed-complete'
      : 'completed';
  let completed = state.startEpoch;
  for (let epoch = completed + 1; epoch <= epochs && stopReason === 'completed'; epoch++) {
    if (agreeToStop(state, run)) break;
    state.epoch = epoch;
    await emit(callbacks, 'onEpochBegin', { epoch }, run);
    const totals = await trainEpoch(config, state, run);
    if (!totals) break;
    const { record, earlyStop } = await endEpoch(config, state, files, log, { epoch, ...totals });
    completed = epoch;
    if (earlyStop) stopReason = 'early-stopping';
    await emit(callbacks, 'onEpochEnd', record, run);
    emitRunEvent({ type: 'epoch', record });
  }
  const request = run.stopRequest;
  if (stopReason === 'completed' && request && completed < epochs) stopReason = request.reason;

  const bestEpoch = await restoreBest(config.model, state, files);
  await emit(callbacks, 'onTrainEnd', { history: state.history, stopReason }, run);
  return {
    history: state.history,
    stopReason,
    ...(stopReason === request?.reason && request.detail ? { stopDetail: request.detail } : {}),
    bestEpoch,
    resumedFromEpoch: state.startEpoch,
  };
}

/** With `resume` and a checkpoint: weights, optimizer, trackers and history as it left them. */
async function restoreRun<B extends TrainBatch>(
  config: FitConfig<B>,
  files: RunFiles | undefined,
  state: LoopState,
  onResume: (epoch: number) => Promise<void>,
): Promise<boolean> {
  const { group } = state;
  // Every rank resumes from rank 0's checkpoint (the others may not see its folder), and starts
  // from rank 0's weights either way.
  const resumed = group
    ? await group.shareFromMain(
        'resume',
        async () => (await files?.resumePoint(config.resume)) ?? null,
      )
    : await files?.resumePoint(config.resume);
  if (group) syncWeights(group, config.model);
  if (!resumed) return false;
  assignWeights(config.model, resumed.weights, resumed.path);
  await onResume(resumed.state.epoch);
  config.optimizer.setState(resumed.state.optimizer);
  const extra = resumed.state.extra as Extra;
  state.history = extra.history;
  if (extra.plateau) state.plateau = ReduceLROnPlateau.fromJSON(extra.plateau);
  if (extra.earlyStopping) state.early = EarlyStopping.fromJSON(extra.earlyStopping);
  state.startEpoch = state.epoch = resumed.state.epoch;
  state.step = resumed.state.step;
  return true;
}

/** One epoch's batches; undefined when a stop request cut it short (nothing of it is kept). */
async function trainEpoch<B extends TrainBatch>(
  config: FitConfig<B>,
  state: LoopState,
  run: RunContext,
): Promise<{ loss: number; lr: number } | undefined> {
  const callbacks = config.callbacks ?? [];
  const totalSteps = Math.max(1, config.epochs * config.train.numBatches);
  // Read after onEpochBegin: a callback may unfreeze layers (gradual unfreezing) and regroup.
  const variables = config.optimizer.variables();
  let lossSum = 0;
  let seen = 0;
  let batchIndex = 0;
  let lr = 0;
  // Loader epochs are 0-based and seeded by index: the same batches whether resumed or not.
  const steps = stepsOf(config.train.epoch(state.epoch - 1), config.train.numBatches, state);
  for await (const batch of steps) {
    if (state.group ? state.stopAgreed : run.stopRequest) {
      batch?.x.dispose();
      return undefined;
    }
    const info: BatchInfo = {
      epoch: state.epoch,
      batch: batchIndex++,
      step: state.step,
      size: batch?.samples.length ?? 0,
    };
    await emit(callbacks, 'onBatchBegin', info, run);
    lr = state.plateau ? state.plateau.lr : lrAt(state.step, totalSteps, config.schedule);
    const { loss, count } = await trainStep(config, batch, info, variables, lr, state, run);
    lossSum += loss * count;
    seen += count;
    state.step++;
    state.logs = { loss, lr };
    await emit(callbacks, 'onBatchEnd', { ...info, loss, lr }, run);
    emitRunEvent({
      type: 'batch',
      epoch: state.epoch,
      epochs: config.epochs,
      batch: batchIndex,
      batches: config.train.numBatches,
      loss,
    });
  }
  return { loss: seen ? lossSum / seen : Number.NaN, lr };
}

/**
 * The batches of one epoch, and in a data-parallel run `undefined` for each step past the end of
 * this rank's share (it still takes part in the step's all-reduce, with no images).
 */
async function* stepsOf<B extends TrainBatch>(
  batches: AsyncIterable<B>,
  numBatches: number,
  state: LoopState,
): AsyncGenerator<B | undefined> {
  let taken = 0;
  for await (const batch of batches) {
    taken++;
    yield batch;
  }
  if (state.group) for (; taken < numBatches; taken++) yield undefined;
}

/** The batch's loss and gradients: on its own, or as one rank's share of a global batch. */
async function batchGradients<B extends TrainBatch>(
  config: FitConfig<B>,
  batch: B | undefined,
  info: BatchInfo,
  variables: tf.Variable[],
  state: LoopState,
  run: RunContext,
): Promise<{ loss: number; grads: tf.NamedTensorMap; count: number }> {
  let loss = Number.NaN;
  let grads: tf.NamedTensorMap;
  if (batch) {
    const computed = withSeededMathRandom(config.seed, info.step, () =>
      config.gradients
        ? config.gradients(batch, info, variables)
        : tf.variableGrads(() => config.loss(batch, info), variables),
    );
    batch.x.dispose();
    loss = (await computed.value.data())[0]!;
    computed.value.dispose();
    grads = computed.grads;
  } else grads = zeroGradients(variables);
  const { group } = state;
  if (!group) return { loss, grads, count: info.size };
  const reduced = reduceGradients(group, grads, loss, info.size, run.stopRequest !== undefined);
  if (reduced.stop) {
    state.stopAgreed = true;
    run.stop('callback', 'another rank asked to stop');
  }
  return reduced;
}

/**
 * One optimizer step on `batch` (whose tensor it disposes); returns the loss and the image count
 * of the batch (the global batch, in a data-parallel run).
 */
async function trainStep<B extends TrainBatch>(
  config: FitConfig<B>,
  batch: B | undefined,
  info: BatchInfo,
  variables: tf.Variable[],
  lr: number,
  state: LoopState,
  run: RunContext,
): Promise<{ loss: number; count: number }> {
  const { loss, grads, count } = await batchGradients(config, batch, info, variables, state, run);
  if (!Number.isFinite(loss)) {
    tf.dispose(grads);
    throw new NonFiniteError(
      `loss became ${loss} at epoch ${info.epoch}, batch ${info.batch} (step ${info.step}); training stopped. ` +
        'The last checkpoint is intact. Try a lower learning rate or gradient clipping (clipNorm).',
    );
  }
  let applied = grads;
  if (config.clipNorm !== undefined) {
    const clip = await clipByGlobalNorm(grads, config.clipNorm);
    if (!clip.finite) {
      tf.dispose(grads);
      throw new NonFiniteError(
        `gradient norm became ${clip.norm} at epoch ${info.epoch}, step ${info.step}; training stopped. The last checkpoint is intact.`,
      );
    }
    applied = clip.grads;
  }
  config.optimizer.step(applied, lr);
  tf.dispose(grads);
  if (applied !== grads) tf.dispose(applied);
  return { loss, count };
}

/** Validation, plateau and early stopping, the log line and the checkpoint of a finished epoch. */
async function endEpoch<B extends TrainBatch>(
  config: FitConfig<B>,
  state: LoopState,
  files: RunFiles | undefined,
  log: MetricsLog | undefined,
  totals: { epoch: number; loss: number; lr: number },
): Promise<{ record: EpochRecord; earlyStop: boolean }> {
  const { epoch } = totals;
  const { group } = state;
  // BatchNorm statistics moved on each rank's own images: rank 0's are the run's (as DDP's
  // broadcast buffers). Validation is split between the ranks where the task can, else it runs
  // on rank 0 alone and the others receive its metrics.
  if (group) syncWeights(group, config.model);
  const metrics =
    group && !config.validateSharded
      ? await group.shareFromMain(
          'validation',
          async () => (await config.validate?.(epoch)) ?? {},
          { waitMs: WAIT_FOR_RANK_0_MS },
        )
      : await config.validate?.(epoch);
  const record: EpochRecord = { ...totals, ...metrics };
  if (state.plateau && config.plateau) {
    const metric = record[config.plateau.monitor];
    if (typeof metric === 'number') state.plateau.step(metric);
  }
  const decision = state.early?.update(epoch, record as Record<string, number>);
  state.history.push(record);
  state.logs = record;
  await log?.append(record);

  if (files) {
    const extra: Extra = {
      history: state.history,
      plateau: state.plateau?.toJSON(),
      earlyStopping: state.early?.toJSON(),
    };
    const saved = { epoch, step: state.step, optimizer: await config.optimizer.getState(), extra };
    await files.save(config.model, saved, decision?.improved ?? false);
  } else if (decision?.improved) {
    state.bestInMemory = await snapshotWeights(config.model);
  }
  return { record, earlyStop: decision?.stop ?? false };
}

/** Early stopping ends with the best epoch's weights, not the last; returns that epoch. */
async function restoreBest(
  model: tf.LayersModel,
  state: LoopState,
  files: RunFiles | undefined,
): Promise<number | null> {
  const bestEpoch = state.early?.bestEpoch ?? null;
  if (bestEpoch === null) return null;
  const best = files && (await files.bestOf(bestEpoch));
  if (best) assignWeights(model, best.weights, best.path);
  else if (state.bestInMemory) restoreWeights(model, state.bestInMemory);
  return bestEpoch;
}

/**
 * Whether to stop before the next epoch. A data-parallel run's ranks must stop at the same
 * point, so each tells the others whether it was asked to (a rank that was not adopts the stop).
 */
function agreeToStop(state: LoopState, run: RunContext): boolean {
  if (!state.group) return run.stopRequest !== undefined;
  const asked = state.group.allGather('stop', run.stopRequest !== undefined);
  if (asked.some(Boolean)) {
    state.stopAgreed = true;
    run.stop('callback', `rank ${asked.indexOf(true)} asked to stop`);
  }
  return state.stopAgreed;
}
