// fitFewShotClassifier: image → backbone embedding → fixed feature transform → Dense `head`
// whose columns are class prototypes. An ordinary classification bundle (predict/eval/serve work
// unchanged) that records enough in visiontune.json for addClasses to grow it later.
import * as tf from '@tensorflow/tfjs';
import { type NewBundleMeta, saveBundle } from '../../../bundle/bundle.js';
import type { DataSource } from '../../../data/types.js';
import { badUsage } from '../../../errors.js';
import { L2Normalize } from '../../../heads/l2-normalize.js';
import { Standardize } from '../../../heads/standardize.js';
import { classRecords, countShots } from './bundle-meta.js';
import { type BackboneSpec, embedSamples, resolveBackbone } from './embedder.js';
import { finetunePrototypes } from './finetune.js';
import {
  COSINE_SCALE,
  classMeans,
  euclideanScale,
  FEWSHOT_METRICS,
  type FewShotMetric,
  headColumns,
  standardizeStatistics,
} from './prototypes.js';
import { selectSupport } from './support.js';

/** Adam's step size for the head fine-tune; prototypes have entries of order 1 (see finetune.ts). */
export const DEFAULT_FINETUNE_LR = 0.01;

export interface FitFewShotOptions extends BackboneSpec {
  /** Labelled support images: train and val images (test is held out; see support.ts). */
  support: DataSource;
  metric: FewShotMetric;
  /** Use at most this many images per class (chosen by seed). Default: all. */
  shots?: number;
  /** Full-batch Adam steps on the head after the prototypes; default 0 (none). */
  finetuneSteps?: number;
  finetuneLr?: number;
  batchSize?: number;
  /** Save the bundle here (atomically). */
  out?: string;
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

export function checkMetric(metric: string): FewShotMetric {
  if (!(FEWSHOT_METRICS as readonly string[]).includes(metric))
    throw badUsage(`metric: '${metric}' is not one of ${FEWSHOT_METRICS.join(', ')}`);
  return metric as FewShotMetric;
}

export async function fitFewShotClassifier(options: FitFewShotOptions): Promise<FewShotResult> {
  const metric = checkMetric(options.metric);
  const steps = options.finetuneSteps ?? 0;
  const lr = options.finetuneLr ?? DEFAULT_FINETUNE_LR;
  if (!(Number.isInteger(steps) && steps >= 0))
    throw badUsage(`finetuneSteps: must be a whole number ≥ 0 (got ${steps})`);
  if (!(lr > 0)) throw badUsage(`finetuneLr: must be > 0 (got ${lr})`);
  const { support } = options;
  const chosen = selectSupport(support, {
    shots: options.shots,
    seed: options.seed,
    minClasses: 2,
  });

  const embedder = await resolveBackbone(options);
  options.onStart?.(chosen.samples.length);
  const set = await embedSamples(embedder.model, embedder.preprocessing, support, chosen.samples, {
    batchSize: options.batchSize,
    onBatch: options.onBatch,
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
    options.log?.(
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
    backbone: embedder.backbone,
    training: {
      method: 'fewshot-prototypes',
      backbone: options.backbone,
      metric,
      imageSize: embedder.preprocessing.inputSize,
      ...(options.layer ? { layer: options.layer } : {}),
      ...(options.cut ? { cut: options.cut } : {}),
      ...(options.shots ? { shots: options.shots } : {}),
      finetuneSteps: steps,
      ...(steps > 0 ? { finetuneLr: lr } : {}),
      seed: options.seed,
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
  if (options.out) await saveBundle(options.out, model, meta);
  return {
    model,
    meta,
    ...(options.out ? { bundleDir: options.out } : {}),
    added: support.classes.map((label, c) => ({ label, shots: counts[c]! })),
    skipped: set.skipped.count,
    ...(finetuneLosses ? { finetuneLosses } : {}),
  };
}
