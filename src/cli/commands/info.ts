// `visiontune info <bundle>`: what a bundle is, without loading its weights.
import type { Command } from 'commander';
import { z } from 'zod';
import { readBundleMeta } from '../../bundle/bundle.js';
import { describeBase } from '../../bundle/delta/schema.js';
import { defineCommand } from '../define-command.js';

export function infoCommand(program: Command): void {
  defineCommand(program, {
    name: 'info',
    description: 'describe a model bundle',
    args: [['<bundle>', 'bundle folder, or a run folder (its bundle/)']],
    options: z.object({}),
    what: 'info',
    engine: false,
    async run(_, { out, args }) {
      const dir = args[0] as string;
      const meta = await readBundleMeta(dir);
      const p = meta.preprocessing;
      out.result(meta, () =>
        [
          `bundle: ${dir}`,
          `task: ${meta.task}   backbone: ${meta.backbone.name}   format: v${meta.formatVersion}`,
          ...(meta.multitask
            ? meta.multitask.tasks.map(
                (t) =>
                  `task ${t.name} (output ${t.output}, ${t.multiLabel ? 'multi-label ' : ''}${t.task}): ${t.labels.join(', ')}`,
              )
            : [`labels (${meta.labels.length}): ${meta.labels.join(', ')}`]),
          ...(meta.delta
            ? [
                `delta of: ${describeBase(meta.delta.base)}, weights sha256 ${meta.delta.base.weightsSha256.slice(0, 16)}… (${meta.delta.weights.length} weights stored)`,
              ]
            : []),
          `input: ${p.inputSize}px ${p.interpolation}, mean ${p.mean.join('/')}, std ${p.std.join('/')}`,
          `metrics: ${
            Object.entries(meta.metrics)
              .map(([k, v]) => `${k}=${v.toFixed(4)}`)
              .join(' ') || '(none)'
          }`,
          `created: ${meta.createdAt} by visiontune ${meta.visiontuneVersion}`,
        ].join('\n'),
      );
    },
  });
}
