// One multi-task transfer run: open every task's data and merge it by image, build ONE backbone
// with a head per task, train them together through the shared loop — one batch feeds every task
// that labels its images, the task losses combined by the chosen weighting (equal, uncertainty,
// DWA) with optional PCGrad — validate every task each `evalEvery` epochs, then evaluate every
// task from one forward pass per batch and write the multi-task bundle (one output per task),
// metrics.json and the report.
import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import {
  type MultiTaskBatch,
  type MultiTaskData,
  multiTaskLoaders,
  openMultiTaskData,
  taskShapes,
} from '../../data/multitask/index.js';
import { trainingShard } from '../../distributed/shard.js';
import { backboneOptimizer, denseFitPlan } from '../dense-training.js';
import { decodeFields } from '../detection/config.js';
import { peftOnBackbone } from '../peft/backbone.js';
import type { PeftMeta } from '../peft/bundle-meta.js';
import { peftBundleSave } from '../peft/config.js';
import {
  jsonFile,
  type Opened,
  type RunHooks,
  type RunResult,
  type RunTask,
  runTask,
  type Step,
} from '../run-template.js';
import {
  type MultiTaskConfig,
  type MultiTaskConfigInput,
  resolveMultiTaskConfig,
} from './config.js';
import { evaluateMultiTask, type MultiTaskEvaluation } from './evaluate.js';
import { buildMultiTaskNetwork, type MultiTaskNetwork, type TaskHeadSpec } from './network.js';
import { headlineMetrics, mainMetricKey, taskHeadline, writeMultiTaskReport } from './report.js';
import { taskLoss } from './task-losses.js';
import type { TaskSpec } from './task-spec.js';
import { createWeighting, taskObjective } from './weighting/index.js';

/** How detection outputs become boxes: the detection trainer's defaults, declared there once. */
const DECODE = z.object(decodeFields).parse({});

export interface MultiTaskRunResult
  extends RunResult<MultiTaskConfig, RunData, Record<string, number>> {
  /** Per task: its kind, labels and evaluated image count. */
  tasks: { name: string; kind: string; labels: string[]; images: number }[];
  /** Images skipped as unreadable in evaluation (under skipBad). */
  skipped: number;
}

type RunData = MultiTaskData & {
  splits: { train: number; val: number; test: number };
  evaluatedOn: string;
};

async function openData({ config, log }: Step<MultiTaskConfig>): Promise<RunData> {
  const data = await openMultiTaskData(config.tasks, {
    seed: config.seed,
    skipBad: config.skipBad,
  });
  for (const t of data.tasks)
    for (const s of t.skipped)
      if (s.report.count > 0) log(`task ${t.name}: skipped ${s.report.count} in ${s.data}`);
  for (const [task, n] of Object.entries(data.heldOutElsewhere))
    if (n > 0)
      log(`task ${task}: ${n} training labels left out (another task evaluates on those images)`);
  const tested = data.tasks.some((t) => t.test);
  return {
    ...data,
    splits: {
      train: data.train.length,
      val: data.val.length,
      test: tested ? data.evaluation.length : 0,
    },
    evaluatedOn: tested ? 'test' : 'val',
  };
}

/** A task spec as the network builder takes it (options only where its kind has them). */
function headSpec(spec: TaskSpec, numClasses: number): TaskHeadSpec {
  const pooled = spec.kind === 'classification' || spec.kind === 'multilabel';
  const tap =
    spec.tap && /^\d+$/.test(spec.tap) ? (Number(spec.tap) as TaskHeadSpec['tap']) : spec.tap;
  return {
    name: spec.name,
    kind: spec.kind,
    numClasses,
    ...(pooled && tap !== undefined ? { tap } : {}),
    ...(spec.kind === 'segmentation' ? { decoder: spec.decoder, bottleneck: spec.bottleneck } : {}),
  };
}

