// `visiontune segment predict`: a mask the size of each input image, written as an index PNG
// (class per pixel), a coloured mask and an overlay on the photo.
import type { Command } from 'commander';
import { openFiles } from '../../data/index.js';
import { openSegmenterBundle, predictMasks } from '../../methods/segmentation/bundle-segmenter.js';
import { addCommonFlags, addEngineFlag, type CommonFlags, setUp } from '../common.js';
import {
  addInferenceFlags,
  type InferenceFlags,
  inferenceOptions,
} from './segment-inference-flags.js';

interface PredictFlags extends CommonFlags, InferenceFlags {
  engine: string;
  model: string;
  out: string;
  draw: boolean;
  skipBad?: boolean;
}

export function segmentPredictSubcommand(segment: Command): void {
  addEngineFlag(
    addCommonFlags(
      addInferenceFlags(
        segment
          .command('predict')
          .description("segment images with a segmenter bundle (masks at each image's own size)")
          .argument('<inputs...>', 'image files and/or folders (searched recursively)')
          .requiredOption(
            '--model <dir>',
            'segmenter bundle folder (or, with --engine onnx, an exported .onnx)',
          )
          .option('--out <dir>', 'output folder', 'runs/segment-predict')
          .option('--no-draw', 'write only the index PNGs (no coloured masks or overlays)')
          .option('--skip-bad', 'skip unreadable images instead of failing'),
      ),
    ),
  ).action(async (inputs: string[], flags: PredictFlags) => {
    const { out } = await setUp(flags);
    const segmenter = await openSegmenterBundle(flags.model, flags);
    const source = await openFiles(inputs, { skipBad: flags.skipBad });
    const files = (source.splits.test ?? []).map((s) => s.id);
    const { predictions, skipped } = await predictMasks(segmenter, files, {
      ...inferenceOptions(flags),
      out: flags.out,
      draw: flags.draw,
      skipBad: flags.skipBad,
    });
    const badCount = (source.skipped?.count ?? 0) + skipped.count;
    out.result({ model: flags.model, out: flags.out, skipped: badCount, predictions }, () =>
      [
        ...predictions.map((p) => {
          const top = Object.entries(p.classShares)
            .sort((a, b) => b[1] - a[1])
            .slice(0, 4)
            .map(([name, share]) => `${name} ${(100 * share).toFixed(1)}%`);
          return `${p.file}\t${p.width}x${p.height} (${p.mode}${p.mode === 'slide' ? `, ${p.windows} windows` : ''})\t${top.join(', ')}\t${p.mask}`;
        }),
        ...(badCount ? [`skipped ${badCount} unreadable image(s)`] : []),
      ].join('\n'),
    );
  });
}
