// One detection transfer run: open the data (any format), build the FCOS detector on a registry
// backbone (pretrained for finetune, the same network randomly initialized for scratch), train it
// through the shared loop with box-aware augmentation, evaluate with COCO metrics, and write the
// bundle, a COCO results file, the HTML report with drawn samples, and metrics.json.

import path from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import { sharpDecoder } from '../../data/decode-sharp.js';
import {
  imageOnly,
  randomHorizontalFlipBoxes,
  randomScaleCrop,
} from '../../data/detection/augment.js';
import { createDetectionLoader, type DetectionBatch } from '../../data/detection/loader.js';
import { openDetectionData } from '../../data/detection/open.js';
import type { DetectionSample } from '../../data/detection/types.js';
import { colorJitter } from '../../data/transforms/color-jitter.js';
import { trainingShard } from '../../distributed/shard.js';
import { batchTargets, fcosLoss } from '../../heads/detection/fcos-loss.js';
import { buildDetector } from '../../heads/detection/fcos-model.js';
import type { DetectionMetrics } from '../../metrics/detection/coco-eval.js';
import {
  backboneOptimizer,
  denseFitPlan,
  epochLossParts,
  openRunData,
  skippedNotes,
} from '../dense-training.js';
import { peftOnBackbone } from '../peft/backbone.js';
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
import { type DetectConfig, type DetectConfigInput, resolveDetectConfig } from './config.js';
import { detectSamples } from './detect-samples.js';
import { cocoResults, evaluateFound, headline } from './evaluate.js';
import { writeRunReport } from './report.js';

type DetectData = Awaited<ReturnType<typeof openData>>;

export interface DetectRunResult extends RunResult<DetectConfig, DetectData, DetectionMetrics> {
  resultsFile: string;
  categories: string[];
  /** Under skipBad: bad boxes or missing images left out of the data, unreadable images skipped. */
  skipped: { annotations: number; images: number };
}

const openData = ({ config, log }: Step<DetectConfig>) =>
  openRunData(
    config,
    (location, images, split) =>
      openDetectionData(location, { images, split, skipBad: config.skipBad }),
    { of: (d) => d.categories, what: 'categories', stream: 'detection-split' },
    log,
  );

async function buildModel({ config, data, log }: Opened<DetectConfig, DetectData>) {
  const built = await buildDetector({
    backbone: config.backbone,
    pretrained: config.strategy === 'finetune',
    numClasses: data.data.categories.length,
    inputSize: config.imageSize,
    channels: config.channels,
    towerDepth: config.towerDepth,
    seed: config.seed,
  });
  const detector = await peftOnBackbone(built, config, log);
  const { model, layout, backboneConfig } = detector;
  const decoder = sharpDecoder();
  const normalize = { mean: backboneConfig.mean, std: backboneConfig.std };
  const train = createDetectionLoader(data.split.train, {
    ...normalize,
    size: layout.inputSize,
    batchSize: config.batch,
    decoder,
    shuffle: true,
    shard: trainingShard(),
    seed: config.seed,
    skipBad: config.skipBad,
    ops: [
      randomHorizontalFlipBoxes(0.5),
      randomScaleCrop(layout.inputSize, { scale: config.scale }),
      ...(config.colorJitter > 0 ? [imageOnly(colorJitter(jitterOf(config.colorJitter)))] : []),
    ],
  });
  const detect = (samples: readonly DetectionSample[]) =>
    detectSamples(model, layout, samples, {
      ...normalize,
      ...decodeSettings(config),
      decoder,
      batch: config.batch,
      skipBad: config.skipBad,
    });
  return { detector, train, detect };
}

const jitterOf = (x: number) => ({ brightness: x, contrast: x, saturation: x });

const decodeSettings = (config: DetectConfig) => ({
  scoreThreshold: config.scoreThreshold,
  nmsIou: config.nmsIou,
  maxDetections: config.maxDetections,
});

