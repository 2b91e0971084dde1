// `visiontune predict`: top-k classes for image files and folders with a bundle.
import type { Command } from 'commander';
import { loadBundle } from '../../bundle/bundle.js';
import { loadOnnxBundle } from '../../bundle/onnx/load.js';
import { predictSamples } from '../../bundle/predict.js';
import { openFiles } from '../../data/index.js';
import { badUsage } from '../../errors.js';
import { addCommonFlags, type CommonFlags, parseInteger, setUp } from '../common.js';

interface PredictFlags extends CommonFlags {
  model: string;
  topK: number;
  batchSize: number;
  skipBad?: boolean;
  engine: string;
}

const ENGINES = ['tfjs', 'onnx'];

export function predictCommand(program: Command): void {
  addCommonFlags(
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
      .option('--skip-bad', 'skip unreadable images instead of failing')
      .option('--engine <engine>', 'run the model in TF.js or ONNX Runtime (tfjs|onnx)', 'tfjs'),
  ).action(async (inputs: string[], flags: PredictFlags) => {
    if (!ENGINES.includes(flags.engine))
      throw badUsage(`--engine: expected one of ${ENGINES.join(', ')} (got '${flags.engine}')`);
    if (flags.engine === 'tfjs' && flags.model.endsWith('.onnx'))
      throw badUsage(`${flags.model} is an ONNX model: add --engine onnx`);
    const { out } = await setUp(flags);
    const bundle =
      flags.engine === 'onnx'
        ? await loadOnnxBundle(flags.model, { threads: flags.threads })
        : await loadBundle(flags.model);
    const source = await openFiles(inputs, { skipBad: flags.skipBad });
    const samples = source.splits.test ?? [];
    const bar = out.progress('predict', samples.length);
    const predictions = await predictSamples(bundle, source, samples, {
      topK: flags.topK,
      batchSize: flags.batchSize,
      onBatch: (n) => bar.tick(n),
    });
    bar.stop();
    if ('runner' in bundle) await bundle.runner.release();
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
