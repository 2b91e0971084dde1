// The distillation losses. Hinton et al. (2015): the student matches the teacher's softened class
// distribution, KL(softmax(z_t/T) ‖ softmax(z_s/T)) scaled by T² so its gradients keep the same
// size as the hard-label term's whatever T is. FitNets (Romero et al. 2015): the student's
// feature map, through a learned 1×1 adapter, regresses the teacher's at a chosen layer.
import * as tf from '@tensorflow/tfjs';

/** T² · mean over rows of KL(softmax(teacher/T) ‖ softmax(student/T)). */
export function distillationLoss(
  studentLogits: tf.Tensor2D,
  teacherLogits: tf.Tensor2D,
  temperature: number,
): tf.Scalar {
  return tf.tidy(() => {
    const logPs = tf.logSoftmax(tf.div(studentLogits, temperature));
    const logPt = tf.logSoftmax(tf.div(teacherLogits, temperature));
    const kl = tf.sum(tf.mul(tf.exp(logPt), tf.sub(logPt, logPs)), -1);
    return tf.mul(tf.mean(kl), temperature * temperature) as tf.Scalar;
  });
}

/** α · distillation over every row + (1 − α) · cross-entropy over the first `labelled` rows. */
export function hintonLoss(
  studentLogits: tf.Tensor2D,
  teacherLogits: tf.Tensor2D,
  labels: Int32Array,
  options: { temperature: number; alpha: number },
): tf.Scalar {
  return tf.tidy(() => {
    const { temperature, alpha } = options;
    const parts: tf.Scalar[] = [];
    if (alpha > 0)
      parts.push(
        tf.mul(distillationLoss(studentLogits, teacherLogits, temperature), alpha) as tf.Scalar,
      );
    if (alpha < 1 && labels.length > 0)
      parts.push(tf.mul(labelCrossEntropy(studentLogits, labels), 1 - alpha) as tf.Scalar);
    return tf.addN(parts) as tf.Scalar;
  });
}

/** Mean cross-entropy of the first `labels.length` rows (labelled rows come first in a batch). */
export function labelCrossEntropy(logits: tf.Tensor2D, labels: Int32Array): tf.Scalar {
  return tf.tidy(() => {
    const rows = logits.slice([0, 0], [labels.length, -1]);
    const onehot = tf.oneHot(tf.tensor1d(labels, 'int32'), rows.shape[1]);
    return tf.losses.softmaxCrossEntropy(onehot, rows) as tf.Scalar;
  });
}

/**
 * Mean squared error between the adapted student map and the teacher's; the student map is
 * resized (bilinear) to the teacher's height and width when the strides differ.
 */
export function hintLoss(adaptedStudent: tf.Tensor4D, teacher: tf.Tensor4D): tf.Scalar {
  return tf.tidy(() => {
    const [, h, w] = teacher.shape;
    const s =
      adaptedStudent.shape[1] === h && adaptedStudent.shape[2] === w
        ? adaptedStudent
        : tf.image.resizeBilinear(adaptedStudent, [h, w]);
    return tf.mean(tf.squaredDifference(s, teacher)) as tf.Scalar;
  });
}