type Detector = Awaited<ReturnType<typeof buildModel>>;
type Evaluation = Awaited<ReturnType<Detector['detect']>> & { metrics: DetectionMetrics };

const detectionTask: RunTask<
  DetectConfig,
  DetectData,
  Detector,
  DetectionBatch,
  Evaluation,
  Pick<DetectRunResult, 'resultsFile' | 'categories' | 'skipped'>
> = {
  resolve: resolveDetectConfig,
  openData,
  buildModel,
  fitPlan: ({ config, data, model: { detector, train, detect } }) => {
    const { model, layout } = detector;
    const pretrained = config.strategy === 'finetune';
    const parts = epochLossParts();
    return denseFitPlan(config, {
      model,
      optimizer: backboneOptimizer(model, detector.backboneLayers, { ...config, pretrained }),
      train,
      loss: (batch) => {
        const targets = batchTargets(batch.boxes, layout);
        const output = model.apply(batch.x, { training: true }) as tf.Tensor;
        const { total, cls, box, ctr } = fcosLoss(output, targets, layout);
        parts.add({ cls, box, ctr });
        return total;
      },
      parts: parts.take,
      validation:
        data.split.val.length > 0
          ? async () => {
              const m = evaluateFound((await detect(data.split.val)).results);
              return { val_ap: m.ap, val_ap50: m.ap50 };
            }
          : undefined,
    });
  },
  evaluate: async ({ data, model }) => {
    const detected = await model.detect(data.evalSamples);
    return { ...detected, metrics: evaluateFound(detected.results) };
  },
  bundle: ({ config, data, model: { detector }, evaluation }) => ({
    ...peftBundleSave(config, detector.layout.inputSize),
    model: detector.model,
    meta: {
      task: 'detection',
      labels: data.data.categories,
      preprocessing: {
        inputSize: detector.layout.inputSize,
        mean: detector.backboneConfig.mean,
        std: detector.backboneConfig.std,
        interpolation: 'bilinear',
        cropPct: 1,
      },
      backbone: { name: config.backbone },
      training: {
        ...config,
        categoryIds: data.data.categoryIds,
        ...(detector.peft ? { peft: detector.peft } : {}),
      },
      metrics: headline(evaluation.metrics),
      detection: {
        head: 'fcos',
        strides: [...detector.layout.strides],
        ...decodeSettings(config),
      },
    },
  }),
  files: ({ data, evaluation: { results, metrics } }) => ({
    // The evaluated file's ids (same category names and order as the training data's, checked).
    'detections.json': JSON.stringify(
      cocoResults(results, (data.testData ?? data.valData ?? data.data).categoryIds),
    ),
    'metrics.json': jsonFile({ evaluatedOn: data.evaluatedOn, images: results.size, ...metrics }),
  }),
  report: async ({ config, data, fitted, evaluation }) => ({
    written: await writeRunReport({
      out: config.out,
      title: `${config.strategy} detector on ${config.backbone}`,
      history: fitted.result.history,
      categories: data.data.categories,
      metrics: evaluation.metrics,
      found: evaluation.results,
      config,
      notes: skippedNotes(
        data.skipped.length,
        'bad boxes or missing images',
        evaluation.skipped.count,
      ),
    }),
  }),
  result: ({ config, data, model, evaluation }) => ({
    resultsFile: path.join(config.out, 'detections.json'),
    categories: data.data.categories,
    skipped: {
      annotations: data.skipped.length,
      images: model.train.skipped.count + evaluation.skipped.count,
    },
  }),
  dispose: ({ model }) => model.detector.model.dispose(),
};

/** Trains, evaluates and saves a detector; the configuration is validated (defaults filled) first. */
export async function trainDetector(
  input: DetectConfigInput,
  hooks: RunHooks = {},
): Promise<DetectRunResult> {
  return runTask(detectionTask, input, hooks);
}
