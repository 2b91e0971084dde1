// `visiontune compress prune`: magnitude (unstructured, gradual) or channel (structured, the
// network rewritten smaller) pruning of a classification bundle, fine-tuned; an ordinary bundle.
// Flags come from the pruning configuration's schema.
import type { Command } from 'commander';
import { pruneConfigSchema, resolvePruneConfig } from '../../methods/compress/prune/config.js';
import { prune } from '../../methods/compress/prune/prune.js';
import { formatMetrics } from '../../metrics/index.js';
import { defineCommand } from '../define-command.js';
import { epochLine, percent } from './compress-progress.js';

export function pruneSubcommand(compress: Command): void {
  defineCommand(compress, {
    name: 'prune',
    description: 'prune a classification bundle (magnitude or channels) and fine-tune it',
    options: pruneConfigSchema,
    what: 'pruning',
    // The soft-target settings only act with --distill here.
    flags: {
      temperature: { description: 'with --distill: softmax temperature' },
      alpha: { description: 'with --distill: weight of the soft targets' },
      unlabeled: {
        description:
          'with --distill: unlabelled images for the soft targets (the --data source itself: its unused training images)',
      },
      unlabeledBatch: {
        description: 'with --distill: unlabelled images per step (default --batch)',
      },
    },
    configFile: true,
    resolve: resolvePruneConfig,
    async run(config, { out }) {
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
  });
}
