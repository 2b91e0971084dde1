// `visiontune segment eval`: mIoU, pixel accuracy and per-class IoU of a segmentation bundle on
// labelled pairs; with --out, metrics.json and a report with image / truth / prediction strips.
import path from 'node:path';
import { type Command, Option } from 'commander';
import { writeFileAtomic } from '../../engine/file-io.js';
import {
  evaluateSegmenterBundle,
  openSegmenterBundle,
} from '../../methods/segmentation/bundle-segmenter.js';
import { writeRunReport } from '../../methods/segmentation/report.js';
import { addCommonFlags, addEngineFlag, type CommonFlags, setUp } from '../common.js';
import { formatSegmentationMetrics } from './segment-format.js';
import {
  addInferenceFlags,
  type InferenceFlags,
  inferenceOptions,
} from './segment-inference-flags.js';

interface EvalFlags extends CommonFlags, InferenceFlags {
  engine: string;
  model: string;
  data: string;
  images?: string;
  split?: 'train' | 'val' | 'test';
  maskMode?: 'index' | 'palette' | 'binary';
  out?: string;
  skipBad?: boolean;
}

export function segmentEvalSubcommand(segment: Command): void {
  addEngineFlag(
    addCommonFlags(
      addInferenceFlags(
        segment
          .command('eval')
          .description(
            'mIoU, pixel accuracy, per-class IoU and Dice of a segmenter on labelled pairs',
          )
          .requiredOption(
            '--model <dir>',
            'segmenter bundle folder (or, with --engine onnx, an exported .onnx)',
          )
          .requiredOption('--data <path>', 'images/ + masks/ folder, a VOC folder, or a COCO .json')
          .option('--images <dir>', 'COCO: images folder (default: next to the .json)')
          .option('--split <name>', 'VOC: which ImageSets/Segmentation list (default val)', 'val')
          .addOption(
            new Option(
              '--mask-mode <mode>',
              "how mask PNGs encode classes (default: the bundle's)",
            ).choices(['index', 'palette', 'binary']),
          )
          .option('--out <dir>', 'also write metrics.json and report.html here')
          .option(
            '--skip-bad',
            'leave out bad pairs and unreadable images (counted) instead of failing',
          ),
      ),
    ),
  ).action(async (flags: EvalFlags) => {
    const { out } = await setUp(flags);
    const segmenter = await openSegmenterBundle(flags.model, flags);
    const evaluation = await evaluateSegmenterBundle(segmenter, flags.data, {
      ...inferenceOptions(flags),
      images: flags.images,
      split: flags.split,
      maskMode: flags.maskMode,
      skipBad: flags.skipBad,
      keep: flags.out ? 6 : 0,
    });
    const { metrics, data } = evaluation;
    const skipped = data.skipped.length + evaluation.skipped.count;
    const images = data.samples.length - evaluation.skipped.count;
    let files: Record<string, string> = {};
    if (flags.out) {
      const metricsFile = path.join(flags.out, 'metrics.json');
      await writeFileAtomic(
        metricsFile,
        `${JSON.stringify({ images, modes: evaluation.modes, ...metrics }, null, 2)}\n`,
      );
      const report = await writeRunReport({
        out: flags.out,
        title: `segmenter ${flags.model} on ${flags.data}`,
        history: [],
        classes: segmenter.classes,
        ignoreIndex: segmenter.ignoreIndex,
        evaluation,
        evaluatedOn: path.basename(flags.data),
        config: { model: flags.model, data: flags.data, ...inferenceOptions(flags) },
        notes: skipped > 0 ? [`${skipped} bad pairs or images skipped`] : [],
      });
      files = { metricsFile, report };
    }
    out.result(
      {
        model: flags.model,
        data: flags.data,
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
  });
}
