// A layer that standardizes features with fixed statistics: (x − mean) / std. Linear probes
// train far better on standardized embeddings (features of a frozen backbone differ in scale
// by orders of magnitude); holding the statistics in a layer keeps the saved classifier
// self-contained. The statistics are non-trainable weights, so they save and load with the model.
import * as tf from '@tensorflow/tfjs';

interface StandardizeArgs {
  mean: number[];
  std: number[];
  name?: string;
}

export class Standardize extends tf.layers.Layer {
  static className = 'VisiontuneStandardize';
  private readonly initialMean: number[];
  private readonly initialStd: number[];
  private meanWeight?: tf.LayerVariable;
  private stdWeight?: tf.LayerVariable;

  constructor(args: StandardizeArgs) {
    super({ name: args.name, trainable: false });
    this.initialMean = args.mean;
    this.initialStd = args.std;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const dim = (inputShape as tf.Shape).at(-1) as number;
    if (dim !== this.initialMean.length) {
      throw new Error(
        `Standardize: input has ${dim} features, statistics have ${this.initialMean.length}`,
      );
    }
    this.meanWeight = this.addWeight(
      'mean',
      [dim],
      'float32',
      tf.initializers.zeros(),
      undefined,
      false,
    );
    this.stdWeight = this.addWeight(
      'std',
      [dim],
      'float32',
      tf.initializers.ones(),
      undefined,
      false,
    );
    // Loading a saved model overwrites these with the saved values, which are the same.
    this.meanWeight.write(tf.tensor1d(this.initialMean));
    this.stdWeight.write(tf.tensor1d(this.initialStd));
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    return tf.tidy(() => x.sub(this.meanWeight!.read()).div(this.stdWeight!.read()));
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), mean: this.initialMean, std: this.initialStd };
  }
}

tf.serialization.registerClass(Standardize);

/**
 * A feature whose spread on the training set is below this fraction of the typical spread (the
 * median std of the features that vary) is divided by the floor instead, so no feature is scaled
 * up more than 100× a typical one: a unit that is constant up to float rounding, or nearly dead,
 * would otherwise turn a small change on a new image into a huge standardized value. The median,
 * not the mean, so that a few large features do not lift the floor; and 1%, not more, because
 * evening out scales that legitimately differ is what standardizing is for (features up to 100×
 * below the median keep their full weight; linear-head.test.ts has such scales).
 */
export const STD_FLOOR = 0.01;

/**
 * Per-feature mean and conditioned std of row-major [n, dim] features, accumulated in float64
 * over two passes (a one-pass Σx² − n·mean² loses the digits of a small spread on a large mean).
 * A feature constant on the training set gets std 1, as scikit-learn's StandardScaler does: it
 * carries nothing, its standardized training value is 0 whatever its scale, and a value it takes
 * on a new image must not be divided by ~0. Other features get at least STD_FLOOR × the median.
 */
export function featureStatistics(
  features: Float32Array,
  dim: number,
): { mean: number[]; std: number[] } {
  const n = features.length / dim;
  const mean = new Float64Array(dim);
  for (let i = 0; i < n; i++) for (let j = 0; j < dim; j++) mean[j] += features[i * dim + j];
  for (let j = 0; j < dim; j++) mean[j] /= n;
  const spread = new Float64Array(dim);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < dim; j++) spread[j] += (features[i * dim + j] - mean[j]) ** 2;
  }
  for (let j = 0; j < dim; j++) spread[j] = Math.sqrt(spread[j] / n);
  // Constant in float64 means exactly 0: n copies of one float32 value sum and divide exactly.
  const varying = spread.filter((s) => s > 0).sort();
  const floor = STD_FLOOR * (varying[varying.length >> 1] ?? 0);
  return {
    mean: Array.from(mean),
    std: Array.from(spread, (s) => (s > 0 ? Math.max(s, floor) : 1)),
  };
}
