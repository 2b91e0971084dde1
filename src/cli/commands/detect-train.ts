// `visiontune detect train`: an FCOS detector on a registry backbone, fine-tuned or from scratch.
import { type Command, Option } from 'commander';
import { resolveDetectConfig } from '../../methods/detection/config.js';
import { trainDetector } from '../../methods/detection/train.js';
import {
  addCommonFlags,
  type CommonFlags,
  parseInteger,
  parseNumber,
  parseRange,
  readConfigFile,
  setUp,
} from '../common.js';
import { addOptimizerFlags, epochProgress, optimizerFields } from './dense-train-flags.js';
import { formatDetectionMetrics } from './detect-format.js';

interface DetectTrainFlags extends CommonFlags {
  config?: string;
  [key: string]: unknown;
}

export function detectTrainSubcommand(detect: Command): void {
  addCommonFlags(
    addOptimizerFlags(
      detect
        .command('train')
        .description('train a detector (FPN + FCOS head) on a pretrained or scratch backbone')
        .option('--data <path>', 'training boxes: COCO .json, YOLO data.yaml, or a VOC folder')
        .option('--images <dir>', 'COCO: images folder of --data (default: next to the .json)')
        .option(
          '--val-data <path>',
          'validation boxes in any format; a YOLO data.yaml: its val split (default: hold out --val)',
        )
        .option('--val-images <dir>', 'COCO: images folder of --val-data')
        .option(
          '--val <fraction>',
          'held-out fraction without --val-data (default 0.1)',
          parseNumber('--val'),
        )
        .option(
          '--test-data <path>',
          'boxes to evaluate on after training; a YOLO data.yaml: its test split (default: validation)',
        )
        .option('--test-images <dir>', 'COCO: images folder of --test-data')
        .option(
          '--backbone <name>',
          'registry name or TF.js layers model path (default mobilenet_v2)',
        )
        .addOption(
          new Option(
            '--strategy <name>',
            'finetune (pretrained) or scratch (default finetune)',
          ).choices(['finetune', 'scratch']),
        )
        .option(
          '--image-size <px>',
          'square input, a multiple of 32 (default 256)',
          parseInteger('--image-size', 32),
        )
        .option('--freeze-backbone', 'finetune: train only the FPN and head')
        .option(
          '--train-bn',
          'finetune: BatchNorms train (default: frozen at pretrained statistics)',
        )
        .option('--channels <n>', 'FPN and head width (default 64)', parseInteger('--channels', 1))
        .option(
          '--tower-depth <n>',
          '3x3 convs per head tower (default 2)',
          parseInteger('--tower-depth', 0),
        )
        .option(
          '--scale <lo,hi>',
          'random scale range of the scale-and-crop augmentation (default 0.6,1.4)',
          parseRange,
        )
        .option(
          '--color-jitter <x>',
          'color jitter strength, 0 = off (default 0.3)',
          parseNumber('--color-jitter'),
        )
        .option(
          '--eval-every <epochs>',
          'validation AP every N epochs and at the last (default 0: none)',
          parseInteger('--eval-every', 0),
        )
        .option(
          '--score-threshold <x>',
          'keep detections above this score (default 0.05)',
          parseNumber('--score-threshold'),
        )
        .option(
          '--nms-iou <x>',
          'class-wise NMS IoU threshold (default 0.6)',
          parseNumber('--nms-iou'),
        )
        .option(
          '--max-detections <n>',
          'detections per image (default 100)',
          parseInteger('--max-detections', 1),
        )
        .option('--out <dir>', 'output folder (default runs/detect)')
        .option('--config <file>', 'JSON run configuration; flags override it')
        .option('--resume', 'continue from the last complete checkpoint in --out')
        .option(
          '--skip-bad',
          'leave out bad boxes and unreadable images (counted) instead of failing',
        ),
      { epochs: 12, batch: 16 },
    ),
  ).action(async (flags: DetectTrainFlags) => {
    const { out } = await setUp(flags);
    const fromFile = flags.config ? await readConfigFile(flags.config) : {};
    const config = resolveDetectConfig(fromFile, {
      data: flags.data,
      images: flags.images,
      valData: flags.valData,
      valImages: flags.valImages,
      testImages: flags.testImages,
      val: flags.val,
      testData: flags.testData,
      backbone: flags.backbone,
      ...optimizerFields(flags),
      strategy: flags.strategy,
      imageSize: flags.imageSize,
      freezeBackbone: flags.freezeBackbone,
      freezeBn: flags.trainBn ? false : undefined,
      channels: flags.channels,
      towerDepth: flags.towerDepth,
      scale: flags.scale,
      colorJitter: flags.colorJitter,
      evalEvery: flags.evalEvery,
      scoreThreshold: flags.scoreThreshold,
      nmsIou: flags.nmsIou,
      maxDetections: flags.maxDetections,
      out: flags.out,
      resume: flags.resume,
      skipBad: flags.skipBad,
      seed: flags.seed,
    });
    const result = await trainDetector(config, {
      log: (line) => out.info(line),
      callbacks: [epochProgress(out, config.epochs, 'val_ap50', 'val AP50')],
    });
    out.result(
      {
        bundle: result.bundleDir,
        report: result.reportFile,
        detections: result.resultsFile,
        evaluatedOn: result.evaluatedOn,
        splits: result.splits,
        skipped: result.skipped,
        seconds: result.seconds,
        metrics: result.metrics,
        config: result.config,
      },
      () =>
        [
          `${config.strategy} detector on ${config.backbone}: ${result.evaluatedOn} metrics`,
          formatDetectionMetrics(result.metrics, result.categories),
          `bundle: ${result.bundleDir}`,
          `report: ${result.reportFile}`,
        ].join('\n'),
    );
  });
}
