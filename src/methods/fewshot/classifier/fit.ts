// fitFewShotClassifier: image → backbone embedding → fixed feature transform → Dense `head`
// whose columns are class prototypes. An ordinary classification bundle (predict/eval/serve work
// unchanged) that records enough in visiontune.json for addClasses to grow it later.
import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { type NewBundleMeta, saveBundle } from '../../../bundle/bundle.js';
import { opt } from '../../../config/options.js';
import { layerField, overwriteField } from '../../../config/run-fields.js';
import type { DataSource } from '../../../data/types.js';
import { ensureEngine } from '../../../engine/index.js';
import { L2Normalize } from '../../../heads/l2-normalize.js';
import { Standardize } from '../../../heads/standardize.js';
import { parseLayers } from '../../../util/merge-layers.js';
import { describeResolved, layerChoiceMeta } from '../../rank/auto-layer.js';
import { classRecords, countShots } from './bundle-meta.js';
import { chooseSupportLayer, embedSamples, resolveBackbone } from './embedder.js';
import { finetunePrototypes } from './finetune.js';
import {
  COSINE_SCALE,
  classMeans,
  euclideanScale,
  FEWSHOT_METRICS,
  headColumns,
  standardizeStatistics,
} from './prototypes.js';
import { selectSupport, supportFields } from './support.js';

/** Adam's step size for the head fine-tune; prototypes have entries of order 1 (see finetune.ts). */
export const DEFAULT_FINETUNE_LR = 0.01;

/** The settings of a fit (the flags of `fewshot fit` besides its support images). */
export const fitFewShotSettingsSchema = z.object({
  /** Registry name, path/URL of a TF.js layers model.json, or a visiontune bundle folder. */
  backbone: opt(
    z.string().min(1),
    'registry name, path/URL of a TF.js layers model.json, or a bundle folder that outputs an embedding',
    { arg: 'name' },
  ),
  metric: opt(
    z
      .enum(FEWSHOT_METRICS, {
        error: (issue) => `'${issue.input}' is not one of ${FEWSHOT_METRICS.join(', ')}`,
      })
      .default('cosine'),
    'prototype metric',
    { arg: 'name' },
  ),
  /** Full-batch Adam steps on the head after the prototypes; default 0 (none). */
  finetuneSteps: opt(
    z.number().int().nonnegative().default(0),
    'fine-tune the prototypes on the support features for N full-batch Adam steps (classes added later are plain prototypes and compete best with plain ones, see bench/fewshot/grow.ts)',
  ),
  finetuneLr: opt(
    z.number().positive().default(DEFAULT_FINETUNE_LR),
    'head fine-tune learning rate',
  ),
  imageSize: opt(
    z.number().int().positive().optional(),
    "square input size (default: the backbone's native size)",
    { arg: 'px' },
  ),
  /**
   * Layer to pool (registry/model backbones); 'auto' (default): chosen by LogME on the support
   * images (embedder.ts). A bundle backbone keeps its own embedding.
   */
  layer: layerField,
  /** Layer to cut a model path/URL at. */
  cut: opt(z.string().optional(), 'with a model path: the layer to cut the body at', {
    arg: 'layer',
  }),
  ...supportFields,
  /** Save the bundle here (atomically). */
  out: opt(z.string().min(1).optional(), 'bundle folder to write', { arg: 'dir' }),
  overwrite: overwriteField,
});

export interface FitFewShotOptions extends z.input<typeof fitFewShotSettingsSchema> {
  /** Labelled support images: train and val images (test is held out; see support.ts). */
  support: DataSource;
  /** Default: whether the backbone has pretrained weights. */
  pretrained?: boolean;
  log?: (line: string) => void;
  /** Called once the support images are chosen, before embedding (for a progress bar). */
  onStart?: (images: number) => void;
  onBatch?: (n: number) => void;
}

export interface FewShotResult {
  model: tf.LayersModel;
  meta: NewBundleMeta;
  /** Where the bundle was saved, when it was. */
  bundleDir?: string;
  /** Classes this call added, with the support images each got. */
  added: { label: string; shots: number }[];
  /** Support images skipped as unreadable (with skipBad sources). */
  skipped: number;
  /** Cross-entropy per fine-tune step, when there was one. */
  finetuneLosses?: number[];
}

/** `base`, or `base_2`, `base_3`, ...: a few-shot bundle used as the backbone has these layers. */
function freeName(model: tf.LayersModel, base: string): string {
  const taken = new Set(model.layers.map((l) => l.name));
  let name = base;
  for (let k = 2; taken.has(name); k++) name = `${base}_${k}`;
  return name;
}

/** The owner kind of a few-shot classifier bundle written to its own --out (bundle/save.ts). */
export const FEWSHOT_BUNDLE_KIND = 'fewshot-bundle';

