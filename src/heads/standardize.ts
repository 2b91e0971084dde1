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

/** Per-feature mean and std (population) of row-major [n, dim] features, floored at 1e-6. */
export function featureStatistics(
  features: Float32Array,
  dim: number,
): { mean: number[]; std: number[] } {
  const n = features.length / dim;
  const mean = new Array<number>(dim).fill(0);
  const sq = new Array<number>(dim).fill(0);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < dim; j++) {
      const v = features[i * dim + j];
      mean[j] += v;
      sq[j] += v * v;
    }
  }
  const std = mean.map((m, j) => {
    const mu = m / n;
    return Math.max(Math.sqrt(Math.max(sq[j] / n - mu * mu, 0)), 1e-6);
  });
  return { mean: mean.map((m) => m / n), std };
}
