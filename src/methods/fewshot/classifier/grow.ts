// Growing a few-shot prototype classifier in memory, the math of `fewshot add`: the embeddings
// of the new classes' support images (taken at the input of the Dense layer 'head', exactly the
// saved feature space) become new head columns by the prototypes' closed form; the old columns
// and biases are copied bit for bit, so every old-class logit is unchanged. Platform-free: Node's
// addClasses (add.ts) and the browser entry (web/) share it; embedding and saving are theirs.
import * as tf from '@tensorflow/tfjs';
import type { BundleMeta } from '../../../bundle/meta.js';
import type { NewBundleMeta } from '../../../bundle/save.js';
import { badInput } from '../../../errors.js';
import { classRecords, countShots, type FewShotMeta, requireFewShot } from './bundle-meta.js';
import { appendColumns, classMeans, headColumns } from './prototypes.js';

export interface GrowableBundle {
  model: tf.LayersModel;
  meta: BundleMeta;
  /** Where the bundle is (folder or URL), for error messages. */
  where: string;
}

export interface Growth {
  fewshot: FewShotMeta;
  head: tf.layers.Layer;
  /** The bundle's graph up to the head's input: what support images are embedded with. */
  features: tf.LayersModel;
}

function denseHead(bundle: GrowableBundle): tf.layers.Layer {
  const head = bundle.model.layers.find((l) => l.name === 'head');
  if (head?.getClassName() !== 'Dense') {
    throw badInput(`${bundle.where}: the model has no Dense layer named 'head' to add columns to`);
  }
  const [kernel] = head.getWeights();
  if (kernel?.shape.length !== 2 || kernel.shape[1] !== bundle.meta.labels.length) {
    throw badInput(
      `${bundle.where}: head has ${kernel?.shape[1] ?? 0} columns for ${bundle.meta.labels.length} labels`,
    );
  }
  return head;
}

/** Checks that `classes` can be added to the bundle; the head and the feature model to embed with. */
export function startGrowth(
  bundle: GrowableBundle,
  classes: readonly string[],
  sourceName: string,
): Growth {
  const fewshot = requireFewShot(bundle.meta, bundle.where);
  const head = denseHead(bundle);
  const known = new Set(bundle.meta.labels);
  const taken = classes.filter((c) => known.has(c));
  if (taken.length > 0) {
    throw badInput(
      `${sourceName}: ${taken.length === 1 ? 'class' : 'classes'} ${taken.map((c) => `'${c}'`).join(', ')} already in ${bundle.where}; the support for 'add' must hold only new classes`,
      [`bundle classes: ${bundle.meta.labels.join(', ')}`],
    );
  }
  const features = tf.model({
    inputs: bundle.model.inputs,
    outputs: head.input as tf.SymbolicTensor,
    name: 'fewshot_features',
  });
  return { fewshot, head, features };
}

/** The grown model and its description, from the support embeddings of `classes`. */
export async function finishGrowth(
  bundle: GrowableBundle,
  growth: Growth,
  set: { embeddings: Float32Array; labels: Int32Array; dim: number },
  classes: readonly string[],
  sourceName: string,
): Promise<{ model: tf.LayersModel; meta: NewBundleMeta; counts: number[] }> {
  const { fewshot, head } = growth;
  const counts = countShots(set.labels, classes, sourceName);
  const added = headColumns(
    classMeans(set.embeddings, set.labels, classes.length),
    set.dim,
    fewshot.metric,
    fewshot.scale,
  );
  const [oldKernel, oldBias] = head.getWeights();
  if (!oldBias) throw badInput(`${bundle.where}: head has no bias`);
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
  const meta: NewBundleMeta = {
    // saveBundle stamps its own version and date over the loaded ones.
    ...bundle.meta,
    labels: [...bundle.meta.labels, ...classes],
    // Held-out metrics of the smaller classifier no longer describe this one.
    metrics: {},
    fewshot: {
      ...fewshot,
      classes: [
        ...fewshot.classes,
        ...classRecords(classes, counts, { addedBy: 'add', finetuned: false, source: sourceName }),
      ],
    },
  };
  return { model, meta, counts };
}
