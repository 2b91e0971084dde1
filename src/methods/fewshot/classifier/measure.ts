// The growth measurement (issue 6): fit on a few images of classes A, score held-out images of
// A, add classes B, score the SAME images again over all classes. Also what the difference is
// made of: old-class logits compared bit for bit, which new classes took which images, and the
// same images scored by a bundle fit on A and B at once (what growing should be compared with:
// the drop itself is mostly the harder many-way problem, not forgetting). Used by the grow test
// and bench/fewshot/grow.ts.
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import { loadBundle } from '../../../bundle/bundle.js';
import type { Preprocessing } from '../../../bundle/meta.js';
import type { DataSource } from '../../../data/types.js';
import { badUsage } from '../../../errors.js';
import { addClasses } from './add.js';
import { embedSamples } from './embedder.js';
import { fitFewShotClassifier } from './fit.js';
import type { FewShotMetric } from './prototypes.js';
import { subsetSource } from './support.js';

export interface GrowMeasureOptions {
  /** A source with `train` (support is drawn from it) and `test` (scored) splits. */
  source: DataSource;
  oldClasses: string[];
  newClasses: string[];
  shots: number;
  testPerClass: number;
  backbone: string;
  imageSize?: number;
  layer?: string;
  metric: FewShotMetric;
  finetuneSteps?: number;
  seed: number;
  batchSize?: number;
  /**
   * New classes to leave out of a second 'after' score (their columns masked). Exactly what
   * growing by the other new classes alone would give: columns are independent of each other.
   */
  leaveOut?: string[];
}

export interface GrowMeasurement {
  /** Accuracy on the old-class test images, fitted bundle (old classes only). */
  before: number;
  /** The same images, grown bundle, argmax over all classes. */
  after: number;
  /** before − after, in accuracy points (×100). */
  dropPoints: number;
  /** Whether the grown bundle's old-class logits equal the fitted bundle's, bit for bit. */
  oldLogitsIdentical: boolean;
  /** `after` with the `leaveOut` classes' columns masked, and its drop from `before`. */
  afterWithout?: { classes: string[]; accuracy: number; dropPoints: number };
  /** Images whose prediction moved to a different old class (0 when logits are identical). */
  movedToOtherOldClass: number;
  /** Old-class test images the grown bundle now gives to each new class. */
  takenBy: Record<string, number>;
  /** The same old-class images scored by a bundle fit on old and new support at once. */
  fitAllAtOnce: number;
  /** New-class test images: grown bundle vs fit at once, over all classes. */
  newClasses: { grown: number; fitAllAtOnce: number };
  testImages: { old: number; new: number };
}

async function logitsOf(
  model: tf.LayersModel,
  p: Preprocessing,
  source: DataSource,
  batchSize?: number,
) {
  const set = await embedSamples(model, p, source, source.splits.test ?? [], { batchSize });
  return { values: set.embeddings, classes: set.dim, labels: set.labels };
}

function argmax(values: Float32Array, classes: number, row: number, masked?: Set<number>): number {
  let best = -1;
  for (let c = 0; c < classes; c++) {
    if (masked?.has(c)) continue;
    if (best < 0 || values[row * classes + c]! > values[row * classes + best]!) best = c;
  }
  return best;
}

function accuracy(
  l: { values: Float32Array; classes: number; labels: Int32Array },
  offset = 0,
  masked?: Set<number>,
) {
  let ok = 0;
  l.labels.forEach((y, i) => {
    if (argmax(l.values, l.classes, i, masked) === y + offset) ok++;
  });
  return ok / l.labels.length;
}

export async function measureGrowth(options: GrowMeasureOptions): Promise<GrowMeasurement> {
  const { source, oldClasses, newClasses, seed } = options;
  const pick = (classes: string[], split: 'train' | 'test', perClass: number) =>
    subsetSource(source, { classes, split, perClass, seed, key: split });
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'vt-fewshot-grow-'));
  try {
    const common = {
      backbone: options.backbone,
      imageSize: options.imageSize,
      layer: options.layer,
      metric: options.metric,
      finetuneSteps: options.finetuneSteps,
      seed,
      batchSize: options.batchSize,
    };
    const fitted = path.join(work, 'fitted');
    const grown = path.join(work, 'grown');
    const together = path.join(work, 'together');
    const first = await fitFewShotClassifier({
      ...common,
      support: pick(oldClasses, 'train', options.shots),
      out: fitted,
    });
    await addClasses({
      bundle: fitted,
      support: pick(newClasses, 'train', options.shots),
      seed,
      out: grown,
    });
    await fitFewShotClassifier({
      ...common,
      // The same embedding as the grown classifier (`auto` chose it on the old classes).
      layer: first.meta.backbone.layer ?? options.layer,
      support: pick([...oldClasses, ...newClasses], 'train', options.shots),
      out: together,
    });
    const testOld = pick(oldClasses, 'test', options.testPerClass);
    const testNew = pick(newClasses, 'test', options.testPerClass);
    const [a, b, c] = [
      await loadBundle(fitted),
      await loadBundle(grown),
      await loadBundle(together),
    ];
    const p = a.meta.preprocessing;
    const before = await logitsOf(a.model, p, testOld, options.batchSize);
    const after = await logitsOf(b.model, p, testOld, options.batchSize);
    const atOnce = await logitsOf(c.model, p, testOld, options.batchSize);

    let identical = true;
    let moved = 0;
    const takenBy: Record<string, number> = Object.fromEntries(newClasses.map((n) => [n, 0]));
    const A = oldClasses.length;
    before.labels.forEach((_, i) => {
      for (let k = 0; k < A; k++) {
        if (!Object.is(before.values[i * A + k], after.values[i * after.classes + k]))
          identical = false;
      }
      const was = argmax(before.values, A, i);
      const now = argmax(after.values, after.classes, i);
      if (now >= A) takenBy[newClasses[now - A]!]!++;
      else if (now !== was) moved++;
    });
    const beforeAcc = accuracy(before);
    const afterAcc = accuracy(after);
    const leaveOut = options.leaveOut ?? [];
    const unknown = leaveOut.filter((c) => !newClasses.includes(c));
    if (unknown.length > 0)
      throw badUsage(`leaveOut: ${unknown.join(', ')} not among the new classes`);
    const masked = new Set(leaveOut.map((c) => A + newClasses.indexOf(c)));
    const without = accuracy(after, 0, masked);
    return {
      before: beforeAcc,
      after: afterAcc,
      dropPoints: (beforeAcc - afterAcc) * 100,
      ...(leaveOut.length > 0
        ? {
            afterWithout: {
              classes: leaveOut,
              accuracy: without,
              dropPoints: (beforeAcc - without) * 100,
            },
          }
        : {}),
      oldLogitsIdentical: identical,
      movedToOtherOldClass: moved,
      takenBy,
      fitAllAtOnce: accuracy(atOnce),
      newClasses: {
        grown: accuracy(await logitsOf(b.model, p, testNew, options.batchSize), A),
        fitAllAtOnce: accuracy(await logitsOf(c.model, p, testNew, options.batchSize), A),
      },
      testImages: { old: before.labels.length, new: testNew.splits.test?.length ?? 0 },
    };
  } finally {
    await fs.rm(work, { recursive: true, force: true });
  }
}
