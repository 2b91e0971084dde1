// `visiontune detect eval`: COCO metrics of a detector bundle on boxes in any format; with --out,
// the COCO results file, metrics.json and a report with drawn samples.
import path from 'node:path';
import type { Command } from 'commander';
import { writeFileAtomic } from '../../engine/file-io.js';
import { evaluateDetector, openDetectorBundle } from '../../methods/detection/bundle-detector.js';
import { cocoResults } from '../../methods/detection/evaluate.js';
import { writeRunReport } from '../../methods/detection/report.js';
import { addCommonFlags, addEngineFlag, type CommonFlags, parseInteger, setUp } from '../common.js';
import { addDecodeFlags, type DecodeFlags, decodeOverrides } from './detect-flags.js';
import { formatDetectionMetrics } from './detect-format.js';

interface EvalFlags extends CommonFlags, DecodeFlags {
  engine: string;
  model: string;
  data: string;
  images?: string;
  split?: 'train' | 'val' | 'test';
  batch: number;
  out?: string;
  skipBad?: boolean;
}

export function detectEvalSubcommand(detect: Command): void {
  addEngineFlag(
    addCommonFlags(
      addDecodeFlags(
        detect
          .command('eval')
          .description('COCO metrics (AP, AP50, AP75, S/M/L, AR) of a detector on labelled boxes')
          .requiredOption(
            '--model <dir>',
            'detector bundle folder (or, with --engine onnx, an exported .onnx)',
          )
          .requiredOption('--data <path>', 'COCO .json, YOLO data.yaml, or a VOC folder')
          .option('--images <dir>', 'COCO: images folder (default: next to the .json)')
          .option('--split <name>', 'YOLO: which split of data.yaml (default val)', 'val')
          .option('--batch <n>', 'images per batch', parseInteger('--batch', 1), 8)
          .option('--out <dir>', 'also write detections.json, metrics.json and report.html here')
          .option(
            '--skip-bad',
            'leave out bad boxes and unreadable images (counted) instead of failing',
          ),
      ),
    ),
  ).action(async (flags: EvalFlags) => {
    const { out } = await setUp(flags);
    const detector = await openDetectorBundle(flags.model, flags);
    const { metrics, found, data, categoryIds, skippedImages } = await evaluateDetector(
      detector,
      flags.data,
      {
        images: flags.images,
        split:
          flags.data.endsWith('.yaml') || flags.data.endsWith('.yml') ? flags.split : undefined,
        batch: flags.batch,
        skipBad: flags.skipBad,
        decode: decodeOverrides(flags),
      },
    );
    const skipped = data.skipped.length + skippedImages;
    let files: Record<string, string> = {};
    if (flags.out) {
      const detections = path.join(flags.out, 'detections.json');
      const metricsFile = path.join(flags.out, 'metrics.json');
      await writeFileAtomic(detections, JSON.stringify(cocoResults(found, categoryIds)));
      await writeFileAtomic(
        metricsFile,
        `${JSON.stringify({ images: found.size, ...metrics }, null, 2)}\n`,
      );
      const report = await writeRunReport({
        out: flags.out,
        title: `detector ${flags.model} on ${flags.data}`,
        history: [],
        categories: detector.categories,
        metrics,
        found,
        config: { model: flags.model, data: flags.data },
        notes: skipped > 0 ? [`${skipped} bad boxes or images skipped`] : [],
      });
      files = { detections, metricsFile, report };
    }
    out.result(
      { model: flags.model, data: flags.data, images: found.size, skipped, metrics, ...files },
      () =>
        [
          `${found.size} images${skipped ? ` (${skipped} bad boxes or images skipped)` : ''}`,
          formatDetectionMetrics(metrics, detector.categories),
          ...Object.entries(files).map(([k, v]) => `${k}: ${v}`),
        ].join('\n'),
    );
  });
}
