// One segmentation transfer run: open the data (folder, VOC or COCO), build the U-Net or
// DeepLabV3+ decoder on a registry backbone (pretrained for finetune, the same network randomly
// initialized for scratch), train it through the shared loop with joint image + mask
// augmentation on a weighted sum of cross-entropy, Dice and focal losses, evaluate at each image's
// own size, and write the bundle, metrics.json and the HTML report.
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { saveBundle } from '../../bundle/bundle.js';
import { sharpDecoder } from '../../data/decode-sharp.js';
import {
  imageOnlyMasked,
  randomHorizontalFlipMasked,
  randomScaleCropMasked,
} from '../../data/segmentation/augment.js';
import { createSegmentationLoader } from '../../data/segmentation/loader.js';
import { openSegmentationData } from '../../data/segmentation/open.js';
import type { SegmentationDataset, SegmentationSample } from '../../data/segmentation/types.js';
import { colorJitter } from '../../data/transforms/color-jitter.js';
import { writeFileAtomic } from '../../engine/file-io.js';
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
import { fit } from '../../train/loop.js';
import { lrSchedule } from '../classification/fit-options.js';
import type { TrainHooks } from '../classification/strategy.js';
import { backboneOptimizer, openRunData } from '../dense-training.js';
import type { SegmentConfig } from './config.js';
import { evaluateSegmenter } from './evaluate.js';
import { headline, writeRunReport } from './report.js';

export interface SegmentRunResult {
  bundleDir: string;
  reportFile: string;
  metrics: SegmentationMetrics;
  classes: string[];
  splits: { train: number; val: number; test: number };
  /** Under skipBad: pairs left out when the data was opened, and unreadable images or masks. */
  skipped: { pairs: number; images: number };
  evaluatedOn: string;
  seconds: number;
  config: SegmentConfig;
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

export async function trainSegmenter(
  config: SegmentConfig,
  hooks: TrainHooks = {},
): Promise<SegmentRunResult> {
  const started = Date.now();
  const {
    data,
    valData,
    testData,
    split,
    evalSamples,
    evaluatedOn,
    skipped: skippedPairs,
  } = await openRunData(
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
    hooks.log,
  );
  const classes = data.classes;
  // Label maps are 8-bit with one value kept for the ignore index.
  if (classes.length > 255)
    throw badInput(`${config.data}: ${classes.length} classes; at most 255 fit 8-bit masks`);
  const parts = lossParts(config, classes.length);

  const pretrained = config.strategy === 'finetune';
  const segmenter = await DECODERS[config.decoder]({
    backbone: config.backbone,
    pretrained,
    numClasses: classes.length,
    inputSize: config.imageSize,
    channels: config.channels,
    seed: config.seed,
  });
  const { model, backboneConfig } = segmenter;
  const optimizer = backboneOptimizer(model, segmenter.backboneLayers, { ...config, pretrained });
  const decoder = sharpDecoder();
  const size = config.imageSize;
  const normalize = { mean: backboneConfig.mean, std: backboneConfig.std };
  const jitter = config.colorJitter;
  const train = createSegmentationLoader(split.train, {
    ...normalize,
    size,
    batchSize: config.batch,
    decoder,
    source: data,
    shuffle: true,
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

  // Loss parts summed over each epoch's batches, logged beside the total.
  const sums = new Map(parts.map((p) => [p.name, 0]));
  let batches = 0;
  const fitResult = await fit({
    model,
    optimizer,
    train,
    epochs: config.epochs,
    seed: config.seed,
    schedule: lrSchedule(config.schedule, config.lr, train.numBatches, config.epochs),
    clipNorm: config.clipNorm > 0 ? config.clipNorm : undefined,
    loss: (batch) => {
      const n = batch.samples.length;
      const labels = tf.tensor3d(batch.labels, [n, size, size], 'int32');
      const logits = model.apply(batch.x, { training: true }) as tf.Tensor4D;
      const terms = parts.map((p) => {
        const value = p.loss(logits, labels);
        sums.set(p.name, (sums.get(p.name) ?? 0) + value.dataSync()[0]);
        return tf.mul(value, p.weight);
      });
      batches++;
      return tf.addN(terms) as tf.Scalar;
    },
    validate: async (epoch) => {
      const record: Record<string, number> = {};
      if (parts.length > 1)
        for (const [name, sum] of sums) record[`loss_${name}`] = sum / Math.max(1, batches);
      for (const name of sums.keys()) sums.set(name, 0);
      batches = 0;
      const every = config.evalEvery;
      if (split.val.length > 0 && every > 0 && (epoch % every === 0 || epoch === config.epochs)) {
        const { metrics } = await evaluate(split.val, valData ?? data);
        Object.assign(record, {
          val_miou: metrics.meanIoU,
          val_pixel_accuracy: metrics.pixelAccuracy,
        });
      }
      return record;
    },
    outDir: config.out,
    resume: config.resume,
    callbacks: hooks.callbacks,
  });
  optimizer.dispose();

  const evaluation = await evaluate(evalSamples, testData ?? valData ?? data, 6);
  const { metrics } = evaluation;
  const bundleDir = path.join(config.out, 'bundle');
  await saveBundle(bundleDir, model, {
    task: 'segmentation',
    labels: classes,
    preprocessing: {
      inputSize: size,
      mean: backboneConfig.mean,
      std: backboneConfig.std,
      interpolation: 'bilinear',
      cropPct: 1,
    },
    backbone: { name: config.backbone },
    training: { ...config },
    metrics: headline(metrics),
    segmentation: {
      decoder: config.decoder,
      ignoreIndex: config.ignoreIndex,
      maskMode: data.maskMode,
      inference: config.inference,
    },
  });
  await writeFileAtomic(
    path.join(config.out, 'metrics.json'),
    `${JSON.stringify({ evaluatedOn, modes: evaluation.modes, ...metrics }, null, 2)}\n`,
  );
  const reportFile = await writeRunReport({
    out: config.out,
    title: `${config.strategy} ${config.decoder} on ${config.backbone}`,
    history: fitResult.history,
    classes,
    ignoreIndex: config.ignoreIndex,
    evaluation,
    evaluatedOn,
    config,
    notes: [
      ...(skippedPairs.length ? [`${skippedPairs.length} bad image/mask pairs left out`] : []),
      ...(evaluation.skipped.count
        ? [`${evaluation.skipped.count} unreadable images skipped in evaluation`]
        : []),
    ],
  });
  model.dispose();
  return {
    bundleDir,
    reportFile,
    metrics,
    classes,
    splits: {
      train: split.train.length,
      val: split.val.length,
      test: testData?.samples.length ?? 0,
    },
    skipped: {
      pairs: skippedPairs.length,
      images: train.skipped.count + evaluation.skipped.count,
    },
    evaluatedOn,
    seconds: (Date.now() - started) / 1000,
    config,
  };
}
