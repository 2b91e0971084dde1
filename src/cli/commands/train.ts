// `visiontune train`: one classification transfer run. Flags come from the run configuration's
// schema; they override a --config JSON file, which overrides the defaults.
import type { Command } from 'commander';
import { resolveTrainConfig, trainConfigSchema } from '../../methods/classification/config.js';
import { train } from '../../methods/classification/train.js';
import { formatMetrics } from '../../metrics/index.js';
import { defineCommand } from '../define-command.js';
import { epochProgress } from './epoch-progress.js';

export function trainCommand(program: Command): void {
  defineCommand(program, {
    name: 'train',
    description:
      'train a classifier by transfer: linear probe, fine-tuning, or the same net from scratch',
    options: trainConfigSchema,
    what: 'training',
    configFile: true,
    distributed: true,
    resolve: resolveTrainConfig,
    async run(config, { out }) {
      const result = await train(config, {
        log: (line) => out.info(line),
        callbacks: [epochProgress(out, config.epochs, 'val_accuracy', 'val_acc', 4)],
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
    },
  });
}
