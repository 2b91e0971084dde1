// `visiontune predict`: top-k classes for image files and folders with a bundle.
import type { Command } from 'commander';
import { closeBundle, openBundle } from '../../bundle/batch-model.js';
import { predictSamples } from '../../bundle/predict.js';
import { openFiles } from '../../data/index.js';
import { addCommonFlags, addEngineFlag, type CommonFlags, parseInteger, setUp } from '../common.js';

interface PredictFlags extends CommonFlags {
  model: string;
  topK: number;
  batchSize: number;
  skipBad?: boolean;
  engine: string;
}

export function predictCommand(program: Command): void {
  const command = addCommonFlags(
    program
      .command('predict')
      .description('classify images with a model bundle')
      .argument('<inputs...>', 'image files and/or folders (searched recursively)')
      .requiredOption(
        '--model <dir>',
        'model bundle folder (or, with --engine onnx, an exported .onnx)',
      )
      .option('--top-k <k>', 'classes to show per image', parseInteger('--top-k', 1), 3)
      .option('--batch-size <n>', 'images per batch', parseInteger('--batch-size', 1), 16)
      .option('--skip-bad', 'skip unreadable images instead of failing'),
  );
  addEngineFlag(command).action(async (inputs: string[], flags: PredictFlags) => {
    const { out } = await setUp(flags);
    const bundle = await openBundle(flags.model, flags);
    const source = await openFiles(inputs, { skipBad: flags.skipBad });
    const samples = source.splits.test ?? [];
    const bar = out.progress('predict', samples.length);
    const predictions = await predictSamples(bundle, source, samples, {
      topK: flags.topK,
      batchSize: flags.batchSize,
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
        model: flags.model,
        engine: flags.engine,
        predictions,
        skipped: source.skipped?.count ?? 0,
      },
      () =>
        predictions
          .map(
            (p) =>
              `${p.id}\t${p.top.map((t) => `${t.label} ${(t.probability * 100).toFixed(1)}%`).join('\t')}`,
          )
          .join('\n'),
    );
  });
}
