// Checkpointing tfjs's Adam, the outer optimizer of protonet, MAML and ANIL: its moment slots
// and iteration count, through the optimizer's own getWeights / setWeights (which also rebuild
// the bias-correction powers from the iteration count).
import * as tf from '@tensorflow/tfjs';
import type { MetaTrainingState } from '../learner.js';

export async function adamState(optimizer: tf.Optimizer): Promise<MetaTrainingState> {
  const [iterations, ...moments] = await optimizer.getWeights();
  const iterationCount = (await iterations!.tensor.data())[0]!;
  iterations!.tensor.dispose(); // a fresh scalar; the moments are the optimizer's own variables
  const slots = await Promise.all(
    moments.map(async (m) => ({
      shape: [...m.tensor.shape],
      values: Float32Array.from(await m.tensor.data()),
    })),
  );
  return { slots, counters: { iterations: iterationCount } };
}

export async function restoreAdam(
  optimizer: tf.Optimizer,
  state: MetaTrainingState,
): Promise<void> {
  const weights = [
    { name: 'iter', tensor: tf.scalar(state.counters.iterations ?? 0, 'int32') },
    ...state.slots.map((s, i) => ({ name: `slot_${i}`, tensor: tf.tensor(s.values, s.shape) })),
  ];
  await optimizer.setWeights(weights);
  // The optimizer's variables were made from these tensors and hold their own references.
  tf.dispose(weights.map((w) => w.tensor));
}

/** getTrainingState / setTrainingState of a learner whose only extra state is its Adam. */
export function adamCheckpointing(optimizer: tf.Optimizer) {
  return {
    getTrainingState: () => adamState(optimizer),
    setTrainingState: (state: MetaTrainingState) => restoreAdam(optimizer, state),
  };
}
