// One detection transfer run: open the data (any format), build the FCOS detector on a registry
// backbone (pretrained for finetune, the same network randomly initialized for scratch), train it
// through the shared loop with box-aware augmentation, evaluate with COCO metrics, and write the
// bundle, a COCO results file, the HTML report with drawn samples, and metrics.json.
import path from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import { saveBundle } from '../../bundle/bundle.js';
import { sharpDecoder } from '../../data/decode-sharp.js';
import {
  imageOnly,
  randomHorizontalFlipBoxes,
  randomScaleCrop,
} from '../../data/detection/augment.js';
import { createDetectionLoader } from '../../data/detection/loader.js';
import { openDetectionData } from '../../data/detection/open.js';
import type { DetectionSample } from '../../data/detection/types.js';
import { colorJitter } from '../../data/transforms/color-jitter.js';
import { writeFileAtomic } from '../../engine/file-io.js';
import { batchTargets, fcosLoss } from '../../heads/detection/fcos-loss.js';
import { buildDetector } from '../../heads/detection/fcos-model.js';
import type { DetectionMetrics } from '../../metrics/detection/coco-eval.js';
import { fit } from '../../train/loop.js';
import { lrSchedule } from '../classification/fit-options.js';
import type { TrainHooks } from '../classification/strategy.js';
import { backboneOptimizer, openRunData } from '../dense-training.js';
import type { DetectConfig } from './config.js';
import { detectSamples } from './detect-samples.js';
import { cocoResults, evaluateFound, headline } from './evaluate.js';
import { writeRunReport } from './report.js';

export interface DetectRunResult {
  bundleDir: string;
  reportFile: string;
  resultsFile: string;
  metrics: DetectionMetrics;
  categories: string[];
  splits: { train: number; val: number; test: number };
  /** Under skipBad: bad boxes or missing images left out of the data, unreadable images skipped. */
  skipped: { annotations: number; images: number };
  evaluatedOn: string;
  seconds: number;
  config: DetectConfig;
}

