// addClasses: grows a few-shot bundle. New support images pass through the bundle's own graph
// up to the input of `head` (backbone and the fit-time transform, as saved), their prototypes
// become new head columns by the same closed form, and the old kernel columns and biases are
// copied bit for bit — so every old-class logit is unchanged; only new classes compete.
import * as tf from '@tensorflow/tfjs';
import {
  type LoadedBundle,
  loadBundle,
  type NewBundleMeta,
  saveBundle,
} from '../../../bundle/bundle.js';
import type { DataSource } from '../../../data/types.js';
import { badInput, badUsage } from '../../../errors.js';
import { classRecords, countShots, requireFewShot } from './bundle-meta.js';
import { embedSamples } from './embedder.js';
import type { FewShotResult } from './fit.js';
import { appendColumns, classMeans, headColumns } from './prototypes.js';
import { selectSupport } from './support.js';

export interface AddClassesOptions {
  /** The bundle to grow: a folder (loaded here) or an already loaded bundle. */
  bundle: string | LoadedBundle;
  /** Images of the new classes only; train and val images (test is held out; see support.ts). */
  support: DataSource;
  /** Use at most this many images per class (chosen by seed). Default: all. */
  shots?: number;
  seed?: number;
  batchSize?: number;
  /** Where to save. Default: the bundle's own folder (replaced atomically) when it has one. */
  out?: string;
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
  const bundle =
    typeof options.bundle === 'string' ? await loadBundle(options.bundle) : options.bundle;
  const fewshot = requireFewShot(bundle.meta, bundle.dir);
  const out =
    options.save === false
      ? undefined
      : (options.out ?? (typeof options.bundle === 'string' ? options.bundle : undefined));
  if (options.save !== false && !out)
    throw badUsage('out: a loaded bundle has no folder of its own to save to; pass out');
  const head = denseHead(bundle);
  const { support } = options;
  const known = new Set(bundle.meta.labels);
  const taken = support.classes.filter((c) => known.has(c));
  if (taken.length > 0) {
    throw badInput(
      `${support.name}: ${taken.length === 1 ? 'class' : 'classes'} ${taken.map((c) => `'${c}'`).join(', ')} already in ${bundle.dir}; the support for 'add' must hold only new classes`,
      [`bundle classes: ${bundle.meta.labels.join(', ')}`],
    );
  }
  const chosen = selectSupport(support, {
    shots: options.shots,
    seed: options.seed,
    minClasses: 1,
  });

  options.onStart?.(chosen.samples.length);
  // Exactly the saved feature space: the bundle's graph up to the head's input.
  const features = tf.model({
    inputs: bundle.model.inputs,
    outputs: head.input as tf.SymbolicTensor,
    name: 'fewshot_features',
  });
  const set = await embedSamples(features, bundle.meta.preprocessing, support, chosen.samples, {
    batchSize: options.batchSize,
    onBatch: options.onBatch,
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
  if (out) await saveBundle(out, model, meta);
  return {
    model,
    meta,
    ...(out ? { bundleDir: out } : {}),
    added: support.classes.map((label, c) => ({ label, shots: counts[c]! })),
    skipped: set.skipped.count,
  };
}
