// `visiontune multitask train`: one backbone, a head per task (--task name:kind:data, repeated, or
// `tasks` in a --config file), trained together. Flags come from the run configuration's schema.
import type { Command } from 'commander';
import {
  type MultiTaskConfig,
  multiTaskConfigSchema,
  resolveMultiTaskConfig,
} from '../../methods/multitask/config.js';
import { mainMetricKey } from '../../methods/multitask/report.js';
import { trainMultiTask } from '../../methods/multitask/run.js';
import type { Callback } from '../../train/callbacks.js';
import { defineCommand } from '../define-command.js';
import type { Output } from '../output.js';

/** After each epoch: the objective, then each task's loss and validation metric. */
function taskProgress(out: Output, config: MultiTaskConfig): Callback {
  return {
    onEpochEnd: (r) => {
      const tasks = config.tasks.map((t) => {
        const metric = `val_${t.name}_${mainMetricKey(t.kind)}`;
        const loss = r[`loss_${t.name}`];
        const value = r[metric];
        return `${t.name} ${typeof loss === 'number' ? `loss ${loss.toFixed(3)}` : ''}${typeof value === 'number' ? ` ${mainMetricKey(t.kind)} ${value.toFixed(3)}` : ''}`;
      });
      out.info(
        `epoch ${r.epoch}/${config.epochs}  loss ${Number(r.loss).toFixed(4)}  ${tasks.join('  ')}`,
      );
    },
  };
}

export function multitaskTrainSubcommand(parent: Command): Command {
  return defineCommand(parent, {
    name: 'train',
    description:
      'train one backbone with a head per task (classification, multilabel, detection, segmentation)',
    options: multiTaskConfigSchema,
    what: 'multi-task training',
    configFile: true,
    distributed: true,
    resolve: resolveMultiTaskConfig,
    async run(config, { out }) {
      const result = await trainMultiTask(config, {
        log: (line) => out.info(line),
        callbacks: [taskProgress(out, config)],
      });
      out.result(
        {
          bundle: result.bundleDir,
          report: result.reportFile,
          evaluatedOn: result.evaluatedOn,
          splits: result.splits,
          tasks: result.tasks.map(({ labels: _labels, ...t }) => t),
          skipped: result.skipped,
          seconds: result.seconds,
          metrics: result.metrics,
          config: result.config,
        },
        () =>
          [
            `multi-task ${config.strategy} on ${config.backbone} (${config.weighting}${config.pcgrad ? ' + PCGrad' : ''}): ${result.evaluatedOn} metrics`,
            ...result.tasks.map((t) => {
              const metrics = Object.entries(result.metrics)
                .filter(([k]) => k.startsWith(`${t.name}_`))
                .map(([k, v]) => `${k.slice(t.name.length + 1)} ${(v * 100).toFixed(1)}%`);
              return `  ${t.name} (${t.kind}, ${t.images} images): ${metrics.join(', ')}`;
            }),
            `bundle: ${result.bundleDir}`,
            `report: ${result.reportFile}`,
          ].join('\n'),
      );
    },
  });
}
