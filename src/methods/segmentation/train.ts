// One segmentation transfer run: open the data (folder, VOC or COCO), build the U-Net or
// DeepLabV3+ decoder on a registry backbone (pretrained for finetune, the same network randomly
// initialized for scratch), train it through the shared loop with joint image + mask
// augmentation on a weighted sum of cross-entropy, Dice and focal losses, evaluate at each image's
// own size, and write the bundle, metrics.json and the HTML report.

import * as tf from '@tensorflow/tfjs';
import { sharpDecoder } from '../../data/decode-sharp.js';
import {
  imageOnlyMasked,
  randomHorizontalFlipMasked,
  randomScaleCropMasked,
} from '../../data/segmentation/augment.js';
import {
  createSegmentationLoader,
  type SegmentationBatch,
} from '../../data/segmentation/loader.js';
import { openSegmentationData } from '../../data/segmentation/open.js';
import type { SegmentationDataset, SegmentationSample } from '../../data/segmentation/types.js';
import { colorJitter } from '../../data/transforms/color-jitter.js';
import { trainingShard } from '../../distributed/shard.js';
import { badInput } from '../../errors.js';
import { buildDeeplabV3Plus } from '../../heads/segmentation/deeplab.js';
import {
  diceLoss,
  type SegmentationLoss,
  segmentationCrossEntropy,
  segmentationFocalLoss,
} from '../../heads/segmentation/losses.js';
import type { DecoderOptions, Segmenter } from '../../heads/segmentation/segmenter.js';
import { buildUnet } from '../../heads/segmentation/unet.js';
import type { SegmentationMetrics } from '../../metrics/segmentation/index.js';
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
import { resolveSegmentConfig, type SegmentConfig, type SegmentConfigInput } from './config.js';
import { evaluateSegmenter, type SegmenterEvaluation } from './evaluate.js';
import { headline, writeRunReport } from './report.js';

type SegmentData = Awaited<ReturnType<typeof openData>>;

export interface SegmentRunResult
  extends RunResult<SegmentConfig, SegmentData, SegmentationMetrics> {
  classes: string[];
  /** Under skipBad: pairs left out when the data was opened, and unreadable images or masks. */
  skipped: { pairs: number; images: number };
}

export const DECODERS: Record<SegmentConfig['decoder'], (o: DecoderOptions) => Promise<Segmenter>> =
  { unet: buildUnet, deeplabv3plus: buildDeeplabV3Plus };

/** The configured weighted sum, each part reported by name. */
function lossParts(config: SegmentConfig, numClasses: number) {
  if (config.classWeights && config.classWeights.length !== numClasses)
    throw badInput(`classWeights: ${config.classWeights.length} weights for ${numClasses} classes`);
  const ignoreIndex = config.ignoreIndex;
  const parts: { name: string; weight: number; loss: SegmentationLoss }[] = [
    {
      name: 'ce',
      weight: config.ceWeight,
      loss: (l, y) =>
        segmentationCrossEntropy(l, y, { ignoreIndex, classWeights: config.classWeights }),
    },
    { name: 'dice', weight: config.diceWeight, loss: (l, y) => diceLoss(l, y, { ignoreIndex }) },
    {
      name: 'focal',
      weight: config.focalWeight,
      loss: (l, y) => segmentationFocalLoss(l, y, { ignoreIndex }),
    },
  ];
  return parts.filter((p) => p.weight > 0);
}

async function openData({ config, log }: Step<SegmentConfig>) {
  const opened = await openRunData(
    config,
    (location, images, split) =>
      openSegmentationData(location, {
        classes: config.classes,
        maskMode: config.maskMode,
        ignoreIndex: config.ignoreIndex,
        images,
        split,
        skipBad: config.skipBad,
      }),
    { of: (d) => d.classes, what: 'classes', stream: 'segmentation-split' },
    log,
  );
  const classes = opened.data.classes;
  // Label maps are 8-bit with one value kept for the ignore index.
  if (classes.length > 255)
    throw badInput(`${config.data}: ${classes.length} classes; at most 255 fit 8-bit masks`);
  return { ...opened, classes, parts: lossParts(config, classes.length) };
}

