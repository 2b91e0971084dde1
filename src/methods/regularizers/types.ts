// What the batch-mixing ops return.
import type * as tf from '@tensorflow/tfjs';

/** Pixel rows [y1, y2) and columns [x1, x2) of a CutMix box. */
export interface Box {
  y1: number;
  y2: number;
  x1: number;
  x2: number;
}

export interface MixResult {
  /** New tensors the caller owns (the inputs are neither changed nor disposed). */
  x: tf.Tensor4D;
  targets: tf.Tensor2D;
  /** Weight of the original sample i; 1 − lambda goes to sample perm[i]. */
  lambda: number;
  /** Partner of each sample. */
  perm: number[];
  kind: 'mixup' | 'cutmix' | 'none';
  /** The pasted box (cutmix only). */
  box?: Box;
}