/** Same categories in the same order, or an error naming both lists. */
export async function trainDetector(
  config: DetectConfig,
  hooks: TrainHooks = {},
): Promise<DetectRunResult> {
  const started = Date.now();
  const {
    data,
    valData,
    testData,
    split,
    evalSamples,
    evaluatedOn,
    skipped: skippedBoxes,
  } = await openRunData(
    config,
    (location, images, split) =>
      openDetectionData(location, { images, split, skipBad: config.skipBad }),
    { of: (d) => d.categories, what: 'categories', stream: 'detection-split' },
    hooks.log,
  );

  const pretrained = config.strategy === 'finetune';
  const detector = await buildDetector({
    backbone: config.backbone,
    pretrained,
    numClasses: data.categories.length,
    inputSize: config.imageSize,
    channels: config.channels,
    towerDepth: config.towerDepth,
    seed: config.seed,
  });
  const { model, layout, backboneConfig } = detector;
  const optimizer = backboneOptimizer(model, detector.backboneLayers, { ...config, pretrained });
  const decoder = sharpDecoder();
  const normalize = { mean: backboneConfig.mean, std: backboneConfig.std };
  const jitter = config.colorJitter;
  const train = createDetectionLoader(split.train, {
    ...normalize,
    size: layout.inputSize,
    batchSize: config.batch,
    decoder,
    shuffle: true,
    seed: config.seed,
    skipBad: config.skipBad,
    ops: [
      randomHorizontalFlipBoxes(0.5),
      randomScaleCrop(layout.inputSize, { scale: config.scale }),
      ...(jitter > 0
        ? [imageOnly(colorJitter({ brightness: jitter, contrast: jitter, saturation: jitter }))]
        : []),
    ],
  });
  const decodeSettings = {
    scoreThreshold: config.scoreThreshold,
    nmsIou: config.nmsIou,
    maxDetections: config.maxDetections,
  };
  const detect = (samples: readonly DetectionSample[]) =>
    detectSamples(model, layout, samples, {
      ...normalize,
      ...decodeSettings,
      decoder,
      batch: config.batch,
      skipBad: config.skipBad,
    });

  // Loss parts summed over each epoch's batches, logged beside the total.
  const sums = { cls: 0, box: 0, ctr: 0, batches: 0 };
  const fitResult = await fit({
    model,
    optimizer,
    train,
    epochs: config.epochs,
    seed: config.seed,
    schedule: lrSchedule(config.schedule, config.lr, train.numBatches, config.epochs),
    clipNorm: config.clipNorm > 0 ? config.clipNorm : undefined,
    loss: (batch) => {
      const targets = batchTargets(batch.boxes, layout);
      const output = model.apply(batch.x, { training: true }) as tf.Tensor;
      const parts = fcosLoss(output, targets, layout);
      sums.cls += parts.cls.dataSync()[0];
      sums.box += parts.box.dataSync()[0];
      sums.ctr += parts.ctr.dataSync()[0];
      sums.batches++;
      return parts.total;
    },
    validate: async (epoch) => {
      const n = Math.max(1, sums.batches);
      const record: Record<string, number> = {
        loss_cls: sums.cls / n,
        loss_box: sums.box / n,
        loss_ctr: sums.ctr / n,
      };
      Object.assign(sums, { cls: 0, box: 0, ctr: 0, batches: 0 });
      const every = config.evalEvery;
      if (split.val.length > 0 && every > 0 && (epoch % every === 0 || epoch === config.epochs)) {
        const m = evaluateFound((await detect(split.val)).results);
        Object.assign(record, { val_ap: m.ap, val_ap50: m.ap50 });
      }
      return record;
    },
    outDir: config.out,
    resume: config.resume,
    callbacks: hooks.callbacks,
  });
  optimizer.dispose();

  const { results: found, skipped } = await detect(evalSamples);
  const metrics = evaluateFound(found);
  const categories = data.categories;
  const bundleDir = path.join(config.out, 'bundle');
  await saveBundle(bundleDir, model, {
    task: 'detection',
    labels: categories,
    preprocessing: {
      inputSize: layout.inputSize,
      mean: backboneConfig.mean,
      std: backboneConfig.std,
      interpolation: 'bilinear',
      cropPct: 1,
    },
    backbone: { name: config.backbone },
    training: { ...config, categoryIds: data.categoryIds },
    metrics: headline(metrics),
    detection: { head: 'fcos', strides: [...layout.strides], ...decodeSettings },
  });
  const resultsFile = path.join(config.out, 'detections.json');
  // The evaluated file's ids (same category names and order as the training data's, checked).
  const evalIds = (testData ?? valData ?? data).categoryIds;
  await writeFileAtomic(resultsFile, JSON.stringify(cocoResults(found, evalIds)));
  await writeFileAtomic(
    path.join(config.out, 'metrics.json'),
    `${JSON.stringify({ evaluatedOn, images: found.size, ...metrics }, null, 2)}\n`,
  );
  const reportFile = await writeRunReport({
    out: config.out,
    title: `${config.strategy} detector on ${config.backbone}`,
    history: fitResult.history,
    categories,
    metrics,
    found,
    config,
    notes: [
      ...(skippedBoxes.length
        ? [`${skippedBoxes.length} bad boxes or missing images left out`]
        : []),
      ...(skipped.count ? [`${skipped.count} unreadable images skipped in evaluation`] : []),
    ],
  });
  model.dispose();
  return {
    bundleDir,
    reportFile,
    resultsFile,
    metrics,
    categories,
    splits: {
      train: split.train.length,
      val: split.val.length,
      test: testData?.samples.length ?? 0,
    },
    skipped: { annotations: skippedBoxes.length, images: train.skipped.count + skipped.count },
    evaluatedOn,
    seconds: (Date.now() - started) / 1000,
    config,
  };
}
