// `visiontune detect predict`: boxes for image files and folders with a detector bundle, written
// as a COCO results file (image_id = the file name without extension) and as drawn images.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { openFiles } from '../../data/index.js';
import { writeFileAtomic } from '../../engine/file-io.js';
import {
  openDetectorBundle,
  runDetector,
  unannotated,
} from '../../methods/detection/bundle-detector.js';
import { cocoResults } from '../../methods/detection/evaluate.js';
import { DRAW_SCORE, drawSample } from '../../methods/detection/report.js';
import { addCommonFlags, addEngineFlag, type CommonFlags, parseInteger, setUp } from '../common.js';
import { addDecodeFlags, type DecodeFlags, decodeOverrides } from './detect-flags.js';

interface PredictFlags extends CommonFlags, DecodeFlags {
  engine: string;
  model: string;
  out: string;
  batch: number;
  draw: boolean;
  skipBad?: boolean;
}

export function detectPredictSubcommand(detect: Command): void {
  addEngineFlag(
    addCommonFlags(
      addDecodeFlags(
        detect
          .command('predict')
          .description('find objects in images with a detector bundle')
          .argument('<inputs...>', 'image files and/or folders (searched recursively)')
          .requiredOption(
            '--model <dir>',
            'detector bundle folder (or, with --engine onnx, an exported .onnx)',
          )
          .option('--out <dir>', 'output folder', 'runs/detect-predict')
          .option('--batch <n>', 'images per batch', parseInteger('--batch', 1), 8)
          .option('--no-draw', 'skip the drawn images')
          .option('--skip-bad', 'skip unreadable images instead of failing'),
      ),
    ),
  ).action(async (inputs: string[], flags: PredictFlags) => {
    const { out } = await setUp(flags);
    const detector = await openDetectorBundle(flags.model, flags);
    const source = await openFiles(inputs, { skipBad: flags.skipBad });
    const files = (source.splits.test ?? []).map((s) => s.id);
    const { results, skipped } = await runDetector(detector, unannotated(files), {
      batch: flags.batch,
      skipBad: flags.skipBad,
      decode: decodeOverrides(flags),
    });
    const detectionsFile = path.join(flags.out, 'detections.json');
    const rows = cocoResults(results, detector.categoryIds);
    await writeFileAtomic(detectionsFile, JSON.stringify(rows));
    const drawnDir = path.join(flags.out, 'images');
    if (flags.draw) {
      await fs.mkdir(drawnDir, { recursive: true });
      const minScore = Math.max(DRAW_SCORE, flags.scoreThreshold ?? 0);
      for (const [sample, found] of results) {
        const name = `${sample.sourceId}.jpg`;
        const image = await drawSample(sample, found, detector.categories, { minScore });
        await writeFileAtomic(path.join(drawnDir, name), image);
      }
    }
    const badCount = (source.skipped?.count ?? 0) + skipped.count;
    const perImage = [...results].map(([s, found]) => ({
      file: s.id,
      detections: found.map((f) => ({
        label: detector.categories[f.category],
        score: f.score,
        bbox: f.bbox,
      })),
    }));
    out.result(
      {
        model: flags.model,
        detections: detectionsFile,
        images: flags.draw ? drawnDir : undefined,
        skipped: badCount,
        predictions: perImage,
      },
      () =>
        [
          ...perImage.map((p) => {
            const kept = p.detections.filter((d) => d.score >= DRAW_SCORE);
            return `${p.file}\t${kept.length} objects${kept.length ? `: ${kept.map((d) => `${d.label} ${d.score.toFixed(2)}`).join(', ')}` : ''}`;
          }),
          `detections: ${detectionsFile}`,
          ...(flags.draw ? [`drawn images: ${drawnDir}`] : []),
          ...(badCount ? [`skipped ${badCount} unreadable image(s)`] : []),
        ].join('\n'),
    );
  });
}
