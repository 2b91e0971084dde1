// `visiontune compress distill`: train a small student from a teacher bundle (Hinton et al.'s
// soft targets, optional unlabelled images and a FitNets hint); the student is an ordinary bundle.
// Flags come from the distillation configuration's schema.
import type { Command } from 'commander';
import {
  distillConfigSchema,
  resolveDistillConfig,
} from '../../methods/compress/distill/config.js';
import { distill } from '../../methods/compress/distill/distill.js';
import { formatMetrics } from '../../metrics/index.js';
import { defineCommand } from '../define-command.js';
import { epochLine, percent } from './compress-progress.js';

export function distillSubcommand(compress: Command): void {
  defineCommand(compress, {
    name: 'distill',
    description: 'train a small student network from a teacher bundle (knowledge distillation)',
    options: distillConfigSchema,
    what: 'distillation',
    configFile: true,
    resolve: resolveDistillConfig,
    async run(config, { out }) {
      const result = await distill(config, {
        log: (line) => out.info(line),
        callbacks: [epochLine(config.epochs, (line) => out.info(line))],
      });
      out.result(
        {
          bundle: result.bundleDir,
          report: result.reportFile,
          accuracy: result.metrics.accuracy,
          evaluatedOn: result.evaluatedOn,
          teacherParameters: result.teacherParameters,
          studentParameters: result.studentParameters,
          splits: result.splits,
          seconds: result.seconds,
          metrics: result.metrics,
          config: result.config,
        },
        () =>
          [
            `student ${config.student}: ${result.studentParameters} parameters (${((100 * result.studentParameters) / result.teacherParameters).toFixed(1)}% of the teacher's ${result.teacherParameters})`,
            `${result.evaluatedOn} accuracy ${percent(result.metrics.accuracy)}`,
            formatMetrics(result.metrics, result.labels, {
              confusionMaxClasses: 0,
            }),
            `bundle: ${result.bundleDir}`,
            `report: ${result.reportFile}`,
          ].join('\n'),
      );
    },
  });
}
