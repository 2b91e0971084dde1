// `visiontune info <bundle>`: what a bundle is, without loading its weights.
import type { Command } from 'commander';
import { readBundleMeta } from '../../bundle/bundle.js';
import { Output } from '../output.js';

export function infoCommand(program: Command): void {
  program
    .command('info')
    .description('describe a model bundle')
    .argument('<bundle>', 'bundle folder')
    .option('--json', 'print visiontune.json as JSON')
    .action(async (dir: string, flags: { json?: boolean }) => {
      const meta = await readBundleMeta(dir);
      const p = meta.preprocessing;
      new Output(flags).result(meta, () =>
        [
          `bundle: ${dir}`,
          `task: ${meta.task}   backbone: ${meta.backbone.name}   format: v${meta.formatVersion}`,
          `labels (${meta.labels.length}): ${meta.labels.join(', ')}`,
          `input: ${p.inputSize}px ${p.interpolation}, mean ${p.mean.join('/')}, std ${p.std.join('/')}`,
          `metrics: ${
            Object.entries(meta.metrics)
              .map(([k, v]) => `${k}=${v.toFixed(4)}`)
              .join(' ') || '(none)'
          }`,
          `created: ${meta.createdAt} by visiontune ${meta.visiontuneVersion}`,
        ].join('\n'),
      );
    });
}
