// `visiontune rank`: which backbone, layer and input size to transfer from, without training —
// every candidate scored on the training split (LogME, shrinkage H-score, optionally a
// cross-validated probe), printed best first with the recommendation (or as JSON); with --out,
// report.html (the scores per layer as charts) and rank.json.
import path from 'node:path';
import type { Command } from 'commander';
import { z } from 'zod';
import { opt } from '../../config/options.js';
import {
  batchSizeField,
  imageSizesField,
  overwriteField,
  seedField,
  skipBadField,
} from '../../config/run-fields.js';
import { writeFileAtomic } from '../../engine/file-io.js';
import { withOutDir } from '../../guard/out-dir.js';
import { DEFAULT_SCORE_IMAGES } from '../../methods/rank/choose-layer.js';
import { formatRankTable } from '../../methods/rank/rank-format.js';
import { type RankResult, rankCandidates } from '../../methods/rank/run-rank.js';
import { writeRankReport } from '../../report/rank.js';
import { defineCommand } from '../define-command.js';

export const RANK_JSON_FILE = 'rank.json';

const rankOptionsSchema = z.object({
  data: opt(
    z.string().min(1),
    'labelled images: folder, .csv/.jsonl manifest, or mnist / fashion-mnist (its training split is scored)',
    { arg: 'source' },
  ),
  backbones: opt(
    z.union([z.literal('all'), z.array(z.string().min(1)).min(1)]).default(['mobilenet_v2']),
    'backbones to rank (registry names or model paths), or all (every registry backbone with pretrained weights)',
    { arg: 'a,b|all' },
  ),
  layers: opt(
    z
      .union([z.literal('auto'), z.literal('all'), z.array(z.string().min(1)).min(1)])
      .default('auto'),
    'candidate layers: auto (block outputs and taps), all (every feature map), or names',
    { arg: 'auto|all|a,b' },
  ),
  imageSizes: imageSizesField,
  maxImages: opt(
    z.number().int().min(2).default(DEFAULT_SCORE_IMAGES),
    'score at most n training images (class-balanced, chosen with --seed)',
    { arg: 'n' },
  ),
  pairs: opt(
    z.boolean().default(true),
    'also score the best layers paired (a+b), as --layer auto does',
  ),
  probe: opt(
    z.boolean().default(false),
    'add a 5-fold cross-validated logistic probe accuracy per candidate (slow)',
  ),
  out: opt(z.string().min(1).optional(), 'folder for report.html (charts) and rank.json', {
    arg: 'dir',
  }),
  overwrite: overwriteField,
  seed: seedField,
  batchSize: batchSizeField(32),
  skipBad: skipBadField,
  cacheDir: opt(z.string().optional(), 'embedding cache folder (default ~/.cache/visiontune)', {
    arg: 'dir',
  }),
});

async function writeOutputs(dir: string, result: RankResult, config: unknown): Promise<string> {
  await writeFileAtomic(path.join(dir, RANK_JSON_FILE), `${JSON.stringify(result, null, 2)}\n`);
  return writeRankReport(dir, {
    title: `Rank · ${result.data}`,
    createdAt: new Date().toISOString(),
    result,
    config,
  });
}

export function rankCommand(program: Command): void {
  defineCommand(program, {
    name: 'rank',
    description:
      'rank backbones, layers and input sizes by transferability (LogME, H-score) on the training images, without training',
    options: rankOptionsSchema,
    what: 'rank',
    flags: {
      imageSizes: { description: 'input sizes to rank (default: each backbone native size)' },
    },
    async run(config, { out }) {
      const rank = async () => {
        const result = await rankCandidates({
          data: config.data,
          backbones: config.backbones,
          layers: config.layers,
          imageSizes: config.imageSizes,
          maxImages: config.maxImages,
          combine: config.pairs,
          probe: config.probe,
          seed: config.seed,
          cacheDir: config.cacheDir,
          batchSize: config.batchSize,
          skipBad: config.skipBad,
          onProgress: (line) => out.info(line),
        });
        const report = config.out ? await writeOutputs(config.out, result, config) : undefined;
        out.result({ ...result, ...(report ? { report } : {}) }, () =>
          [
            formatRankTable(result.rows),
            '',
            `scored on ${result.images} training images of ${result.data}; * = embeddings from the cache`,
            ...result.notes,
            '',
            result.recommendation,
            ...(report ? [`report: ${report}`] : []),
          ].join('\n'),
        );
      };
      // The output folder is claimed before anything is computed.
      if (config.out)
        await withOutDir(config.out, { kind: 'rank', overwrite: config.overwrite }, rank);
      else await rank();
    },
  });
}
