// `visiontune compress prune`: magnitude (unstructured, gradual) or channel (structured, the
// network rewritten smaller) pruning of a classification bundle, fine-tuned; an ordinary bundle.
import { type Command, Option } from 'commander';
import { PRUNE_METHODS, resolvePruneConfig } from '../../methods/compress/prune/config.js';
import { prune } from '../../methods/compress/prune/prune.js';
import { formatMetrics } from '../../metrics/index.js';
import {
  addCommonFlags,
  type CommonFlags,
  parseInteger,
  parseNumber,
  readConfigFile,
  setUp,
} from '../common.js';
import {
  addFineTuneFlags,
  epochLine,
  type FineTuneFlags,
  fineTuneLayer,
  percent,
} from './compress-flags.js';

interface PruneFlags extends CommonFlags, FineTuneFlags {
  model?: string;
  method?: string;
  amount?: number;
  importance?: string;
  multipleOf?: number;
  steps?: number;
  scope?: string;
  trainBn?: boolean;
  distill?: boolean;
  temperature?: number;
  alpha?: number;
  unlabeled?: string;
  unlabeledLimit?: number;
}

export function pruneSubcommand(compress: Command): void {
  const command = compress
    .command('prune')
    .description('prune a classification bundle (magnitude or channels) and fine-tune it')
    .option('--model <bundle>', 'the classification bundle to prune')
    .addOption(
      new Option(
        '--method <name>',
        'magnitude (unstructured) or channels (structured; default)',
      ).choices([...PRUNE_METHODS]),
    )
    .option(
      '--amount <x>',
      'fraction of weights (magnitude) or channels (channels) removed (default 0.5)',
      parseNumber('--amount'),
    )
    .addOption(
      new Option('--importance <how>', 'channels: filter importance (default l1)').choices([
        'l1',
        'bn-gamma',
      ]),
    )
    .option(
      '--multiple-of <n>',
      'channels: round kept channel counts up to a multiple of N',
      parseInteger('--multiple-of', 1),
    )
    .addOption(
      new Option(
        '--scope <how>',
        'magnitude: one global threshold or the same share per layer (default global)',
      ).choices(['global', 'layer']),
    )
    .option(
      '--distill',
      "fine-tune against the unpruned model's soft targets as well as the labels",
    )
    .option(
      '--temperature <T>',
      'with --distill: softmax temperature (default 4)',
      parseNumber('--temperature'),
    )
    .option(
      '--alpha <a>',
      'with --distill: weight of the soft targets (default 0.9)',
      parseNumber('--alpha'),
    )
    .option(
      '--unlabeled <source>',
      'with --distill: unlabelled images for the soft targets (the --data source itself: its unused training images)',
    )
    .option(
      '--unlabeled-limit <n>',
      'use at most N unlabelled images',
      parseInteger('--unlabeled-limit', 1),
    )
    .option('--train-bn', 'let BatchNorm layers train while fine-tuning (default: frozen)');
  addCommonFlags(addFineTuneFlags(command, { lr: '3e-4', epochs: 5, out: 'runs/prune' })).action(
    async (flags: PruneFlags) => {
      const { out } = await setUp(flags);
      const fromFile = flags.config ? await readConfigFile(flags.config) : {};
      const config = resolvePruneConfig(fromFile, {
        ...fineTuneLayer(flags),
        model: flags.model,
        method: flags.method,
        amount: flags.amount,
        importance: flags.importance,
        multipleOf: flags.multipleOf,
        steps: flags.steps,
        scope: flags.scope,
        freezeBn: flags.trainBn ? false : undefined,
        distill: flags.distill,
        temperature: flags.temperature,
        alpha: flags.alpha,
        unlabeled: flags.unlabeled,
        unlabeledLimit: flags.unlabeledLimit,
      });
      const result = await prune(config, {
        log: (line) => out.info(line),
        callbacks: [epochLine(config.epochs, (line) => out.info(line))],
      });
      out.result(
        {
          bundle: result.bundleDir,
          report: result.reportFile,
          parametersBefore: result.parametersBefore,
          parametersAfter: result.parameters,
          sparsity: result.sparsity,
          accuracy: result.accuracy,
          evaluatedOn: result.evaluatedOn,
          seconds: result.seconds,
          metrics: result.metrics,
          config: result.config,
        },
        () =>
          [
            config.method === 'channels'
              ? `parameters ${result.parametersBefore} -> ${result.parameters}`
              : `${percent(result.sparsity)} of kernel weights are zero`,
            `${result.evaluatedOn} accuracy: original ${percent(result.accuracy.original)}` +
              (result.accuracy.pruned === undefined
                ? ''
                : `, pruned ${percent(result.accuracy.pruned)}`) +
              `, fine-tuned ${percent(result.accuracy.fineTuned)}`,
            formatMetrics(result.metrics, result.labels, { confusionMaxClasses: 0 }),
            `bundle: ${result.bundleDir}`,
            `report: ${result.reportFile}`,
          ].join('\n'),
      );
    },
  );
}
