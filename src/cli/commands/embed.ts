// `visiontune embed`: pooled backbone features + labels for every image of a source, streamed
// to a JSON Lines file (for analysis, and for the linear probe's cache).
import { type Command, Option } from 'commander';
import { createModel } from '../../backbones/index.js';
import { createLoader, evalTransform, openSource, type VerifyLevel } from '../../data/index.js';
import type { Sample, SplitName } from '../../data/types.js';
import { badInput } from '../../errors.js';
import { embedBatches } from '../../methods/embed.js';
import { writeEmbeddings } from '../../methods/embeddings-file.js';
import { addCommonFlags, type CommonFlags, parseInteger, setUp } from '../common.js';

interface EmbedFlags extends CommonFlags {
  backbone: string;
  data: string;
  out: string;
  split: SplitName | 'all';
  inputSize?: number;
  layer?: string;
  cut?: string;
  batchSize: number;
  skipBad?: boolean;
  verify: VerifyLevel;
}

export function embedCommand(program: Command): void {
  addCommonFlags(
    program
      .command('embed')
      .description('write pooled backbone embeddings and labels of a dataset to a .jsonl file')
      .requiredOption(
        '--backbone <name>',
        'registry name, or path/URL of a TF.js layers model.json',
      )
      .requiredOption(
        '--data <source>',
        'image folder, .csv/.jsonl manifest, or mnist / fashion-mnist',
      )
      .requiredOption('--out <file>', 'output .jsonl file')
      .addOption(
        new Option('--split <name>', 'which split to embed')
          .choices(['all', 'train', 'val', 'test'])
          .default('all'),
      )
      .option(
        '--input-size <px>',
        'square input size (default: the backbone native size)',
        parseInteger('--input-size', 1),
      )
      .option('--layer <name>', 'layer to pool (default: the backbone embedding layer)')
      .option('--cut <layer>', 'with a model path: the layer to cut the body at')
      .option('--batch-size <n>', 'images per batch', parseInteger('--batch-size', 1), 16)
      .option('--skip-bad', 'skip bad images (counted and named) instead of failing')
      .addOption(
        new Option('--verify <level>', 'check images before starting: header (fast) or full decode')
          .choices(['none', 'header', 'full'])
          .default('header'),
      ),
  ).action(async (flags: EmbedFlags) => {
    const { out } = await setUp(flags);
    const source = await openSource(flags.data, { skipBad: flags.skipBad, verify: flags.verify });
    const samples: Sample[] =
      flags.split === 'all'
        ? Object.values(source.splits).flat()
        : (source.splits[flags.split] ?? []);
    if (samples.length === 0)
      throw badInput(`${source.name} has no images in split '${flags.split}'`);
    const { model, config } = await createModel(flags.backbone, {
      inputSize: flags.inputSize,
      embeddingLayer: flags.layer,
      cut: flags.cut,
    });
    const loader = createLoader(source, samples, {
      batchSize: flags.batchSize,
      transform: evalTransform(config),
    });
    const bar = out.progress('embed', samples.length);
    const rows = await writeEmbeddings(
      flags.out,
      {
        backbone: flags.backbone,
        layer: config.embeddingLayer,
        inputSize: config.inputSize,
        dim: config.embeddingDim,
        classes: source.classes,
        data: source.name,
      },
      embedBatches(model, loader),
      (n) => bar.tick(n),
    );
    bar.stop();
    // The loader's report includes the source's up-front skips and any found while decoding.
    const skipped = loader.skipped;
    if (skipped.count)
      out.info(`skipped ${skipped.count} bad input(s): ${skipped.examples.join('; ')}`);
    out.result(
      { out: flags.out, rows, dim: config.embeddingDim, skipped: skipped.count },
      () =>
        `wrote ${rows} embeddings (${config.embeddingDim}-d, ${config.embeddingLayer} of ${flags.backbone}) to ${flags.out}`,
    );
  });
}
