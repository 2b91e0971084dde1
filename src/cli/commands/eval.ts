// `visiontune eval`: a bundle's metrics on labelled data (accuracy, top-k, balanced accuracy,
// per-class precision/recall/F1, confusion matrix, calibration).
import type { Command } from 'commander';
import { z } from 'zod';
import { openBundle } from '../../bundle/batch-model.js';
import { evaluateBundle } from '../../bundle/evaluate.js';
import { evaluateMultiLabel } from '../../bundle/multitask/multilabel-evaluate.js';
import { formatMultiLabelMetrics } from '../../bundle/multitask/multilabel-format.js';
import { opt } from '../../config/options.js';
import {
  batchSizeField,
  scoreSplitField,
  skipBadField,
  verifyField,
} from '../../config/run-fields.js';
import { openSource, pickSplit } from '../../data/index.js';
import { formatMetrics } from '../../metrics/index.js';
import { defineCommand } from '../define-command.js';
import { bundleFields, openOptions, thresholdField } from './bundle-fields.js';

const evalOptions = z.object({
  ...bundleFields('classifier'),
  data: opt(
    z.string().min(1),
    'image folder, .csv/.jsonl manifest (multi-label: path,labels with ;-separated labels), or mnist / fashion-mnist',
  ),
  split: scoreSplitField,
  batchSize: batchSizeField(32),
  skipBad: skipBadField,
  verify: verifyField,
  threshold: thresholdField,
});

export function evalCommand(program: Command): void {
  defineCommand(program, {
    name: 'eval',
    description: 'evaluate a classification bundle on labelled images',
    options: evalOptions,
    what: 'eval',
    async run(options, { out, runtime }) {
      const bundle = await openBundle(options.model, openOptions(runtime, options));
      if (bundle.meta.multiLabel) {
        const metrics = await evaluateMultiLabel(bundle, options.data, {
          threshold: options.threshold,
          batchSize: options.batchSize,
          split: options.split,
        });
        out.result(
          { model: options.model, data: options.data, labels: bundle.meta.labels, ...metrics },
          () => formatMultiLabelMetrics(metrics, bundle.meta.labels),
        );
        return;
      }
      const source = await openSource(options.data, {
        skipBad: options.skipBad,
        verify: options.verify,
      });
      const samples = pickSplit(source.splits, options.split);
      const bar = out.progress('eval', samples.length);
      const metrics = await evaluateBundle(bundle, source, samples, {
        batchSize: options.batchSize,
        onBatch: (n) => bar.tick(n),
      });
      bar.stop();
      out.result(
        { model: options.model, data: source.name, labels: bundle.meta.labels, ...metrics },
        () => formatMetrics(metrics, bundle.meta.labels),
      );
    },
  });
}
