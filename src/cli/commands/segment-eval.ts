// `visiontune segment eval`: mIoU, pixel accuracy and per-class IoU of a segmentation bundle on
// labelled pairs; with --out, metrics.json and a report with image / truth / prediction strips.
import path from 'node:path';
import type { Command } from 'commander';
import { z } from 'zod';
import { opt } from '../../config/options.js';
import { overwriteField, skipBadField } from '../../config/run-fields.js';
import { writeFileAtomic } from '../../engine/file-io.js';
import { withOutDir } from '../../guard/out-dir.js';
import {
  evaluateSegmenterBundle,
  openSegmenterBundle,
} from '../../methods/segmentation/bundle-segmenter.js';
import { bundledOverrideFields } from '../../methods/segmentation/config.js';
import { writeRunReport } from '../../methods/segmentation/report.js';
import { defineCommand } from '../define-command.js';
import { openOptions } from './bundle-fields.js';
import { formatSegmentationMetrics } from './segment-format.js';
import { inferenceOptions, segmenterRunFields } from './segment-inference-fields.js';

export const segmentEvalOptionsSchema = z.object({
  ...segmenterRunFields,
  data: opt(z.string().min(1), 'images/ + masks/ folder, a VOC folder, or a COCO .json', {
    arg: 'path',
  }),
  images: opt(z.string().optional(), 'COCO: images folder (default: next to the .json)', {
    arg: 'dir',
  }),
  split: opt(
    z.enum(['train', 'val', 'test']).default('val'),
    'VOC: which ImageSets/Segmentation list',
    { arg: 'name' },
  ),
  maskMode: bundledOverrideFields.maskMode,
  out: opt(z.string().optional(), 'also write metrics.json and report.html here', { arg: 'dir' }),
  overwrite: overwriteField,
  skipBad: opt(
    skipBadField,
    'leave out bad pairs and unreadable images (counted) instead of failing',
  ),
});

export function segmentEvalSubcommand(segment: Command): void {
  defineCommand(segment, {
    name: 'eval',
    description: 'mIoU, pixel accuracy, per-class IoU and Dice of a segmenter on labelled pairs',
    options: segmentEvalOptionsSchema,
    what: 'segmentation evaluation',
    async run(config, { out, runtime }) {
      const segmenter = await openSegmenterBundle(config.model, openOptions(runtime, config));
      const evaluation = await evaluateSegmenterBundle(segmenter, config.data, {
        ...inferenceOptions(config),
        images: config.images,
        split: config.split,
        maskMode: config.maskMode,
        skipBad: config.skipBad,
        keep: config.out ? 6 : 0,
      });
      const { metrics, data } = evaluation;
      const skipped = data.skipped.length + evaluation.skipped.count;
      const images = data.samples.length - evaluation.skipped.count;
      let files: Record<string, string> = {};
      if (config.out) {
        const dir = config.out;
        files = await withOutDir(
          dir,
          { kind: 'evaluation', overwrite: config.overwrite },
          async () => {
            const metricsFile = path.join(dir, 'metrics.json');
            await writeFileAtomic(
              metricsFile,
              `${JSON.stringify({ images, modes: evaluation.modes, ...metrics }, null, 2)}\n`,
            );
            const report = await writeRunReport({
              out: dir,
              title: `segmenter ${config.model} on ${config.data}`,
              history: [],
              classes: segmenter.classes,
              ignoreIndex: segmenter.ignoreIndex,
              evaluation,
              evaluatedOn: path.basename(config.data),
              config: { model: config.model, data: config.data, ...inferenceOptions(config) },
              notes: skipped > 0 ? [`${skipped} bad pairs or images skipped`] : [],
            });
            return { metricsFile, report };
          },
        );
      }
      out.result(
        {
          model: config.model,
          data: config.data,
          images,
          skipped,
          modes: evaluation.modes,
          metrics,
          ...files,
        },
        () =>
          [
            `${images} images${skipped ? ` (${skipped} bad pairs or images skipped)` : ''}`,
            formatSegmentationMetrics(metrics, segmenter.classes),
            ...Object.entries(files).map(([k, v]) => `${k}: ${v}`),
          ].join('\n'),
      );
    },
  });
}