interface Model {
  network: MultiTaskNetwork & { peft?: PeftMeta };
  /** What the loop trains and checkpoints: the network, plus the weighting's own parameters. */
  training: tf.LayersModel;
  weighting: ReturnType<typeof createWeighting>;
  loaders: ReturnType<typeof multiTaskLoaders>;
}

async function buildModel({ config, data, log }: Opened<MultiTaskConfig, RunData>): Promise<Model> {
  const built = await buildMultiTaskNetwork({
    backbone: config.backbone,
    pretrained: config.strategy === 'finetune',
    inputSize: config.imageSize,
    seed: config.seed,
    channels: config.channels,
    tasks: data.tasks.map((t, i) => headSpec(config.tasks[i]!, t.classes.length)),
  });
  // With --peft the tasks share one frozen backbone, each head trained fully.
  const network = await peftOnBackbone(built, config, log);
  const weighting = createWeighting(
    config.weighting,
    network.heads.map((h) => h.name),
  );
  const loaders = multiTaskLoaders(data, {
    mean: network.backboneConfig.mean,
    std: network.backboneConfig.std,
    size: config.imageSize,
    batchSize: config.batch,
    seed: config.seed,
    sampling: config.sampling,
    temperature: config.temperature,
    scale: config.scale,
    colorJitter: config.colorJitter,
    skipBad: config.skipBad,
    shard: trainingShard(),
  });
  return { network, training: weighting.attach(network.model), weighting, loaders };
}

/** The network's outputs as a list (a one-task model gives a single tensor). */
const outputsOf = (out: tf.Tensor | tf.Tensor[]) => (Array.isArray(out) ? out : [out]);

/** Every task scored on the validation or evaluation images. */
function evaluate(data: RunData, model: Model, split: 'val' | 'evaluation') {
  const { network, loaders } = model;
  return evaluateMultiTask(
    network.model,
    network.heads,
    taskShapes(data.tasks),
    loaders[split],
    DECODE,
  );
}

type Evaluation = MultiTaskEvaluation & { metrics: Record<string, number> };

const multiTaskRun: RunTask<
  MultiTaskConfig,
  RunData,
  Model,
  MultiTaskBatch,
  Evaluation,
  Pick<MultiTaskRunResult, 'tasks' | 'skipped'>
