// In-memory copies of a model's weights, for restoring the best epoch's weights at the end of
// training (early stopping). Every weight is kept, not only trainable ones: BatchNorm moving
// statistics change during training too. The snapshot is plain float32 arrays in `orderedWeights`
// order (stable under unfreezing), the layout checkpoints use, so a checkpoint can also carry the
// best weights.
import * as tf from '@tensorflow/tfjs';
import { badInput } from '../../errors.js';
import { orderedWeights } from '../weight-order.js';

export interface WeightSnapshot {
  /** `originalName` of each weight, for error messages and a sanity check on restore. */
  names: string[];
  weights: { shape: number[]; values: Float32Array }[];
}

export async function snapshotWeights(model: tf.LayersModel): Promise<WeightSnapshot> {
  const names: string[] = [];
  const weights: WeightSnapshot['weights'] = [];
  for (const w of orderedWeights(model)) {
    names.push(w.originalName);
    // Copy: the backend may return its own buffer, which a later assignment could reuse.
    const values = new Float32Array(await w.read().data<'float32'>());
    weights.push({ shape: [...w.read().shape], values });
  }
  return { names, weights };
}

export function restoreWeights(model: tf.LayersModel, snapshot: WeightSnapshot): void {
  const ws = orderedWeights(model);
  if (ws.length !== snapshot.weights.length) {
    throw badInput(
      `restoreWeights: snapshot holds ${snapshot.weights.length} weights, model has ${ws.length}`,
    );
  }
  ws.forEach((w, i) => {
    const s = snapshot.weights[i];
    if (
      !tf.util.arraysEqual(s.shape, w.shape as number[]) ||
      w.originalName !== snapshot.names[i]
    ) {
      throw badInput(
        `restoreWeights: weight ${i} is ${w.originalName} [${w.shape}], snapshot has ${snapshot.names[i]} [${s.shape}]`,
      );
    }
  });
  tf.tidy(() => {
    ws.forEach((w, i) => {
      const s = snapshot.weights[i];
      w.write(tf.tensor(new Float32Array(s.values), s.shape, 'float32'));
    });
  });
}
