// `visiontune segment train`: a U-Net or DeepLabV3+ decoder on a registry backbone, fine-tuned or
// from scratch.
import { type Command, InvalidArgumentError, Option } from 'commander';
import { resolveSegmentConfig } from '../../methods/segmentation/config.js';
import { trainSegmenter } from '../../methods/segmentation/train.js';
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
import { formatSegmentationMetrics } from './segment-format.js';

interface SegmentTrainFlags extends CommonFlags {
  config?: string;
  [key: string]: unknown;
}

function parseList(value: string): string[] {
  return value.split(',').map((s) => s.trim());
}

function parseNumbers(value: string): number[] {
  const numbers = value.split(',').map(Number);
  if (!numbers.every((v) => Number.isFinite(v) && v >= 0))
    throw new InvalidArgumentError(`expected non-negative numbers like 1,2.5,1 (got '${value}')`);
  return numbers;
}

export function segmentTrainSubcommand(segment: Command): void {
  addCommonFlags(
    addOptimizerFlags(
      segment
        .command('train')
        .description(
          'train a segmenter (U-Net or DeepLabV3+ decoder) on a pretrained or scratch backbone',
        )
        .option(
          '--data <path>',
          'training pairs: a folder with images/ and masks/ (and classes.txt), a VOC folder, or a COCO .json',
        )
        .option('--images <dir>', 'COCO: images folder of --data (default: next to the .json)')
        .option(
          '--val-data <path>',
          'validation pairs (default: hold out --val of the training images)',
        )
        .option('--val-images <dir>', 'COCO: images folder of --val-data')
        .option(
          '--val <fraction>',
          'held-out fraction without --val-data (default 0.1)',
          parseNumber('--val'),
        )
        .option('--test-data <path>', 'pairs to evaluate on after training (default: validation)')
        .option('--test-images <dir>', 'COCO: images folder of --test-data')
        .option(
          '--classes <names>',
          'class names in index order, comma-separated (default: classes.txt)',
          parseList,
        )
        .addOption(
          new Option('--mask-mode <mode>', 'how mask PNGs encode classes (default index)').choices([
            'index',
            'palette',
            'binary',
          ]),
        )
        .option(
          '--ignore-index <n>',
          'mask value left out of loss and metrics (default 255)',
          parseInteger('--ignore-index', 0),
        )
        .option(
          '--backbone <name>',
          'registry name or TF.js layers model path (default mobilenet_v2)',
        )
        .addOption(
          new Option('--decoder <name>', 'decoder (default unet)').choices([
            'unet',
            'deeplabv3plus',
          ]),
        )
        .addOption(
          new Option(
            '--strategy <name>',
            'finetune (pretrained) or scratch (default finetune)',
          ).choices(['finetune', 'scratch']),
        )
        .option(
          '--image-size <px>',
          'square training input, a multiple of 32 (default 224)',
          parseInteger('--image-size', 32),
        )
        .option('--freeze-backbone', 'finetune: train only the decoder')
        .option('--freeze-bn', 'finetune: backbone BatchNorms keep their pretrained statistics')
        .option('--channels <n>', 'decoder width (default 64)', parseInteger('--channels', 1))
        .option(
          '--ce-weight <x>',
          'cross-entropy weight in the loss (default 1)',
          parseNumber('--ce-weight'),
        )
        .option('--dice-weight <x>', 'Dice loss weight (default 0)', parseNumber('--dice-weight'))
        .option(
          '--focal-weight <x>',
          'focal loss weight (default 0)',
          parseNumber('--focal-weight'),
        )
        .option(
          '--class-weights <w,...>',
          'cross-entropy weight per class, comma-separated',
          parseNumbers,
        )
        .option(
          '--scale <lo,hi>',
          'random scale range of the scale-and-crop augmentation (default 0.5,1.5)',
          parseRange,
        )
        .option(
          '--color-jitter <x>',
          'color jitter strength, 0 = off (default 0.3)',
          parseNumber('--color-jitter'),
        )
        .option(
          '--eval-every <epochs>',
          'validation mIoU every N epochs and at the last, 0 = never (default 1)',
          parseInteger('--eval-every', 0),
        )
        .addOption(
          new Option(
            '--inference <mode>',
            'evaluation: resize into the input, slide windows, or auto (slide over images > 2x the input; default)',
          ).choices(['auto', 'resize', 'slide']),
        )
        .option('--out <dir>', 'output folder (default runs/segment)')
        .option('--config <file>', 'JSON run configuration; flags override it')
        .option('--resume', 'continue from the last complete checkpoint in --out')
        .option('--skip-bad', 'leave out bad image/mask pairs (counted) instead of failing'),
      { epochs: 10, batch: 8 },
    ),
  ).action(async (flags: SegmentTrainFlags) => {
    const { out } = await setUp(flags);
    const fromFile = flags.config ? await readConfigFile(flags.config) : {};
    const config = resolveSegmentConfig(fromFile, {
      data: flags.data,
      images: flags.images,
      valData: flags.valData,
      valImages: flags.valImages,
      val: flags.val,
      testData: flags.testData,
      testImages: flags.testImages,
      classes: flags.classes,
      maskMode: flags.maskMode,
      ignoreIndex: flags.ignoreIndex,
      backbone: flags.backbone,
      ...optimizerFields(flags),
      decoder: flags.decoder,
      strategy: flags.strategy,
      imageSize: flags.imageSize,
      freezeBackbone: flags.freezeBackbone,
      freezeBn: flags.freezeBn,
      channels: flags.channels,
      ceWeight: flags.ceWeight,
      diceWeight: flags.diceWeight,
      focalWeight: flags.focalWeight,
      classWeights: flags.classWeights,
      scale: flags.scale,
      colorJitter: flags.colorJitter,
      evalEvery: flags.evalEvery,
      inference: flags.inference,
      out: flags.out,
      resume: flags.resume,
      skipBad: flags.skipBad,
      seed: flags.seed,
    });
    const result = await trainSegmenter(config, {
      log: (line) => out.info(line),
      callbacks: [epochProgress(out, config.epochs, 'val_miou', 'val mIoU')],
    });
    out.result(
      {
        bundle: result.bundleDir,
        report: result.reportFile,
        evaluatedOn: result.evaluatedOn,
        splits: result.splits,
        skipped: result.skipped,
        seconds: result.seconds,
        metrics: result.metrics,
        config: result.config,
      },
      () =>
        [
          `${config.strategy} ${config.decoder} on ${config.backbone}: ${result.evaluatedOn} metrics`,
          formatSegmentationMetrics(result.metrics, result.classes),
          `bundle: ${result.bundleDir}`,
          `report: ${result.reportFile}`,
        ].join('\n'),
    );
  });
}
