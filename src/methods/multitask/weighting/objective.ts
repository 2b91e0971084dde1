// A multi-task run's objective, ready for the training loop: the task weighting (and PCGrad when
// asked) applied to the per-task losses of each batch, the per-task mean training losses and the
// weights put into every epoch's record (`loss_<task>`, `weight_<task>`: the report's curves),
// and the weighting moved on after each epoch and rebuilt on resume from those records.
//
//   const weighting = createWeighting(config.weighting, taskNames);
//   const model = weighting.attach(network);          // what fit trains and checkpoints
//   const objective = taskObjective({ weighting, taskLosses, pcgrad: config.pcgrad, seed });
//   await fit({ model, optimizer: new AdamW(buildParamGroups(model, …)), …,
//     loss: objective.loss, gradients: objective.gradients,
//     validate: objective.validate(validateTasks), callbacks: [objective.callback, …] });
//
// `taskLosses` applies the network (outputs in task order), not the model `attach` returned.
// A task's mean training loss weighs each batch's value by the batch's images (a batch without
// that task's labels counts its 0). In a data-parallel run they are rank 0's, which its validate
// shares with the other ranks (with validateSharded each rank would record its own), and PCGrad
// projects each rank's gradients before the all-reduce averages them.
import * as tf from '@tensorflow/tfjs';
import type { BatchInfo, Callback } from '../../../train/callbacks.js';
import type { StepGradients, TrainBatch } from '../../../train/loop.js';
import { Rng } from '../../../util/rng.js';
import { pcgradGradients } from './pcgrad.js';
import { perTaskGradients } from './task-gradients.js';
import { type TaskWeighting, taskLossesOf, taskLossKey, taskWeightKey } from './types.js';

export interface TaskObjectiveOptions<B extends TrainBatch> {
  weighting: TaskWeighting;
  /** Each task's loss on the batch, in `weighting.tasks` order, in training mode (tfjs ops). */
  taskLosses: (batch: B, info: BatchInfo) => tf.Scalar[];
  /** Gradient surgery on the shared weights (PCGrad) on top of the weighting. */
  pcgrad?: boolean;
  /** Seeds PCGrad's projection order (forked per step, so a resumed run repeats it). */
  seed: number;
}

export interface TaskObjective<B extends TrainBatch> {
  /** FitConfig.loss: the weighted objective of a batch. */
  loss: (batch: B, info: BatchInfo) => tf.Scalar;
  /** FitConfig.gradients: PCGrad's update, when asked for (else undefined: the loop's own). */
  gradients?: (batch: B, info: BatchInfo, variables: tf.Variable[]) => StepGradients;
  /** FitConfig.validate: `inner`'s metrics plus each task's mean training loss and weight. */
  validate(
    inner?: (epoch: number) => Promise<Record<string, number>>,
  ): (epoch: number) => Promise<Record<string, number>>;
  /** For FitConfig.callbacks: tallies task losses, moves the weighting on, restores it. */
  callback: Callback;
}

export function taskObjective<B extends TrainBatch>(
  options: TaskObjectiveOptions<B>,
): TaskObjective<B> {
  const { weighting, taskLosses, seed } = options;
  const { tasks } = weighting;
  // The batch's task losses, kept past the gradient tape until onBatchEnd reads them.
  let pending: tf.Tensor | undefined;
  let sums = new Float64Array(tasks.length);
  let images = 0;

  const lossesOf = (batch: B, info: BatchInfo): tf.Scalar[] => {
    const losses = taskLosses(batch, info);
    pending?.dispose();
    pending = tf.keep(tf.stack(losses));
    return losses;
  };

  const unshared = () => new Set(weighting.variables().map((v) => v.name));
  const gradients = options.pcgrad
    ? (batch: B, info: BatchInfo, variables: tf.Variable[]): StepGradients => {
        const { value, perTask } = perTaskGradients(
          () => weighting.terms(lossesOf(batch, info)),
          variables,
        );
        try {
          const rng = new Rng(seed).fork('pcgrad', info.step);
          return { value, grads: pcgradGradients(perTask, { rng, unshared: unshared() }) };
        } finally {
          tf.dispose(perTask);
        }
      }
    : undefined;

  return {
    loss: (batch, info) => weighting.combine(lossesOf(batch, info)),
    ...(gradients ? { gradients } : {}),
    validate: (inner) => async (epoch) => {
      const own: Record<string, number> = {};
      const weights = weighting.current();
      tasks.forEach((task, k) => {
        own[taskLossKey(task)] = images > 0 ? sums[k]! / images : Number.NaN;
        own[taskWeightKey(task)] = weights[k]!;
      });
      return { ...own, ...(await inner?.(epoch)) };
    },
    callback: {
      onTrainBegin: (_info, run) => {
        weighting.restore(run.history);
      },
      onEpochBegin: () => {
        sums = new Float64Array(tasks.length);
        images = 0;
      },
      onBatchEnd: async (info) => {
        if (!pending) return;
        const values = await pending.data();
        pending.dispose();
        pending = undefined;
        values.forEach((v, k) => {
          sums[k]! += v * info.size;
        });
        images += info.size;
      },
      onEpochEnd: (record) => {
        const losses = taskLossesOf(record, tasks);
        if (!losses) {
          throw new Error(
            `task weighting: epoch ${record.epoch}'s record has no ${taskLossKey(tasks[0]!)}: pass the run's validate through objective.validate()`,
          );
        }
        weighting.endEpoch(losses);
      },
    },
  };
}
