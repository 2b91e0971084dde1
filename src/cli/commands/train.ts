// `visiontune train`: one classification transfer run. Flags override a --config JSON file,
// which overrides the defaults; the merged configuration is validated once and saved with
// the bundle.
import { type Command, Option } from 'commander';
import { resolveTrainConfig, STRATEGIES } from '../../methods/classification/config.js';
import { train } from '../../methods/classification/train.js';
import { parseUnfreeze } from '../../methods/freeze/index.js';
import { formatMetrics } from '../../metrics/index.js';
import {
  addCommonFlags,
  type CommonFlags,
  parseInteger,
  parseNumber,
  readConfigFile,
  setUp,
} from '../common.js';

interface TrainFlags extends CommonFlags {
  config?: string;
  [key: string]: unknown;
}

export function trainCommand(program: Command): void {
  addCommonFlags(
    program
      .command('train')
      .description(
        'train a classifier by transfer: linear probe, fine-tuning, or the same net from scratch',
      )
      .option('--data <source>', 'image folder, .csv/.jsonl manifest, or mnist / fashion-mnist')
      .option(
        '--backbone <name>',
        'registry name or path/URL of a TF.js layers model (default mobilenet_v2)',
      )
      .addOption(
        new Option('--strategy <name>', 'transfer strategy (default linear)').choices([
          ...STRATEGIES,
        ]),
      )
      .option('--epochs <n>', 'epochs (default 10)', parseInteger('--epochs', 1))
      .option('--batch <n>', 'batch size (default 32)', parseInteger('--batch', 1))
      .option(
        '--image-size <px>',
        'square input size (default: backbone native)',
        parseInteger('--image-size', 1),
      )
      .option('--lr <x>', 'base learning rate (default per strategy)', parseNumber('--lr'))
      .option(
        '--val <fraction>',
        'validation fraction when the data has no val split (default 0.2)',
        parseNumber('--val'),
      )
      .option(
        '--labels-per-class <k>',
        'use only K labelled training images per class',
        parseInteger('--labels-per-class', 1),
      )
      .option(
        '--test-per-class <n>',
        'evaluate on at most N test images per class',
        parseInteger('--test-per-class', 1),
      )
      .option('--layer <name>', 'backbone layer to pool for the head')
      .addOption(
        new Option('--augment <kind>', 'finetune/scratch augmentation (default light)').choices([
          'none',
          'light',
          'standard',
        ]),
      )
      .option('--unfreeze <n|all>', 'finetune: last N blocks train, or all (default all)', (v) =>
        parseUnfreeze(v),
      )
      .option(
        '--gradual-unfreeze <epochs>',
        'finetune: head alone for E epochs, then one more block every E epochs (ULMFiT)',
        parseInteger('--gradual-unfreeze', 1),
      )
      .option(
        '--backbone-lr-mult <x>',
        'finetune: backbone lr multiple (default 0.1)',
        parseNumber('--backbone-lr-mult'),
      )
      .option(
        '--layer-decay <x>',
        'finetune: layer-wise lr decay per block below the head, in (0, 1]',
        parseNumber('--layer-decay'),
      )
      .option(
        '--hidden <n>',
        'linear: hidden units of an MLP head (default 0: linear)',
        parseInteger('--hidden', 0),
      )
      .option('--drop-rate <x>', 'dropout before the head (default 0)', parseNumber('--drop-rate'))
      .option(
        '--weight-decay <x>',
        'AdamW weight decay (default 1e-4)',
        parseNumber('--weight-decay'),
      )
      .option(
        '--label-smoothing <x>',
        'label smoothing (default 0)',
        parseNumber('--label-smoothing'),
      )
      .addOption(
        new Option('--schedule <kind>', 'finetune/scratch lr schedule (default cosine)').choices([
          'cosine',
          'step',
          'onecycle',
          'constant',
          'plateau',
        ]),
      )
      .option(
        '--early-stopping <epochs>',
        'finetune/scratch: stop after N epochs without a better val loss; keep the best weights',
        parseInteger('--early-stopping', 0),
      )
      .option(
        '--clip-norm <x>',
        'finetune/scratch: clip gradients to this global norm',
        parseNumber('--clip-norm'),
      )
      .option('--out <dir>', 'output folder (default runs/train)')
      .option('--config <file>', 'JSON run configuration; flags override it')
      .option('--resume', 'continue from the last complete checkpoint in --out')
      .option('--skip-bad', 'skip bad images (counted and named) instead of failing')
      .option('--cache-dir <dir>', 'embedding cache folder (default ~/.cache/visiontune)'),
  ).action(async (flags: TrainFlags) => {
    const { out } = await setUp(flags);
    const fromFile = flags.config ? await readConfigFile(flags.config) : {};
    const config = resolveTrainConfig(fromFile, {
      data: flags.data,
      backbone: flags.backbone,
      strategy: flags.strategy,
      epochs: flags.epochs,
      batch: flags.batch,
      imageSize: flags.imageSize,
      lr: flags.lr,
      val: flags.val,
      labelsPerClass: flags.labelsPerClass,
      testPerClass: flags.testPerClass,
      layer: flags.layer,
      augment: flags.augment,
      unfreeze: flags.unfreeze,
      gradualUnfreeze: flags.gradualUnfreeze,
      backboneLrMult: flags.backboneLrMult,
      layerDecay: flags.layerDecay,
      schedule: flags.schedule,
      earlyStopping: flags.earlyStopping,
      clipNorm: flags.clipNorm,
      freezeBn: flags.trainBn ? false : undefined,
      bnMomentum: flags.bnMomentum,
      hidden: flags.hidden,
      dropRate: flags.dropRate,
      weightDecay: flags.weightDecay,
      labelSmoothing: flags.labelSmoothing,
      mixup: flags.mixup,
      cutmix: flags.cutmix,
      l2sp: flags.l2sp,
      out: flags.out,
      resume: flags.resume,
      skipBad: flags.skipBad,
      cacheDir: flags.cacheDir,
      seed: flags.seed,
    });
    const result = await train(config, {
      log: (line) => out.info(line),
      callbacks: [
        {
          onEpochEnd: (r) =>
            out.info(
              `epoch ${r.epoch}/${config.epochs}  loss ${Number(r.loss).toFixed(4)}` +
                (typeof r.val_accuracy === 'number'
                  ? `  val_acc ${r.val_accuracy.toFixed(4)}`
                  : ''),
            ),
        },
      ],
    });
    out.result(
      {
        bundle: result.bundleDir,
        report: result.reportFile,
        evaluatedOn: result.evaluatedOn,
        splits: result.splits,
        seconds: result.seconds,
        metrics: result.metrics,
        config: result.config,
      },
      () =>
        [
          `${config.strategy} on ${config.backbone}: ${result.evaluatedOn} metrics (${result.metrics.count} images)`,
          formatMetrics(result.metrics, result.labels, { confusionMaxClasses: 0 }),
          `bundle: ${result.bundleDir}`,
          `report: ${result.reportFile}`,
        ].join('\n'),
    );
  });
}
