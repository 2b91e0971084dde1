// addClasses: grows a few-shot bundle. New support images pass through the bundle's own graph
// up to the input of `head` (backbone and the fit-time transform, as saved), their prototypes
// become new head columns by the same closed form, and the old kernel columns and biases are
// copied bit for bit — so every old-class logit is unchanged; only new classes compete.
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import {
  type LoadedBundle,
  loadBundle,
  type NewBundleMeta,
  saveBundle,
} from '../../../bundle/bundle.js';
import { opt } from '../../../config/options.js';
import { overwriteField } from '../../../config/run-fields.js';
import type { DataSource } from '../../../data/types.js';
import { ensureEngine } from '../../../engine/index.js';
import { badInput, badUsage } from '../../../errors.js';
import { parseLayers } from '../../../util/merge-layers.js';
import { classRecords, countShots, requireFewShot } from './bundle-meta.js';
import { embedSamples } from './embedder.js';
import { FEWSHOT_BUNDLE_KIND, type FewShotResult } from './fit.js';
import { appendColumns, classMeans, headColumns } from './prototypes.js';
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

function denseHead(bundle: LoadedBundle): tf.layers.Layer {
  const head = bundle.model.layers.find((l) => l.name === 'head');
  if (head?.getClassName() !== 'Dense') {
    throw badInput(`${bundle.dir}: the model has no Dense layer named 'head' to add columns to`);
  }
  const [kernel] = head.getWeights();
  if (kernel?.shape.length !== 2 || kernel.shape[1] !== bundle.meta.labels.length) {
    throw badInput(
      `${bundle.dir}: head has ${kernel?.shape[1] ?? 0} columns for ${bundle.meta.labels.length} labels`,
    );
  }
  return head;
}

export async function addClasses(options: AddClassesOptions): Promise<FewShotResult> {
  const { bundle: given, support, save, onStart, onBatch, ...rest } = options;
  const settings = parseLayers(addClassesSettingsSchema, 'few-shot add', [rest]);
  await ensureEngine();
  const bundle = typeof given === 'string' ? await loadBundle(given) : given;
  const fewshot = requireFewShot(bundle.meta, bundle.dir);
  // A folder given (a bundle or a run folder) is replaced where the bundle itself lies.
  const out =
    save === false
      ? undefined
      : (settings.out ?? (typeof given === 'string' ? bundle.dir : undefined));
  if (save !== false && !out)
    throw badUsage('out: a loaded bundle has no folder of its own to save to; pass out');
  const head = denseHead(bundle);
  const known = new Set(bundle.meta.labels);
  const taken = support.classes.filter((c) => known.has(c));
  if (taken.length > 0) {
    throw badInput(
      `${support.name}: ${taken.length === 1 ? 'class' : 'classes'} ${taken.map((c) => `'${c}'`).join(', ')} already in ${bundle.dir}; the support for 'add' must hold only new classes`,
      [`bundle classes: ${bundle.meta.labels.join(', ')}`],
    );
  }
  const chosen = selectSupport(support, {
    shots: settings.shots,
    seed: settings.seed,
    minClasses: 1,
  });

  onStart?.(chosen.samples.length);
  // Exactly the saved feature space: the bundle's graph up to the head's input.
  const features = tf.model({
    inputs: bundle.model.inputs,
    outputs: head.input as tf.SymbolicTensor,
    name: 'fewshot_features',
  });
  const set = await embedSamples(features, bundle.meta.preprocessing, support, chosen.samples, {
    batchSize: settings.batchSize,
    onBatch,
  });
  const counts = countShots(set.labels, support.classes, support.name);
  const added = headColumns(
    classMeans(set.embeddings, set.labels, support.classes.length),
    set.dim,
    fewshot.metric,
    fewshot.scale,
  );
  const [oldKernel, oldBias] = head.getWeights();
  if (!oldBias) throw badInput(`${bundle.dir}: head has no bias`);
  const grown = appendColumns(
    (await oldKernel!.data()) as Float32Array,
    (await oldBias.data()) as Float32Array,
    added,
  );
  const newHead = tf.layers.dense({
    units: grown.classes,
    name: 'head',
    weights: [tf.tensor2d(grown.kernel, [set.dim, grown.classes]), tf.tensor1d(grown.bias)],
  });
  const model = tf.model({
    inputs: bundle.model.inputs,
    outputs: newHead.apply(head.input as tf.SymbolicTensor) as tf.SymbolicTensor,
    name: bundle.model.name,
  });

  const { formatVersion: _v, createdAt: _c, visiontuneVersion: _vv, ...kept } = bundle.meta;
  const meta: NewBundleMeta = {
    ...kept,
    labels: [...bundle.meta.labels, ...support.classes],
    // Held-out metrics of the smaller classifier no longer describe this one.
    metrics: {},
    fewshot: {
      ...fewshot,
      classes: [
        ...fewshot.classes,
        ...classRecords(support.classes, counts, {
          addedBy: 'add',
          finetuned: false,
          source: support.name,
        }),
      ],
    },
  };
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
