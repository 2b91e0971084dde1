// addClasses: grows a few-shot bundle on disk. New support images pass through the bundle's own
// graph up to the input of `head` (backbone and the fit-time transform, as saved); grow.ts turns
// their prototypes into new head columns (old logits unchanged); this file picks the support,
// embeds it with the bundle's preprocessing and saves.
import path from 'node:path';
import { z } from 'zod';
import { type LoadedBundle, loadBundle, saveBundle } from '../../../bundle/bundle.js';
import { opt } from '../../../config/options.js';
import { overwriteField } from '../../../config/run-fields.js';
import type { DataSource } from '../../../data/types.js';
import { ensureEngine } from '../../../engine/index.js';
import { badUsage } from '../../../errors.js';
import { parseLayers } from '../../../util/merge-layers.js';
import { embedSamples } from './embedder.js';
import { FEWSHOT_BUNDLE_KIND, type FewShotResult } from './fit.js';
import { finishGrowth, startGrowth } from './grow.js';
import { selectSupport, supportFields } from './support.js';

/** The settings of an add (the flags of `fewshot add` besides the bundle and its images). */
export const addClassesSettingsSchema = z.object({
  ...supportFields,
  /** Where to save. Default: the bundle's own folder (replaced atomically) when it has one. */
  out: opt(
    z.string().min(1).optional(),
    'write the grown bundle here (default: replace --model atomically)',
    { arg: 'dir' },
  ),
  overwrite: overwriteField,
});

export interface AddClassesOptions extends z.input<typeof addClassesSettingsSchema> {
  /** The bundle to grow: a folder (loaded here) or an already loaded bundle. */
  bundle: string | LoadedBundle;
  /** Images of the new classes only; train and val images (test is held out; see support.ts). */
  support: DataSource;
  /** Skip saving (library use on a loaded bundle). */
  save?: boolean;
  /** Called once the support images are chosen, before embedding (for a progress bar). */
  onStart?: (images: number) => void;
  onBatch?: (n: number) => void;
}

export async function addClasses(options: AddClassesOptions): Promise<FewShotResult> {
  const { bundle: given, support, save, onStart, onBatch, ...rest } = options;
  const settings = parseLayers(addClassesSettingsSchema, 'few-shot add', [rest]);
  await ensureEngine();
  const bundle = typeof given === 'string' ? await loadBundle(given) : given;
  const grown = { model: bundle.model, meta: bundle.meta, where: bundle.dir };
  const growth = startGrowth(grown, support.classes, support.name);
  // A folder given (a bundle or a run folder) is replaced where the bundle itself lies.
  const out =
    save === false
      ? undefined
      : (settings.out ?? (typeof given === 'string' ? bundle.dir : undefined));
  if (save !== false && !out)
    throw badUsage('out: a loaded bundle has no folder of its own to save to; pass out');
  const chosen = selectSupport(support, {
    shots: settings.shots,
    seed: settings.seed,
    minClasses: 1,
  });

  onStart?.(chosen.samples.length);
  const set = await embedSamples(
    growth.features,
    bundle.meta.preprocessing,
    support,
    chosen.samples,
    { batchSize: settings.batchSize, onBatch },
  );
  const { model, meta, counts } = await finishGrowth(
    grown,
    growth,
    set,
    support.classes,
    support.name,
  );
  // Replacing --model itself is the point of an add; any other folder gets the usual claim.
  const inPlace = out !== undefined && path.resolve(out) === path.resolve(bundle.dir);
  if (out)
    await saveBundle(out, model, meta, {
      overwrite: settings.overwrite,
      inPlace,
      kind: FEWSHOT_BUNDLE_KIND,
    });
  return {
    model,
    meta,
    ...(out ? { bundleDir: out } : {}),
    added: support.classes.map((label, c) => ({ label, shots: counts[c]! })),
    skipped: set.skipped.count,
  };
}
