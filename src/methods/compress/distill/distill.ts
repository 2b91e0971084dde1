// `distill(config)`: a student network learns from a teacher bundle — Hinton et al.'s softened
// targets on every image (labelled and, optionally, unlabelled), cross-entropy on the labels, and
// an optional FitNets hint — through the shared loop; the student is saved as an ordinary bundle.
import * as tf from '@tensorflow/tfjs';
import { createModel } from '../../../backbones/index.js';
import type { Preprocessing } from '../../../bundle/meta.js';
import { badUsage } from '../../../errors.js';
import type { TrainHooks } from '../../classification/strategy.js';
import { openBundleAndData } from '../align-labels.js';
import { fineTune } from '../fine-tune.js';
import { type CompressedResult, finishCompressedRun } from '../outputs.js';
import { openUnlabeled, softTargetBatches } from '../soft-targets.js';
import type { DistillConfig } from './config.js';
import { hintLoss, hintonLoss, labelCrossEntropy } from './losses.js';
import { renormalize } from './renormalize.js';

export interface DistillResult extends CompressedResult {
  config: DistillConfig;
  teacherParameters: number;
  studentParameters: number;
  splits: { train: number; val: number; test: number; unlabeled: number };
  seconds: number;
}

function featureLayer(model: tf.LayersModel, name: string, flag: string, owner: string) {
  const layer = model.layers.find((l) => l.name === name);
  if (!layer) throw badUsage(`${flag}: ${owner} has no layer '${name}'`);
  const shape = layer.outputShape as (number | null)[];
  if (!Array.isArray(shape) || shape.length !== 4 || Array.isArray(shape[0])) {
    throw badUsage(`${flag}: layer '${name}' of ${owner} does not output a feature map`);
  }
  return layer.output as tf.SymbolicTensor;
}

export async function distill(
  config: DistillConfig,
  hooks: TrainHooks = {},
): Promise<DistillResult> {
  const started = performance.now();
  const {
    bundle: teacher,
    source,
    splits,
  } = await openBundleAndData(config.teacher, '--teacher', config);
  const labels = teacher.meta.labels;
  const unlabeled = await openUnlabeled(config, source, splits);

  const tp = teacher.meta.preprocessing;
  const { model: student, config: sc } = await createModel(config.student, {
    numClasses: labels.length,
    inputSize: config.imageSize ?? tp.inputSize,
    pretrained: config.pretrained,
    seed: config.seed,
  });
  for (const layer of student.layers) {
    if (layer.getClassName() === 'BatchNormalization')
      (layer as unknown as { momentum: number }).momentum = config.bnMomentum;
  }
  const preprocessing: Preprocessing = {
    inputSize: sc.inputSize,
    mean: sc.mean,
    std: sc.std,
    interpolation: sc.interpolation,
    cropPct: tp.cropPct,
  };

  // With a hint, both networks also output the hinted feature map; the 1×1 adapter trains (and is
  // checkpointed) with the student but is not part of the saved bundle.
  let trained = student;
  let teacherNet = teacher.model;
  let adapter: tf.layers.Layer | undefined;
  if (config.hintTeacher && config.hintStudent) {
    const t = featureLayer(teacher.model, config.hintTeacher, '--hint-teacher', config.teacher);
    const s = featureLayer(student, config.hintStudent, '--hint-student', config.student);
    adapter = tf.layers.conv2d({
      filters: t.shape[3] as number,
      kernelSize: 1,
      name: 'hint_adapter',
    });
    trained = tf.model({
      inputs: student.inputs,
      outputs: [student.outputs[0], adapter.apply(s) as tf.SymbolicTensor],
    });
    teacherNet = tf.model({ inputs: teacher.model.inputs, outputs: [teacher.model.outputs[0], t] });
  }
  const usesTeacher = config.alpha > 0 || adapter !== undefined;
  const unlabeledCount = unlabeled?.samples.length ?? 0;

  hooks.log?.(
    `distilling ${config.teacher} (${teacher.model.countParams()} parameters) into ${config.student} ` +
      `(${student.countParams()}); T = ${config.temperature}, alpha = ${config.alpha}; ` +
      `${splits.train.length} labelled + ${unlabeledCount} unlabeled training images`,
  );

  const fineTuned = await fineTune({
    trained,
    classifier: student,
    preprocessing,
    source,
    splits,
    settings: config,
    train: softTargetBatches(config, source, splits, preprocessing, unlabeled),
    callbacks: hooks.callbacks,
    loss: (batch) => {
      const out = trained.apply(batch.x, { training: true });
      const [logits, adapted] = (Array.isArray(out) ? out : [out]) as [tf.Tensor2D, tf.Tensor4D?];
      if (!usesTeacher) return labelCrossEntropy(logits, batch.labels);
      const teacherOut = tf.tidy(() => {
        const x = renormalize(batch.x as tf.Tensor4D, preprocessing, tp);
        const y = teacherNet.predict(x);
        return Array.isArray(y) ? y : [y];
      });
      const [teacherLogits, teacherFeature] = teacherOut as [tf.Tensor2D, tf.Tensor4D?];
      let loss = hintonLoss(logits, teacherLogits, batch.labels, config);
      if (adapted && teacherFeature)
        loss = tf.add(loss, tf.mul(hintLoss(adapted, teacherFeature), config.hintWeight));
      return loss as tf.Scalar;
    },
  });

  const teacherParameters = teacher.model.countParams();
  const studentParameters = student.countParams();
  const share = ((100 * studentParameters) / teacherParameters).toFixed(1);
  const result = await finishCompressedRun({
    classifier: student,
    preprocessing,
    backbone: {
      name: config.student,
      source: sc.source,
      licence: sc.licence,
      inputSize: sc.inputSize,
      embeddingDim: sc.embeddingDim,
    },
    source,
    splits,
    config: { ...config },
    fineTuned,
    compression: [
      {
        kind: 'distill',
        from: config.teacher,
        details: {
          student: config.student,
          temperature: config.temperature,
          alpha: config.alpha,
          unlabeledImages: unlabeledCount,
          hint: config.hintTeacher ? `${config.hintTeacher} <- ${config.hintStudent}` : null,
          teacherParameters,
          studentParameters,
        },
      },
    ],
    method: {
      name: config.alpha > 0 ? 'distillation' : 'labels only',
      summary: `student ${config.student} (${studentParameters} parameters, ${share}% of the teacher's ${teacherParameters}); T ${config.temperature}, alpha ${config.alpha}`,
    },
    title: `distill · ${config.student} ← ${config.teacher}`,
    out: config.out,
    notes: [
      `Teacher ${config.teacher}: ${teacherParameters} parameters; student ${config.student}: ${studentParameters} (${share}%).`,
      `Loss: ${config.alpha} · T² · KL(teacher ‖ student at T = ${config.temperature}) over every image + ${(1 - config.alpha).toFixed(2)} · cross-entropy on the labelled ones` +
        (adapter
          ? ` + ${config.hintWeight} · hint MSE (${config.hintTeacher} ← ${config.hintStudent}).`
          : '.'),
      `${unlabeledCount} unlabeled images fed the distillation term.`,
    ],
  });
  adapter?.dispose();
  teacher.model.dispose();
  return {
    ...result,
    config,
    teacherParameters,
    studentParameters,
    splits: {
      train: splits.train.length,
      val: splits.val.length,
      test: splits.test.length,
      unlabeled: unlabeledCount,
    },
    seconds: (performance.now() - started) / 1000,
  };
}
