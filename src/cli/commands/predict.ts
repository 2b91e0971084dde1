// `visiontune predict`: top-k classes for image files and folders with a bundle.
import type { Command } from 'commander';
import { z } from 'zod';
import { closeBundle, openBundle } from '../../bundle/batch-model.js';
import { type Classified, predictSamples, type Scored } from '../../bundle/predict.js';
import { opt } from '../../config/options.js';
import { batchSizeField, skipBadField } from '../../config/run-fields.js';
import { openFiles } from '../../data/index.js';
import { defineCommand } from '../define-command.js';
import { bundleFields, openOptions, thresholdField } from './bundle-fields.js';

const predictOptions = z.object({
  ...bundleFields('classifier'),
  topK: opt(z.number().int().positive().default(3), 'classes to show per image', { arg: 'k' }),
  threshold: thresholdField,
  batchSize: batchSizeField(16),
  skipBad: skipBadField,
});

const percent = (t: Scored) => `${t.label} ${(t.probability * 100).toFixed(1)}%`;

/** A multi-label classifier prints the classes present (or that none is); others the top k. */
export function formatClasses(p: Classified): string {
  if (p.present) return p.present.length ? p.present.map(percent).join('\t') : '(none present)';
  return p.top.map(percent).join('\t');
}

export function predictCommand(program: Command): void {
  defineCommand(program, {
    name: 'predict',
    description: 'classify images with a model bundle',
    args: [['<inputs...>', 'image files and/or folders (searched recursively)']],
    options: predictOptions,
    what: 'predict',
    async run(options, { out, args, runtime }) {
      const bundle = await openBundle(options.model, openOptions(runtime, options));
      const source = await openFiles(args[0] as string[], { skipBad: options.skipBad });
      const samples = source.splits.test ?? [];
      const bar = out.progress('predict', samples.length);
      const predictions = await predictSamples(bundle, source, samples, {
        topK: options.topK,
        threshold: options.threshold,
        batchSize: options.batchSize,
        onBatch: (n) => bar.tick(n),
      });
      bar.stop();
      await closeBundle(bundle);
      if (source.skipped?.count) {
        out.info(
          `skipped ${source.skipped.count} bad input(s): ${source.skipped.examples.join('; ')}`,
        );
      }
      out.result(
        {
          model: options.model,
          engine: bundle.engine,
          predictions,
          skipped: source.skipped?.count ?? 0,
        },
        () => predictions.map((p) => `${p.id}\t${formatClasses(p)}`).join('\n'),
      );
    },
  });
}
