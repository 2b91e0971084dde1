// `visiontune adapt`: domain adaptation from a labelled source to an unlabelled target. Flags come
// from the adaptation config's schema and override a --config JSON file, as in `train`.
import type { Command } from 'commander';
import { adapt } from '../../methods/adapt/adapt.js';
import { adaptConfigSchema, resolveAdaptConfig } from '../../methods/adapt/config.js';
import { formatMetrics } from '../../metrics/index.js';
import type { EpochRecord } from '../../train/metrics-log.js';
import { defineCommand } from '../define-command.js';

const percent = (v: number | undefined) => (v === undefined ? '—' : `${(v * 100).toFixed(1)}%`);

function epochLine(r: EpochRecord, epochs: number): string {
  const part = (key: string, label: string, note = '') =>
    typeof r[key] === 'number' ? `  ${label} ${percent(r[key] as number)}${note}` : '';
  return (
    `epoch ${r.epoch}/${epochs}  loss ${Number(r.loss).toFixed(4)}` +
    part('val_accuracy', 'source val') +
    part('disc_accuracy', 'disc') +
    part('target_accuracy', 'target', ' (not used for selection)')
  );
}

export function adaptCommand(program: Command): void {
  defineCommand(program, {
    name: 'adapt',
    description:
      'domain adaptation: train on a labelled source so the model works on an unlabelled target',
    options: adaptConfigSchema,
    what: 'adaptation',
    configFile: true,
    distributed: true,
    resolve: resolveAdaptConfig,
    async run(config, { out }) {
      const result = await adapt(config, {
        log: (line) => out.info(line),
        callbacks: [{ onEpochEnd: (r) => out.info(epochLine(r, config.epochs)) }],
      });
      const shown = result.targetMetrics ?? result.sourceMetrics;
      const distance = result.proxyADistance;
      out.result(
        {
          bundle: result.bundleDir,
          report: result.reportFile,
          selectedEpoch: result.selectedEpoch,
          targetAccuracy: result.targetMetrics?.accuracy,
          sourceValAccuracy: result.sourceMetrics?.accuracy,
          proxyADistance: distance,
          seconds: result.seconds,
          targetMetrics: result.targetMetrics,
          config: result.config,
        },
        () =>
          [
            `${config.method} on ${config.backbone}: epoch ${result.selectedEpoch ?? 'last'} kept (${config.selection})`,
            `source val accuracy ${percent(result.sourceMetrics?.accuracy)}; target test accuracy ${percent(result.targetMetrics?.accuracy)}`,
            ...(distance
              ? [`proxy A-distance ${distance.before.toFixed(2)} → ${distance.after.toFixed(2)}`]
              : []),
            ...(shown ? [formatMetrics(shown, result.labels, { confusionMaxClasses: 0 })] : []),
            `bundle: ${result.bundleDir}`,
            `report: ${result.reportFile}`,
          ].join('\n'),
      );
    },
  });
}
