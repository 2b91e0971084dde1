// `visiontune adapt`: domain adaptation from a labelled source to an unlabelled target. Flags
// override a --config JSON file, which overrides the defaults, as in `train`.
import { type Command, Option } from 'commander';
import { adapt } from '../../methods/adapt/adapt.js';
import { ADAPT_METHODS, resolveAdaptConfig, SELECTIONS } from '../../methods/adapt/config.js';
import { formatMetrics } from '../../metrics/index.js';
import {
  addCommonFlags,
  type CommonFlags,
  parseInteger,
  parseNumber,
  readConfigFile,
  setUp,
} from '../common.js';

interface AdaptFlags extends CommonFlags {
  config?: string;
  [key: string]: unknown;
}

const percent = (v: number | undefined) => (v === undefined ? '—' : `${(v * 100).toFixed(1)}%`);

export function adaptCommand(program: Command): void {
  addCommonFlags(
    program
      .command('adapt')
      .description(
        'domain adaptation: train on a labelled source so the model works on an unlabelled target',
      )
      .option(
        '--source <data>',
        'labelled source: image folder, manifest, or mnist / fashion-mnist',
      )
      .option('--target <folder>', 'unlabelled target images (a folder, searched recursively)')
      .option(
        '--target-test <data>',
        'labelled target images for the final evaluation only (never used for training or selection)',
      )
      .addOption(
        new Option('--method <name>', 'adaptation method (default dann)').choices([
          ...ADAPT_METHODS,
        ]),
      )
      .option('--backbone <name>', 'registry name or path/URL of a TF.js layers model')
      .option('--scratch', 'start from random weights instead of pretrained ones')
      .option('--epochs <n>', 'epochs (default 10)', parseInteger('--epochs', 1))
      .option('--batch <n>', 'images per domain per step (default 32)', parseInteger('--batch', 1))
      .option('--image-size <px>', 'square input size', parseInteger('--image-size', 1))
      .option('--lr <x>', 'SGD lr of the new layers (default 0.01)', parseNumber('--lr'))
      .option(
        '--backbone-lr-mult <x>',
        'backbone lr multiple (default 0.1)',
        parseNumber('--backbone-lr-mult'),
      )
      .option('--weight-decay <x>', 'weight decay (default 5e-4)', parseNumber('--weight-decay'))
      .option(
        '--bottleneck <n>',
        'feature width the losses align (default 256)',
        parseInteger('--bottleneck', 1),
      )
      .option(
        '--tradeoff <x>',
        'weight of the transfer loss (default 1)',
        parseNumber('--tradeoff'),
      )
      .option(
        '--threshold <x>',
        'selftrain: pseudo-label confidence (default 0.95)',
        parseNumber('--threshold'),
      )
      .option('--no-entropy-conditioning', 'cdan: plain CDAN instead of CDAN+E')
      .option(
        '--domain-bn',
        'separate BatchNorm statistics per domain (AdaBN for the exported model)',
      )
      .option('--train-bn', 'let pretrained BatchNorm layers train (default: frozen)')
      .addOption(
        new Option('--augment <kind>', 'training augmentation (default light)').choices([
          'none',
          'light',
          'standard',
        ]),
      )
      .option('--no-hflip', 'no horizontal flips (digits, text)')
      .addOption(
        new Option(
          '--selection <how>',
          'checkpoint selection without target labels (default source-val)',
        ).choices([...SELECTIONS]),
      )
      .option('--val <fraction>', 'source validation fraction (default 0.2)', parseNumber('--val'))
      .option(
        '--target-val <fraction>',
        'unlabelled target fraction held out for selection and diagnostics (default 0.1)',
        parseNumber('--target-val'),
      )
      .option(
        '--test-per-class <n>',
        'evaluate on at most N target-test images per class',
        parseInteger('--test-per-class', 1),
      )
      .option('--out <dir>', 'output folder (default runs/adapt)')
      .option('--config <file>', 'JSON run configuration; flags override it')
      .option('--resume', 'continue from the last complete checkpoint in --out')
      .option('--skip-bad', 'skip bad images (counted and named) instead of failing'),
  ).action(async (flags: AdaptFlags) => {
    const { out } = await setUp(flags);
    const fromFile = flags.config ? await readConfigFile(flags.config) : {};
    const config = resolveAdaptConfig(fromFile, {
      source: flags.source,
      target: flags.target,
      targetTest: flags.targetTest,
      method: flags.method,
      backbone: flags.backbone,
      pretrained: flags.scratch ? false : undefined,
      epochs: flags.epochs,
      batch: flags.batch,
      imageSize: flags.imageSize,
      lr: flags.lr,
      backboneLrMult: flags.backboneLrMult,
      weightDecay: flags.weightDecay,
      bottleneck: flags.bottleneck,
      tradeoff: flags.tradeoff,
      threshold: flags.threshold,
      // commander's --no-x flags default to true: only an explicit --no-x overrides the file.
      entropyConditioning: flags.entropyConditioning === false ? false : undefined,
      hflip: flags.hflip === false ? false : undefined,
      domainBn: flags.domainBn ? true : undefined,
      freezeBn: flags.trainBn ? false : undefined,
      augment: flags.augment,
      selection: flags.selection,
      val: flags.val,
      targetVal: flags.targetVal,
      testPerClass: flags.testPerClass,
      out: flags.out,
      resume: flags.resume,
      skipBad: flags.skipBad,
      seed: flags.seed,
    });
    const result = await adapt(config, {
      log: (line) => out.info(line),
      callbacks: [
        {
          onEpochEnd: (r) =>
            out.info(
              `epoch ${r.epoch}/${config.epochs}  loss ${Number(r.loss).toFixed(4)}` +
                (typeof r.val_accuracy === 'number'
                  ? `  source val ${percent(r.val_accuracy)}`
                  : '') +
                (typeof r.disc_accuracy === 'number' ? `  disc ${percent(r.disc_accuracy)}` : '') +
                (typeof r.target_accuracy === 'number'
                  ? `  target ${percent(r.target_accuracy)} (not used for selection)`
                  : ''),
            ),
        },
      ],
    });
    const shown = result.targetMetrics ?? result.sourceMetrics;
    out.result(
      {
        bundle: result.bundleDir,
        report: result.reportFile,
        selectedEpoch: result.selectedEpoch,
        targetAccuracy: result.targetMetrics?.accuracy,
        sourceValAccuracy: result.sourceMetrics?.accuracy,
        proxyADistance: result.proxyADistance,
        seconds: result.seconds,
        targetMetrics: result.targetMetrics,
        config: result.config,
      },
      () =>
        [
          `${config.method} on ${config.backbone}: epoch ${result.selectedEpoch ?? 'last'} kept (${config.selection})`,
          `source val accuracy ${percent(result.sourceMetrics?.accuracy)}; target test accuracy ${percent(result.targetMetrics?.accuracy)}`,
          ...(result.proxyADistance
            ? [
                `proxy A-distance ${result.proxyADistance.before.toFixed(2)} → ${result.proxyADistance.after.toFixed(2)}`,
              ]
            : []),
          ...(shown ? [formatMetrics(shown, result.labels, { confusionMaxClasses: 0 })] : []),
          `bundle: ${result.bundleDir}`,
          `report: ${result.reportFile}`,
        ].join('\n'),
    );
  });
}
