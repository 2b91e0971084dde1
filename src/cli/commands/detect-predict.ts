// `visiontune detect predict`: boxes for image files and folders with a detector bundle, written
// as a COCO results file (image_id = the file name without extension) and as drawn images.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { z } from 'zod';
import { opt } from '../../config/options.js';
import { outFields, skipBadField } from '../../config/run-fields.js';
import { openFiles } from '../../data/index.js';
import { writeFileAtomic } from '../../engine/file-io.js';
import { withOutDir } from '../../guard/out-dir.js';
import {
  openDetectorBundle,
  runDetector,
  unannotated,
} from '../../methods/detection/bundle-detector.js';
import { cocoResults } from '../../methods/detection/evaluate.js';
import { DRAW_SCORE, drawSample } from '../../methods/detection/report.js';
import { defineCommand } from '../define-command.js';
import { openOptions } from './bundle-fields.js';
import { decodeOverrides, detectorRunFields } from './detect-inference-fields.js';

/** Drawn images are shrunk to this longer side: a 16k photo drawn whole would take gigabytes. */
const DRAWN_MAX_SIDE = 4096;

export const detectPredictOptionsSchema = z.object({
  ...detectorRunFields,
  ...outFields('runs/detect-predict'),
  draw: opt(z.boolean().default(true), 'skip the drawn images'),
  skipBad: opt(skipBadField, 'skip unreadable images instead of failing'),
});

export function detectPredictSubcommand(detect: Command): void {
  defineCommand(detect, {
    name: 'predict',
    description: 'find objects in images with a detector bundle',
    args: [['<inputs...>', 'image files and/or folders (searched recursively)']],
    options: detectPredictOptionsSchema,
    what: 'detection',
    async run(config, { out, runtime, args }) {
      await withOutDir(
        config.out,
        { kind: 'predictions', overwrite: config.overwrite },
        async () => {
          const inputs = args[0] as string[];
          const detector = await openDetectorBundle(config.model, openOptions(runtime, config));
          const source = await openFiles(inputs, { skipBad: config.skipBad });
          const files = (source.splits.test ?? []).map((s) => s.id);
          const { results, skipped } = await runDetector(detector, unannotated(files), {
            batch: config.batch,
            skipBad: config.skipBad,
            decode: decodeOverrides(config),
          });
          const detectionsFile = path.join(config.out, 'detections.json');
          const rows = cocoResults(results, detector.categoryIds);
          await writeFileAtomic(detectionsFile, JSON.stringify(rows));
          const drawnDir = path.join(config.out, 'images');
          if (config.draw) {
            await fs.mkdir(drawnDir, { recursive: true });
            const minScore = Math.max(DRAW_SCORE, config.scoreThreshold ?? 0);
            for (const [sample, found] of results) {
              const name = `${sample.sourceId}.jpg`;
              const image = await drawSample(sample, found, detector.categories, {
                minScore,
                maxSide: DRAWN_MAX_SIDE,
              });
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
              model: config.model,
              detections: detectionsFile,
              images: config.draw ? drawnDir : undefined,
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
                ...(config.draw ? [`drawn images: ${drawnDir}`] : []),
                ...(badCount ? [`skipped ${badCount} unreadable image(s)`] : []),
              ].join('\n'),
          );
        },
      );
    },
  });
}
