// The layer that holds uncertainty weighting's learned log-variances s_k = log σ_k² (one per
// task, initialised to 0, i.e. weight 1). Being a layer of the training model is what makes the
// optimizer train them (they are among its trainable weights), checkpoints carry them (weights
// by position) and data-parallel ranks keep them in sync (syncWeights): nothing outside the
// model needs to know they exist. Applied to the model's input only so it is part of the graph:
// its output is s broadcast to [B, K], which nothing reads (the weighting reads the variable).
// The bundle model leaves it out. Registered for serialization all the same, so a saved training
// model loads.
import * as tf from '@tensorflow/tfjs';

/**
 * Its name: `head…`, so parameter groups put it with the heads (full lr; rank 1, so no weight
 * decay) and freezing never touches it; the double underscore keeps it clear of every
 * `head_<task>_…` layer, since task names start with a letter.
 */
export const LOG_VARIANCE_LAYER = 'head__task_log_variance';

interface LogVarianceArgs {
  name?: string;
  /** Number of tasks. */
  tasks: number;
}

export class TaskLogVariance extends tf.layers.Layer {
  static className = 'VisiontuneTaskLogVariance';
  private readonly taskCount: number;
  private logVariance?: tf.LayerVariable;

  constructor(args: LogVarianceArgs) {
    super({ name: args.name ?? LOG_VARIANCE_LAYER });
    this.taskCount = args.tasks;
  }

  override build(): void {
    this.logVariance = this.addWeight(
      'log_variance',
      [this.taskCount],
      'float32',
      tf.initializers.zeros(),
    );
    this.built = true;
  }

  /** s = [log σ_k²], for use inside the gradient tape; undefined before the layer is applied. */
  get variable(): tf.Variable | undefined {
    // LayerVariable.read() is typed as Tensor but returns the tf.Variable it holds.
    return this.logVariance?.read() as tf.Variable | undefined;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0]! : inputs;
    return tf.tidy(() => tf.tile(this.logVariance!.read().expandDims(0), [x.shape[0] ?? 1, 1]));
  }

  override computeOutputShape(shape: tf.Shape | tf.Shape[]): tf.Shape {
    const input = (Array.isArray(shape[0]) ? shape[0] : shape) as tf.Shape;
    return [input[0] ?? null, this.taskCount];
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), tasks: this.taskCount };
  }
}

tf.serialization.registerClass(TaskLogVariance);
