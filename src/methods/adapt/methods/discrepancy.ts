// The discrepancy methods: a statistic of the source and target features is pulled together.
// - MMD: multi-kernel MMD² with a Gaussian bank around the median distance (DAN, Long et al.
//   2015), on the bottleneck features.
// - CORAL: the distance between feature covariances, ‖C_s − C_t‖²_F / 4d² (Deep CORAL, Sun &
//   Saenko 2016), on the bottleneck features.
import type * as tf from '@tensorflow/tfjs';
import { coralLoss, MMD_DEFAULTS, multiKernelMmd } from '../losses/index.js';
import type { AdaptMethod, StepOutputs } from '../method.js';

function discrepancyMethod(
  name: string,
  summary: string,
  loss: (source: tf.Tensor2D, target: tf.Tensor2D) => tf.Scalar,
): AdaptMethod {
  return {
    name,
    summary,
    usesTarget: true,
    needsStrongView: false,
    modules: [],
    transferLoss({ features, sourceCount: ns, targetCount: nt }: StepOutputs) {
      return loss(features.slice([0, 0], [ns, -1]), features.slice([ns, 0], [nt, -1]));
    },
    takeEpochStats: () => ({}),
    dispose() {},
  };
}

export const mmdMethod = (): AdaptMethod =>
  discrepancyMethod(
    'mmd',
    `DAN: multi-kernel MMD² between source and target bottleneck features, ${MMD_DEFAULTS.kernelNum} Gaussian kernels spaced ×${MMD_DEFAULTS.kernelMul} around the median pairwise distance`,
    (s, t) => multiKernelMmd(s, t),
  );

export const coralMethod = (): AdaptMethod =>
  discrepancyMethod(
    'coral',
    'Deep CORAL: ‖C_s − C_t‖²_F / 4d² between the covariances of source and target bottleneck features',
    coralLoss,
  );
