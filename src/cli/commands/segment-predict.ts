// `visiontune segment predict`: a mask the size of each input image, written as an index PNG
// (class per pixel), a coloured mask and an overlay on the photo.
import type { Command } from 'commander';
import { z } from 'zod';
import { opt } from '../../config/options.js';
import { outFields, skipBadField } from '../../config/run-fields.js';
import { openFiles } from '../../data/index.js';
import { withOutDir } from '../../guard/out-dir.js';
import { openSegmenterBundle, predictMasks } from '../../methods/segmentation/bundle-segmenter.js';
import { defineCommand } from '../define-command.js';
import { openOptions } from './bundle-fields.js';
import { inferenceOptions, segmenterRunFields } from './segment-inference-fields.js';

export const segmentPredictOptionsSchema = z.object({
  ...segmenterRunFields,
  ...outFields('runs/segment-predict'),
  draw: opt(z.boolean().default(true), 'write only the index PNGs (no coloured masks or overlays)'),
  skipBad: opt(skipBadField, 'skip unreadable images instead of failing'),
});

export function segmentPredictSubcommand(segment: Command): void {
  defineCommand(segment, {
    name: 'predict',
    description: "segment images with a segmenter bundle (masks at each image's own size)",
    args: [['<inputs...>', 'image files and/or folders (searched recursively)']],
    options: segmentPredictOptionsSchema,
    what: 'segmentation',
    async run(config, { out, runtime, args }) {
      await withOutDir(
        config.out,
        { kind: 'predictions', overwrite: config.overwrite },
        async () => {
          const inputs = args[0] as string[];
          const segmenter = await openSegmenterBundle(config.model, openOptions(runtime, config));
          const source = await openFiles(inputs, { skipBad: config.skipBad });
          const files = (source.splits.test ?? []).map((s) => s.id);
          const { predictions, skipped } = await predictMasks(segmenter, files, {
            ...inferenceOptions(config),
            out: config.out,
            draw: config.draw,
            skipBad: config.skipBad,
          });
          const badCount = (source.skipped?.count ?? 0) + skipped.count;
          out.result({ model: config.model, out: config.out, skipped: badCount, predictions }, () =>
            [
              ...predictions.map((p) => {
                const top = Object.entries(p.classShares)
                  .sort((a, b) => b[1] - a[1])
                  .slice(0, 4)
                  .map(([name, share]) => `${name} ${(100 * share).toFixed(1)}%`);
                const at = p.segmentedAt
                  ? `, at ${p.segmentedAt.width}x${p.segmentedAt.height}`
                  : '';
                return `${p.file}\t${p.width}x${p.height} (${p.mode}${p.mode === 'slide' ? `, ${p.windows} windows` : ''}${at})\t${top.join(', ')}\t${p.mask}`;
              }),
              ...(badCount ? [`skipped ${badCount} unreadable image(s)`] : []),
            ].join('\n'),
          );
        },
      );
    },
  });
}