async function buildModel({ config, data, log }: Opened<SegmentConfig, SegmentData>) {
  const built = await DECODERS[config.decoder]({
    backbone: config.backbone,
    pretrained: config.strategy === 'finetune',
    numClasses: data.classes.length,
    inputSize: config.imageSize,
    channels: config.channels,
    seed: config.seed,
  });
  const segmenter = await peftOnBackbone(built, config, log);
  const { model, backboneConfig } = segmenter;
  const decoder = sharpDecoder();
  const size = config.imageSize;
  const normalize = { mean: backboneConfig.mean, std: backboneConfig.std };
  const jitter = config.colorJitter;
  const train = createSegmentationLoader(data.split.train, {
    ...normalize,
    size,
    batchSize: config.batch,
    decoder,
    source: data.data,
    shuffle: true,
    shard: trainingShard(),
    seed: config.seed,
    skipBad: config.skipBad,
    ops: [
      randomHorizontalFlipMasked(0.5),
      randomScaleCropMasked(size, { scale: config.scale, ignoreIndex: config.ignoreIndex }),
      ...(jitter > 0
        ? [
            imageOnlyMasked(
              colorJitter({ brightness: jitter, contrast: jitter, saturation: jitter }),
            ),
          ]
        : []),
    ],
  });
  const evaluate = (
    samples: readonly SegmentationSample[],
    source: SegmentationDataset,
    keep = 0,
  ) =>
    evaluateSegmenter(model, samples, {
      ...normalize,
      size,
      mode: config.inference,
      batch: config.batch,
      decoder,
      source,
      skipBad: config.skipBad,
      keep,
    });
  return { segmenter, train, evaluate };
}

type SegmenterRun = Awaited<ReturnType<typeof buildModel>>;

const segmentationTask: RunTask<
  SegmentConfig,
  SegmentData,
  SegmenterRun,
  SegmentationBatch,
  SegmenterEvaluation,
  Pick<SegmentRunResult, 'classes' | 'skipped'>
> = {
  resolve: resolveSegmentConfig,
  openData,
  buildModel,
  fitPlan: ({ config, data, model: { segmenter, train, evaluate } }) => {
    const { model } = segmenter;
    const pretrained = config.strategy === 'finetune';
    const size = config.imageSize;
    const sums = epochLossParts();
    return denseFitPlan(config, {
      model,
      optimizer: backboneOptimizer(model, segmenter.backboneLayers, { ...config, pretrained }),
      train,
      loss: (batch) => {
        const n = batch.samples.length;
        const labels = tf.tensor3d(batch.labels, [n, size, size], 'int32');
        const logits = model.apply(batch.x, { training: true }) as tf.Tensor4D;
        const values = data.parts.map((p) => p.loss(logits, labels));
        sums.add(Object.fromEntries(data.parts.map((p, i) => [p.name, values[i]!])));
        return tf.addN(values.map((v, i) => tf.mul(v, data.parts[i]!.weight))) as tf.Scalar;
      },
      // One part is the total itself.
      parts: () => {
        const record = sums.take();
        return data.parts.length > 1 ? record : {};
      },
      validation:
        data.split.val.length > 0
          ? async () => {
              const { metrics } = await evaluate(data.split.val, data.valData ?? data.data);
              return { val_miou: metrics.meanIoU, val_pixel_accuracy: metrics.pixelAccuracy };
            }
          : undefined,
    });
  },
  evaluate: ({ data, model }) =>
    model.evaluate(data.evalSamples, data.testData ?? data.valData ?? data.data, 6),
  bundle: ({ config, data, model: { segmenter }, evaluation }) => ({
    ...peftBundleSave(config, config.imageSize),
    model: segmenter.model,
    meta: {
      task: 'segmentation',
      labels: data.classes,
      preprocessing: {
        inputSize: config.imageSize,
        mean: segmenter.backboneConfig.mean,
        std: segmenter.backboneConfig.std,
        interpolation: 'bilinear',
        cropPct: 1,
      },
      backbone: { name: config.backbone },
      training: { ...config, ...(segmenter.peft ? { peft: segmenter.peft } : {}) },
      metrics: headline(evaluation.metrics),
      segmentation: {
        decoder: config.decoder,
        ignoreIndex: config.ignoreIndex,
        maskMode: data.data.maskMode,
        inference: config.inference,
      },
    },
  }),
  files: ({ data, evaluation }) => ({
    'metrics.json': jsonFile({
      evaluatedOn: data.evaluatedOn,
      modes: evaluation.modes,
      ...evaluation.metrics,
    }),
  }),
  report: async ({ config, data, fitted, evaluation }) => ({
    written: await writeRunReport({
      out: config.out,
      title: `${config.strategy} ${config.decoder} on ${config.backbone}`,
      history: fitted.result.history,
      classes: data.classes,
      ignoreIndex: config.ignoreIndex,
      evaluation,
      evaluatedOn: data.evaluatedOn,
      config,
      notes: skippedNotes(data.skipped.length, 'bad image/mask pairs', evaluation.skipped.count),
    }),
  }),
  result: ({ data, model, evaluation }) => ({
    classes: data.classes,
    skipped: {
      pairs: data.skipped.length,
      images: model.train.skipped.count + evaluation.skipped.count,
    },
  }),
  dispose: ({ model }) => model.segmenter.model.dispose(),
};

/** Trains, evaluates and saves a segmenter; the configuration is validated (defaults filled) first. */
export async function trainSegmenter(
  input: SegmentConfigInput,
  hooks: RunHooks = {},
): Promise<SegmentRunResult> {
  return runTask(segmentationTask, input, hooks);
}
