// Evaluating a multi-label classifier (a multi-task bundle's multi-label task, or a multi-label
// bundle) on a manifest of label sets: the bundle's preprocessing, sigmoid probabilities, and
// mAP, micro/macro F1 at the threshold and subset accuracy (metrics/multilabel.ts).
import * as tf from '@tensorflow/tfjs';
import { sharpDecoder } from '../../data/decode-sharp.js';
import { createLoader } from '../../data/index.js';
import { openMultiLabelData } from '../../data/multitask/multilabel.js';
import { pickSplit } from '../../data/split.js';
import type { DataSource, Sample, SplitName } from '../../data/types.js';
import { badInput } from '../../errors.js';
import { MultiLabelAccumulator, type MultiLabelMetrics } from '../../metrics/index.js';
import { predictBatch, type RunnableBundle } from '../batch-model.js';
import { MULTI_LABEL_THRESHOLD } from '../classify-output.js';
import { bundleTransform } from '../preprocess.js';
import { notA } from './task-view.js';

export async function evaluateMultiLabel(
  bundle: RunnableBundle,
  manifest: string,
  options: {
    threshold?: number;
    batchSize?: number;
    split?: SplitName | 'all';
    onBatch?: (n: number) => void;
  } = {},
): Promise<MultiLabelMetrics> {
  const { meta } = bundle;
  if (meta.task !== 'classification' || !meta.multiLabel)
    throw notA(bundle, 'multi-label classifier');
  // The data layer's multi-label reader (manifest or COCO), against the model's class list: a
  // label the model was not trained on is bad input naming it.
  const data = await openMultiLabelData(manifest, { classes: meta.labels });
  // The split is chosen as single-label eval chooses it (default: test, else val, else all).
  const indexed: Partial<Record<SplitName, Sample[]>> = {};
  const rows = Object.entries(data.splits).flatMap(([split, list]) =>
    (list ?? []).map((s) => ({ split: split as SplitName, s })),
  );
  rows.forEach(({ split, s }, i) => {
    indexed[split] ??= [];
    indexed[split].push({ id: s.id, label: i });
  });
  const chosen = pickSplit(indexed, options.split);
  if (chosen.length === 0) throw badInput(`${manifest}: no images in split '${options.split}'`);
  const picked = chosen.map((s) => rows[s.label]!.s);
  const classes = meta.labels.length;
  const truth = new Uint8Array(picked.length * classes);
  picked.forEach((s, i) => {
    for (const l of s.labels) truth[i * classes + l] = 1;
  });
  const decoder = sharpDecoder();
  const source: DataSource = {
    name: manifest,
    classes: [],
    splits: {},
    read: (sample, hint) => decoder.decode(sample.id, sample.id, hint),
  };
  const samples: Sample[] = picked.map((s, i) => ({ id: s.id, label: i }));
  const loader = createLoader(source, samples, {
    batchSize: options.batchSize ?? 32,
    transform: bundleTransform(meta.preprocessing),
  });
  const accumulator = new MultiLabelAccumulator(classes, {
    threshold: options.threshold ?? MULTI_LABEL_THRESHOLD,
  });
  for await (const batch of loader) {
    const logits = await predictBatch(bundle.model, batch.x);
    const p = tf.sigmoid(logits);
    tf.dispose([logits, batch.x]);
    const values = (await p.data()) as Float32Array;
    p.dispose();
    const targets = new Uint8Array(values.length);
    batch.samples.forEach((s, k) => {
      targets.set(truth.subarray(s.label * classes, (s.label + 1) * classes), k * classes);
    });
    accumulator.add(values, targets);
    options.onBatch?.(batch.samples.length);
  }
  return accumulator.result();
}
