// What distillation and pruning share when a bigger model teaches: the soft-target settings, the
// pool of unlabelled images that feed the distillation term, and the batches that pair labelled
// with unlabelled images (labelled rows first, so cross-entropy reads only those).
import { z } from 'zod';
import type { Preprocessing } from '../../bundle/meta.js';
import { opt } from '../../config/options.js';
import { openSource } from '../../data/sources/open.js';
import type { DataSource, Sample } from '../../data/types.js';
import { badInput } from '../../errors.js';
import type { EpochSource } from '../../train/loop.js';
import { type PairedBatch, pairedLoader } from '../../train/paired-loader.js';
import { Rng } from '../../util/rng.js';
import type { RunSplits } from '../classification/splits.js';
import { trainingLoader } from './fine-tune.js';
import type { FineTuneSettings } from './fine-tune-config.js';

export const softTargetFields = {
  /** Softmax temperature T of the distillation term. */
  temperature: opt(
    z.number().positive().default(4),
    'softmax temperature of the distillation term',
    { arg: 'T' },
  ),
  /** Weight α of the distillation term; 1 − α goes to cross-entropy on the labels (0 = labels only). */
  alpha: opt(
    z.number().min(0).max(1).default(0.9),
    'weight of the distillation term; 1 - a goes to the labels (0 = labels only)',
    { arg: 'a' },
  ),
  /**
   * Unlabelled images (folder or dataset; labels ignored) that feed the distillation term only.
   * The same spec as `data` means its training images that are not already labelled train or
   * validation images (never its test split).
   */
  unlabeled: opt(
    z.string().optional(),
    'unlabelled images for the distillation term (the --data source itself: its unused training images)',
    { arg: 'source' },
  ),
  /** Use at most this many unlabelled images (seeded). */
  unlabeledLimit: opt(z.number().int().positive().optional(), 'use at most N unlabelled images'),
  /** Unlabelled images per step, beside the `batch` labelled ones. Default: batch. */
  unlabeledBatch: opt(
    z.number().int().positive().optional(),
    'unlabelled images per step (default --batch)',
  ),
};

export type SoftTargetSettings = z.infer<z.ZodObject<typeof softTargetFields>> & FineTuneSettings;

/** The unlabelled images of a run, labels dropped, and the source that reads them. */
export async function openUnlabeled(
  settings: SoftTargetSettings,
  source: DataSource,
  labelled: RunSplits,
): Promise<{ source: DataSource; samples: Sample[] } | undefined> {
  if (settings.unlabeled === undefined) return undefined;
  const same = settings.unlabeled === settings.data;
  const from = same ? source : await openSource(settings.unlabeled, { skipBad: settings.skipBad });
  let pool = Object.values(from.splits).flat();
  if (same) {
    const used = new Set([...labelled.train, ...labelled.val].map((s) => s.id));
    pool = (from.splits.train ?? []).filter((s) => !used.has(s.id));
  }
  if (pool.length === 0) throw badInput(`${settings.unlabeled}: no unlabeled images to use`);
  if (settings.unlabeledLimit !== undefined && pool.length > settings.unlabeledLimit) {
    pool = new Rng(settings.seed)
      .fork('unlabeled')
      .shuffle([...pool])
      .slice(0, settings.unlabeledLimit);
  }
  return { source: from, samples: pool.map((s) => ({ ...s, label: -1 })) };
}

/** Labelled training batches, each followed by a batch of unlabelled images when there are any. */
export function softTargetBatches(
  settings: SoftTargetSettings,
  source: DataSource,
  labelled: RunSplits,
  preprocessing: Preprocessing,
  unlabeled?: { source: DataSource; samples: Sample[] },
): EpochSource<PairedBatch> {
  return pairedLoader({
    source: trainingLoader(source, labelled.train, preprocessing, settings),
    target:
      unlabeled &&
      trainingLoader(unlabeled.source, unlabeled.samples, preprocessing, {
        ...settings,
        batch: settings.unlabeledBatch ?? settings.batch,
        seed: settings.seed + 1,
      }),
  });
}
