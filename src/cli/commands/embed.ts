// `visiontune embed`: pooled backbone features + labels for every image of a source, streamed
// to a JSON Lines file (for analysis, and for the linear probe's cache).
import type { Command } from 'commander';
import { z } from 'zod';
import { createModel } from '../../backbones/index.js';
import { frozenForward } from '../../bundle/onnx/frozen-forward.js';
import { opt } from '../../config/options.js';
import { batchSizeField, layerField, skipBadField, verifyField } from '../../config/run-fields.js';
import { createLoader, evalTransform, openSource } from '../../data/index.js';
import type { DataSource, Sample } from '../../data/types.js';
import { badInput } from '../../errors.js';
import { embedBatches } from '../../methods/embed.js';
import { writeEmbeddings } from '../../methods/embeddings-file.js';
import { describeResolved, resolveLayer } from '../../methods/rank/auto-layer.js';
import { AUTO_LAYER } from '../../methods/rank/choose-layer.js';
import { defineCommand } from '../define-command.js';

const embedOptions = z.object({
  backbone: opt(z.string().min(1), 'registry name, or path/URL of a TF.js layers model.json', {
    arg: 'name',
  }),
  data: opt(z.string().min(1), 'image folder, .csv/.jsonl manifest, or mnist / fashion-mnist'),
  out: opt(z.string().min(1), 'output .jsonl file', { arg: 'file' }),
  split: opt(z.enum(['all', 'train', 'val', 'test']).default('all'), 'which split to embed', {
    arg: 'name',
  }),
  inputSize: opt(
    z.number().int().positive().optional(),
    'square input size (default: the backbone native size)',
    { arg: 'px' },
  ),
  layer: layerField,
  cut: opt(z.string().optional(), 'with a model path: the layer to cut the body at', {
    arg: 'layer',
  }),
  batchSize: batchSizeField(16),
  skipBad: skipBadField,
  verify: verifyField,
});

/** `--layer auto` chooses on the whole input, or on its train split when it has a test split. */
function choiceImages(source: DataSource): readonly Sample[] {
  return source.splits.test ? (source.splits.train ?? []) : Object.values(source.splits).flat();
}

function choiceImagesName(source: DataSource): string {
  return source.splits.test ? `the train split of ${source.name}` : `the images of ${source.name}`;
}

export function embedCommand(program: Command): void {
  defineCommand(program, {
    name: 'embed',
    description: 'write pooled backbone embeddings and labels of a dataset to a .jsonl file',
    options: embedOptions,
    what: 'embed',
    async run(options, { out }) {
      const source = await openSource(options.data, {
        skipBad: options.skipBad,
        verify: options.verify,
      });
      const samples: Sample[] =
        options.split === 'all'
          ? Object.values(source.splits).flat()
          : (source.splits[options.split] ?? []);
      if (samples.length === 0)
        throw badInput(`${source.name} has no images in split '${options.split}'`);
      // With --cut, auto keeps the layer the cut ends the imported body at.
      const resolved =
        options.cut !== undefined && options.layer === AUTO_LAYER
          ? { layer: undefined }
          : await resolveLayer({
              layer: options.layer,
              what: choiceImagesName(source),
              backbone: options.backbone,
              inputSize: options.inputSize,
              source,
              samples: choiceImages(source),
              seed: 0,
              batchSize: options.batchSize,
            });
      const { model, config } = await createModel(options.backbone, {
        inputSize: options.inputSize,
        embeddingLayer: resolved.layer,
        cut: options.cut,
      });
      const layerNote = describeResolved(resolved, config.embeddingLayer);
      if (layerNote) out.info(layerNote);
      const loader = createLoader(source, samples, {
        batchSize: options.batchSize,
        transform: evalTransform(config),
      });
      // Opened here to report the engine; embedBatches finds the same (cached) pass.
      const { engine } = await frozenForward(model);
      const bar = out.progress('embed', samples.length);
      const rows = await writeEmbeddings(
        options.out,
        {
          backbone: options.backbone,
          layer: config.embeddingLayer,
          ...(layerNote ? { layerChoice: layerNote } : {}),
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
        {
          out: options.out,
          rows,
          dim: config.embeddingDim,
          layer: config.embeddingLayer,
          ...(layerNote ? { layerChoice: layerNote } : {}),
          engine,
          skipped: skipped.count,
        },
        () =>
          `wrote ${rows} embeddings (${config.embeddingDim}-d, ${config.embeddingLayer} of ${options.backbone}) to ${options.out}`,
      );
    },
  });
}
