// `visiontune detect eval`: COCO metrics of a detector bundle on boxes in any format; with --out,
// the COCO results file, metrics.json and a report with drawn samples.
import path from 'node:path';
import type { Command } from 'commander';
import { z } from 'zod';
import { opt } from '../../config/options.js';
import { overwriteField, skipBadField } from '../../config/run-fields.js';
import { writeFileAtomic } from '../../engine/file-io.js';
import { withOutDir } from '../../guard/out-dir.js';
import { evaluateDetector, openDetectorBundle } from '../../methods/detection/bundle-detector.js';
import { cocoResults } from '../../methods/detection/evaluate.js';
import { writeRunReport } from '../../methods/detection/report.js';
import { defineCommand } from '../define-command.js';
import { openOptions } from './bundle-fields.js';
import { formatDetectionMetrics } from './detect-format.js';
import { decodeOverrides, detectorRunFields } from './detect-inference-fields.js';

export const detectEvalOptionsSchema = z.object({
  ...detectorRunFields,
  data: opt(z.string().min(1), 'COCO .json, YOLO data.yaml, or a VOC folder', { arg: 'path' }),
  images: opt(z.string().optional(), 'COCO: images folder (default: next to the .json)', {
    arg: 'dir',
  }),
  split: opt(z.enum(['train', 'val', 'test']).default('val'), 'YOLO: which split of data.yaml', {
    arg: 'name',
  }),
  out: opt(z.string().optional(), 'also write detections.json, metrics.json and report.html here', {
    arg: 'dir',
  }),
  overwrite: overwriteField,
  skipBad: opt(
    skipBadField,
    'leave out bad boxes and unreadable images (counted) instead of failing',
  ),
});

export function detectEvalSubcommand(detect: Command): void {
  defineCommand(detect, {
    name: 'eval',
    description: 'COCO metrics (AP, AP50, AP75, S/M/L, AR) of a detector on labelled boxes',
    options: detectEvalOptionsSchema,
    what: 'detection evaluation',
    async run(config, { out, runtime }) {
      const detector = await openDetectorBundle(config.model, openOptions(runtime, config));
      const { metrics, found, data, categoryIds, skippedImages } = await evaluateDetector(
        detector,
        config.data,
        {
          images: config.images,
          split:
            config.data.endsWith('.yaml') || config.data.endsWith('.yml')
              ? config.split
              : undefined,
          batch: config.batch,
          skipBad: config.skipBad,
          decode: decodeOverrides(config),
        },
      );
      const skipped = data.skipped.length + skippedImages;
      let files: Record<string, string> = {};
      if (config.out) {
        const dir = config.out;
        files = await withOutDir(
          dir,
          { kind: 'evaluation', overwrite: config.overwrite },
          async () => {
            const detections = path.join(dir, 'detections.json');
            const metricsFile = path.join(dir, 'metrics.json');
            await writeFileAtomic(detections, JSON.stringify(cocoResults(found, categoryIds)));
            await writeFileAtomic(
              metricsFile,
              `${JSON.stringify({ images: found.size, ...metrics }, null, 2)}\n`,
            );
            const report = await writeRunReport({
              out: dir,
              title: `detector ${config.model} on ${config.data}`,
              history: [],
              categories: detector.categories,
              metrics,
              found,
              config: { model: config.model, data: config.data },
              notes: skipped > 0 ? [`${skipped} bad boxes or images skipped`] : [],
            });
            return { detections, metricsFile, report };
          },
        );
      }
      out.result(
        { model: config.model, data: config.data, images: found.size, skipped, metrics, ...files },
        () =>
          [
            `${found.size} images${skipped ? ` (${skipped} bad boxes or images skipped)` : ''}`,
            formatDetectionMetrics(metrics, detector.categories),
            ...Object.entries(files).map(([k, v]) => `${k}: ${v}`),
          ].join('\n'),
      );
    },
  });
}