export async function fitFewShotClassifier(options: FitFewShotOptions): Promise<FewShotResult> {
  const { support, pretrained, log, onStart, onBatch, ...given } = options;
  const settings = parseLayers(fitFewShotSettingsSchema, 'few-shot fit', [given]);
  await ensureEngine();
  const { metric, finetuneSteps: steps, finetuneLr: lr } = settings;
  const chosen = selectSupport(support, {
    shots: settings.shots,
    seed: settings.seed,
    minClasses: 2,
  });

  const layer = await chooseSupportLayer(settings, support, chosen.samples, pretrained);
  const embedder = await resolveBackbone({ ...settings, layer: layer.layer, pretrained });
  const layerNote = describeResolved(layer, embedder.layer ?? '');
  if (layerNote) log?.(layerNote);
  onStart?.(chosen.samples.length);
  const set = await embedSamples(embedder.model, embedder.preprocessing, support, chosen.samples, {
    batchSize: settings.batchSize,
    onBatch,
  });
  const counts = countShots(set.labels, support.classes, support.name);
  const { dim } = set;
  const classes = support.classes.length;

  // The transform is fixed here, from the fit support only, and never refitted: classes added
  // later are embedded through the same saved layers, so old columns keep their meaning.
  const transform =
    metric === 'euclidean'
      ? new Standardize({
          ...standardizeStatistics(set.embeddings, dim),
          name: freeName(embedder.model, 'fewshot_standardize'),
        })
      : new L2Normalize({ name: freeName(embedder.model, 'fewshot_l2') });
  const features = tf.tidy(
    () => transform.apply(tf.tensor2d(set.embeddings, [set.labels.length, dim])) as tf.Tensor2D,
  );
  const z = (await features.data()) as Float32Array;
  features.dispose();
  const scale = metric === 'cosine' ? COSINE_SCALE : euclideanScale(dim);
  let prototypes = classMeans(z, set.labels, classes);
  let finetuneLosses: number[] | undefined;
  if (steps > 0) {
    ({ prototypes, losses: finetuneLosses } = finetunePrototypes(z, set.labels, prototypes, {
      steps,
      lr,
      metric,
      scale,
    }));
    log?.(
      `head fine-tune: loss ${finetuneLosses[0]!.toFixed(4)} → ${finetuneLosses.at(-1)!.toFixed(4)} in ${steps} steps`,
    );
  }
  const columns = headColumns(prototypes, dim, metric, scale);
  // Initial weights (not setWeights after build) so they get the scoped name 'head/kernel'.
  const head = tf.layers.dense({
    units: classes,
    name: 'head',
    weights: [tf.tensor2d(columns.kernel, [dim, classes]), tf.tensor1d(columns.bias)],
  });
  const embedded = embedder.model.outputs[0] as tf.SymbolicTensor;
  const model = tf.model({
    inputs: embedder.model.inputs,
    outputs: head.apply(transform.apply(embedded)) as tf.SymbolicTensor,
    name: 'fewshot_classifier',
  });

  const meta: NewBundleMeta = {
    task: 'classification',
    labels: [...support.classes],
    preprocessing: embedder.preprocessing,
    backbone: {
      ...embedder.backbone,
      ...(embedder.layer ? { layer: embedder.layer } : {}),
      ...(layer.choice ? { layerChoice: layerChoiceMeta(layer.choice) } : {}),
    },
    training: {
      method: 'fewshot-prototypes',
      backbone: settings.backbone,
      metric,
      imageSize: embedder.preprocessing.inputSize,
      ...(embedder.layer ? { layer: embedder.layer } : {}),
      ...(layerNote ? { layerNote } : {}),
      ...(settings.cut ? { cut: settings.cut } : {}),
      ...(settings.shots ? { shots: settings.shots } : {}),
      finetuneSteps: steps,
      ...(steps > 0 ? { finetuneLr: lr } : {}),
      seed: settings.seed,
      support: support.name,
    },
    metrics: {},
    fewshot: {
      metric,
      scale,
      classes: classRecords(support.classes, counts, {
        addedBy: 'fit',
        finetuned: steps > 0,
        source: support.name,
      }),
    },
  };
  if (settings.out)
    await saveBundle(settings.out, model, meta, {
      overwrite: settings.overwrite,
      kind: FEWSHOT_BUNDLE_KIND,
    });
  return {
    model,
    meta,
    ...(settings.out ? { bundleDir: settings.out } : {}),
    added: support.classes.map((label, c) => ({ label, shots: counts[c]! })),
    skipped: set.skipped.count,
    ...(finetuneLosses ? { finetuneLosses } : {}),
  };
}
