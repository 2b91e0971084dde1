// `distill(config)`: a student network learns from a teacher bundle — Hinton et al.'s softened
// targets on every image (labelled and, optionally, unlabelled), cross-entropy on the labels, and
// an optional FitNets hint — through the shared loop; the student is saved as an ordinary bundle.
import * as tf from '@tensorflow/tfjs';
import { createModel } from '../../../backbones/index.js';
import type { Preprocessing } from '../../../bundle/meta.js';
import { badUsage } from '../../../errors.js';
import type { ClassificationMetrics } from '../../../metrics/index.js';
import { batchNormLayers, setBatchNormMomentum } from '../../../train/batchnorm.js';
import type { PairedBatch } from '../../../train/paired-loader.js';
import type { ClassifierEvaluation } from '../../classification/run-outputs.js';
import {
  type RunHooks,
  type RunResult,
  type RunTask,
  runTask,
  type Step,
} from '../../run-template.js';
import { type CompressData, compressedSteps, openCompressionData } from '../run-steps.js';
import { openUnlabeled } from '../soft-targets.js';
import { type DistillConfig, type DistillConfigInput, resolveDistillConfig } from './config.js';
import { hintLoss, hintonLoss, labelCrossEntropy } from './losses.js';
import { renormalize } from './renormalize.js';

type DistillData = Awaited<ReturnType<typeof openData>>;
type Student = Awaited<ReturnType<typeof buildModel>>;

export interface DistillResult
  extends RunResult<DistillConfig, DistillData, ClassificationMetrics> {
  /** Class names in the model's output order. */
  labels: string[];
  parameters: number;
  teacherParameters: number;
  studentParameters: number;
  splits: { train: number; val: number; test: number; unlabeled: number };
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

async function openData({ config }: Step<DistillConfig>) {
  const data = await openCompressionData(config.teacher, 'teacher', config);
  return { ...data, unlabeled: await openUnlabeled(config, data.source, data.samples) };
}

/**
 * The student (BatchNorm momentum set) and what trains: with a hint, both networks also output
 * the hinted feature map, and the 1×1 adapter trains (and is checkpointed) with the student but
 * is not part of the saved bundle.
 */
async function buildModel({ config, data }: Step<DistillConfig> & { data: DistillData }) {
  const teacher = data.bundle;
  const tp = teacher.meta.preprocessing;
  const { model: student, config: sc } = await createModel(config.student, {
    numClasses: teacher.meta.labels.length,
    inputSize: config.imageSize ?? tp.inputSize,
    pretrained: config.pretrained,
    seed: config.seed,
  });
  setBatchNormMomentum(batchNormLayers(student), config.bnMomentum);
  const preprocessing: Preprocessing = {
    inputSize: sc.inputSize,
    mean: sc.mean,
    std: sc.std,
    interpolation: sc.interpolation,
    cropPct: tp.cropPct,
  };
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
  const backbone = {
    name: config.student,
    source: sc.source,
    licence: sc.licence,
    inputSize: sc.inputSize,
    embeddingDim: sc.embeddingDim,
  };
  return { classifier: student, preprocessing, backbone, trained, teacherNet, adapter };
}

/** Hinton's loss against the teacher's logits (+ the hint), or cross-entropy alone at alpha 0 without a hint. */
function distillLoss(config: DistillConfig, data: DistillData, model: Student) {
  const { trained, teacherNet, preprocessing } = model;
  const tp = data.bundle.meta.preprocessing;
  const usesTeacher = config.alpha > 0 || model.adapter !== undefined;
  return (batch: PairedBatch) => {
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
  };
}

const parametersOf = (data: DistillData, model: Student) => {
  const teacherParameters = data.bundle.model.countParams();
  const studentParameters = model.classifier.countParams();
  const share = ((100 * studentParameters) / teacherParameters).toFixed(1);
  return { teacherParameters, studentParameters, share };
};

/** What the report says about the run. */
function distillPage(config: DistillConfig, data: DistillData, model: Student) {
  const { teacherParameters, studentParameters, share } = parametersOf(data, model);
  return {
    title: `distill · ${config.student} ← ${config.teacher}`,
    method: {
      name: config.alpha > 0 ? 'distillation' : 'labels only',
      summary: `student ${config.student} (${studentParameters} parameters, ${share}% of the teacher's ${teacherParameters}); T ${config.temperature}, alpha ${config.alpha}`,
    },
    notes: [
      `Teacher ${config.teacher}: ${teacherParameters} parameters; student ${config.student}: ${studentParameters} (${share}%).`,
      `Loss: ${config.alpha} · T² · KL(teacher ‖ student at T = ${config.temperature}) over every image + ${(1 - config.alpha).toFixed(2)} · cross-entropy on the labelled ones` +
        (model.adapter
          ? ` + ${config.hintWeight} · hint MSE (${config.hintTeacher} ← ${config.hintStudent}).`
          : '.'),
      `${data.unlabeled?.samples.length ?? 0} unlabeled images fed the distillation term.`,
    ],
  };
}

const distillationTask: RunTask<
  DistillConfig,
  DistillData,
  Student,
  PairedBatch,
  ClassifierEvaluation,
  Omit<DistillResult, keyof RunResult<DistillConfig, CompressData, ClassificationMetrics>> & {
    splits: DistillResult['splits'];
  }
> = {
  resolve: resolveDistillConfig,
  openData,
  buildModel,
  fitPlan: (step) => {
    const { config, data, model, log } = step;
    const { teacherParameters, studentParameters } = parametersOf(data, model);
    log(
      `distilling ${config.teacher} (${teacherParameters} parameters) into ${config.student} ` +
        `(${studentParameters}); T = ${config.temperature}, alpha = ${config.alpha}; ` +
        `${data.samples.train.length} labelled + ${data.unlabeled?.samples.length ?? 0} unlabeled training images`,
    );
    return compressedSteps.fitPlan(step, {
      trained: model.trained,
      unlabeled: data.unlabeled,
      loss: distillLoss(config, data, model),
    });
  },
  evaluate: compressedSteps.evaluate,
  bundle: (step) => {
    const { config, data, model } = step;
    const { teacherParameters, studentParameters } = parametersOf(data, model);
    return compressedSteps.bundle(step, [
      {
        kind: 'distill',
        from: config.teacher,
        details: {
          student: config.student,
          temperature: config.temperature,
          alpha: config.alpha,
          unlabeledImages: data.unlabeled?.samples.length ?? 0,
          hint: config.hintTeacher ? `${config.hintTeacher} <- ${config.hintStudent}` : null,
          teacherParameters,
          studentParameters,
        },
      },
    ]);
  },
  report: (step) => compressedSteps.report(step, distillPage(step.config, step.data, step.model)),
  result: (step) => {
    const { teacherParameters, studentParameters } = parametersOf(step.data, step.model);
    return {
      ...compressedSteps.result(step),
      teacherParameters,
      studentParameters,
      splits: { ...step.data.splits, unlabeled: step.data.unlabeled?.samples.length ?? 0 },
    };
  },
  dispose: ({ data, model }) => {
    model.adapter?.dispose();
    data.bundle.model.dispose();
  },
};

/** Distills the teacher into the student; the configuration is validated (defaults filled) first. */
export async function distill(
  input: DistillConfigInput,
  hooks: RunHooks = {},
): Promise<DistillResult> {
  return runTask(distillationTask, input, hooks);
}
