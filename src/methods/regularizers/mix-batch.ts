// One mixing op per batch, as timm's Mixup in batch mode is configured: with probability `prob`
// the batch is mixed, by CutMix with probability `switchProb` when both are enabled, else by
// mixup; an op is enabled by giving it an α > 0. Decisions and draws all come from the Rng.
import * as tf from '@tensorflow/tfjs';
import { badUsage } from '../../errors.js';
import type { Rng } from '../../util/rng.js';
import { cutmix } from './cutmix.js';
import { checkBatch, mixup } from './mixup.js';
import type { MixResult } from './types.js';

export interface MixBatchOptions {
  /** Beta(α, α) for mixup; 0 or absent: mixup off. Zhang et al. 2018: 0.2 on ImageNet. */
  mixupAlpha?: number;
  /** Beta(α, α) for CutMix; 0 or absent: CutMix off. Yun et al. 2019: 1. */
  cutmixAlpha?: number;
  /** Probability that a batch is mixed at all. Default 1. */
  prob?: number;
  /** Probability of CutMix rather than mixup when both are on. Default 0.5. */
  switchProb?: number;
}

export type BatchMixer = (x: tf.Tensor4D, targets: tf.Tensor2D, rng: Rng) => MixResult;

function checkProb(p: number, name: string): void {
  if (!(p >= 0 && p <= 1)) throw badUsage(`${name}: must be in [0, 1] (got ${p})`);
}

function checkAlpha(a: number, name: string): void {
  if (!(Number.isFinite(a) && a >= 0)) throw badUsage(`${name}: must be a number >= 0 (got ${a})`);
}

/**
 * A mixer for training batches. Draw order from `rng`: the "mix at all" coin, the
 * mixup-or-cutmix coin (only when both are on), then the op's own draws. An unmixed batch comes
 * back as clones (kind 'none', λ = 1), so the caller always owns and disposes the results.
 */
export function mixBatch(options: MixBatchOptions): BatchMixer {
  const mixupAlpha = options.mixupAlpha ?? 0;
  const cutmixAlpha = options.cutmixAlpha ?? 0;
  const prob = options.prob ?? 1;
  const switchProb = options.switchProb ?? 0.5;
  checkAlpha(mixupAlpha, 'mixupAlpha');
  checkAlpha(cutmixAlpha, 'cutmixAlpha');
  checkProb(prob, 'mix prob');
  checkProb(switchProb, 'switchProb');
  if (mixupAlpha === 0 && cutmixAlpha === 0) {
    throw badUsage('mixBatch: give mixupAlpha and/or cutmixAlpha > 0 (both are off)');
  }
  return (x, targets, rng) => {
    checkBatch(x, targets);
    if (!(rng.next() < prob)) {
      const n = x.shape[0];
      return {
        x: tf.clone(x),
        targets: tf.clone(targets),
        lambda: 1,
        perm: Array.from({ length: n }, (_, i) => i),
        kind: 'none',
      };
    }
    const useCutmix = mixupAlpha > 0 && cutmixAlpha > 0 ? rng.bool(switchProb) : cutmixAlpha > 0;
    return useCutmix
      ? cutmix(x, targets, rng, { alpha: cutmixAlpha })
      : mixup(x, targets, rng, { alpha: mixupAlpha });
  };
}
