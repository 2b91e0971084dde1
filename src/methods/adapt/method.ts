// What every adaptation method plugs into the shared loop: extra trainable modules (a domain
// discriminator), a transfer loss computed from the step's features and logits, and per-epoch
// statistics for the report. The classification loss on the source is the loop's, not the
// method's, so every method optimizes source CE + tradeoff × its transfer loss.
import type * as tf from '@tensorflow/tfjs';

/** One training step's network outputs, rows [source; target; target strong view]. */
export interface StepOutputs {
  features: tf.Tensor2D;
  logits: tf.Tensor2D;
  sourceCount: number;
  targetCount: number;
  /** Logits of the strongly augmented target view (selftrain), when the batch has one. */
  strongLogits?: tf.Tensor2D;
  /** Training progress in [0, 1] (step / total steps), for the methods' schedules. */
  progress: number;
}

export interface AdaptMethod {
  readonly name: string;
  /** One line for the report: what the method does, with its settings. */
  readonly summary: string;
  /** Whether target images pass the network at all (not for the source-only baseline). */
  readonly usesTarget: boolean;
  /** Trains on a second, strongly augmented view of each target image (FixMatch-style). */
  readonly needsStrongView: boolean;
  /** Trainable models besides the network (checkpointed with it). */
  readonly modules: tf.LayersModel[];
  /** The transfer loss of one step (unweighted), from tfjs ops: it runs under the tape. */
  transferLoss(step: StepOutputs): tf.Scalar;
  /** Statistics gathered since the last call (e.g. discriminator accuracy), then reset. */
  takeEpochStats(): Record<string, number>;
  dispose(): void;
}

export interface MethodEnv {
  featureDim: number;
  classes: number;
  seed: number;
}