> = {
  resolve: resolveMultiTaskConfig,
  openData,
  buildModel,
  fitPlan: ({ config, data, model }) => {
    const { network, training, weighting, loaders } = model;
    const pretrained = config.strategy === 'finetune';
    const objective = taskObjective<MultiTaskBatch>({
      weighting,
      pcgrad: config.pcgrad,
      seed: config.seed,
      taskLosses: (batch) => {
        const outputs = outputsOf(network.model.apply(batch.x, { training: true }) as tf.Tensor);
        return network.heads.map((head, k) => {
          const { total } = taskLoss(head, outputs[head.output]!, batch.targets[head.name]!, {
            segmentation: { ignoreIndex: data.tasks[k]!.ignoreIndex },
          });
          const weight = config.tasks[k]!.weight;
          return weight === 1 ? total : (tf.mul(total, weight) as tf.Scalar);
        });
      },
    });
    const plan = denseFitPlan(config, {
      model: training,
      optimizer: backboneOptimizer(training, network.backboneLayers, { ...config, pretrained }),
      train: loaders.train,
      loss: objective.loss,
      parts: () => ({}),
      validation:
        data.val.length > 0
          ? async () => {
              const { tasks } = await evaluate(data, model, 'val');
              const record: Record<string, number> = {};
              for (const [name, e] of Object.entries(tasks)) {
                const key = mainMetricKey(e.kind);
                const value = taskHeadline(e)[key];
                if (value !== undefined) record[`val_${name}_${key}`] = value;
              }
              return record;
            }
          : undefined,
    });
    return {
      ...plan,
      validate: objective.validate(plan.validate),
      ...(objective.gradients ? { gradients: objective.gradients } : {}),
      callbacks: [...(plan.callbacks ?? []), objective.callback],
    };
  },
  evaluate: async ({ data, model }) => {
    const evaluation = await evaluate(data, model, 'evaluation');
    return { ...evaluation, metrics: headlineMetrics(evaluation.tasks) };
  },
  bundle: ({ config, data, model: { network }, evaluation }) => ({
    ...peftBundleSave(config, config.imageSize),
    model: network.model,
    meta: {
      task: 'multitask',
      labels: [],
      preprocessing: {
        inputSize: config.imageSize,
        mean: network.backboneConfig.mean,
        std: network.backboneConfig.std,
        interpolation: 'bilinear',
        cropPct: 1,
      },
      backbone: { name: config.backbone },
      training: { ...config, ...(network.peft ? { peft: network.peft } : {}) },
      metrics: evaluation.metrics,
      multitask: {
        tasks: network.heads.map((head, k) => {
          const t = data.tasks[k]!;
          const kind = head.kind === 'multilabel' ? 'classification' : head.kind;
          return {
            name: head.name,
            task: kind,
            ...(head.kind === 'multilabel' ? { multiLabel: true } : {}),
            labels: t.classes,
            output: head.output,
            metrics: taskHeadline(evaluation.tasks[head.name]!),
            ...(head.kind === 'detection'
              ? {
                  detection: {
                    head: 'fcos' as const,
                    strides: [...head.layout!.strides],
                    ...DECODE,
                  },
                }
              : {}),
            ...(head.kind === 'segmentation'
              ? {
                  segmentation: {
                    decoder: head.decoder ?? 'unet',
                    ignoreIndex: t.ignoreIndex ?? 255,
                    maskMode: config.tasks[k]!.maskMode ?? 'index',
                    inference: 'resize' as const,
                  },
                }
              : {}),
          };
        }),
      },
    },
  }),
  files: ({ data, evaluation }) => ({
    'metrics.json': jsonFile({
      evaluatedOn: data.evaluatedOn,
      tasks: Object.fromEntries(
        Object.entries(evaluation.tasks).map(([name, e]) => [
          name,
          { kind: e.kind, images: e.images, metrics: e.metrics },
        ]),
      ),
    }),
  }),
  report: async ({ config, data, fitted, evaluation }) => ({
    written: await writeMultiTaskReport(config.out, {
      title: `multi-task ${config.strategy} on ${config.backbone}: ${config.tasks.map((t) => t.name).join(', ')}`,
      history: fitted.result.history,
      tasks: data.tasks.map((t) => ({
        name: t.name,
        labels: t.classes,
        evaluation: evaluation.tasks[t.name]!,
      })),
      evaluatedOn: data.evaluatedOn,
      summary: [
        ['backbone', `${config.backbone} (${config.strategy})`],
        ['weighting', `${config.weighting}${config.pcgrad ? ' + PCGrad' : ''}`],
        [
          'sampling',
          config.sampling === 'temperature'
            ? `temperature T=${config.temperature}`
            : config.sampling,
        ],
        [
          'images',
          `${data.splits.train} train, ${data.splits.val} val, ${data.evaluation.length} evaluated`,
        ],
      ],
      config: { ...config },
      notes: evaluation.skipped.count
        ? [`${evaluation.skipped.count} unreadable images skipped in evaluation`]
        : [],
    }),
  }),
  result: ({ data, evaluation }) => ({
    tasks: data.tasks.map((t) => ({
      name: t.name,
      kind: t.kind,
      labels: t.classes,
      images: evaluation.tasks[t.name]!.images,
    })),
    skipped: evaluation.skipped.count,
  }),
  dispose: ({ model }) => model.training.dispose(),
};

/** Trains, evaluates and saves a multi-task network; the configuration is validated first. */
export function trainMultiTask(
  input: MultiTaskConfigInput,
  hooks: RunHooks = {},
): Promise<MultiTaskRunResult> {
  return runTask(multiTaskRun, input, hooks);
}
