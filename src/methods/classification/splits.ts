// Which images train, validate and test a run: the source's own splits when it has them, a
// stratified hold-out otherwise, and an optional K-per-class subsample of the training images
// (the few-label setting the transfer comparison is about). All choices are seeded.
import { stratifiedSplit } from '../../data/split.js';
import type { DataSource, Sample } from '../../data/types.js';
import { badInput } from '../../errors.js';
import { Rng } from '../../util/rng.js';

export interface RunSplits {
  train: Sample[];
  val: Sample[];
  test: Sample[];
}

/** `k` samples of each class in seeded random order (fewer when a class has fewer). */
export function takePerClass(samples: readonly Sample[], k: number, seed: number): Sample[] {
  const taken = new Map<number, number>();
  return new Rng(seed)
    .fork('per-class')
    .shuffle([...samples])
    .filter((s) => {
      const n = taken.get(s.label) ?? 0;
      taken.set(s.label, n + 1);
      return n < k;
    });
}

export function chooseSplits(
  source: DataSource,
  options: { val: number; labelsPerClass?: number; testPerClass?: number; seed: number },
): RunSplits {
  let train = source.splits.train ?? [];
  let val = source.splits.val ?? [];
  if (val.length === 0 && options.val > 0)
    ({ train, val } = stratifiedSplit(train, options.val, options.seed));
  if (options.labelsPerClass !== undefined) {
    train = takePerClass(train, options.labelsPerClass, options.seed);
    // Validation is held to the same label budget: a few-label user has no big val set either.
    val = takePerClass(val, options.labelsPerClass, options.seed + 1);
  }
  if (train.length === 0) throw badInput(`${source.name}: no training images`);
  const test = source.splits.test ?? [];
  return {
    train,
    val,
    test:
      options.testPerClass === undefined
        ? test
        : takePerClass(test, options.testPerClass, options.seed + 2),
  };
}

/**
 * Refuses training data whose images all carry one class (a one-class folder, or a label set
 * of which only one class has images): any strategy would fit a "classifier" that always
 * answers that class, or fail deep inside on a one-unit softmax.
 */
export function requireTwoClasses(source: DataSource, train: readonly Sample[]): void {
  const present = [...new Set(train.map((s) => s.label))].filter((l) => l >= 0);
  if (present.length >= 2) return;
  const names = present.map((l) => `'${source.classes[l] ?? l}'`).join('') || 'none';
  throw badInput(
    `${source.name}: the training images have ${present.length} class${present.length === 1 ? '' : 'es'} (${names}); a classifier needs images of at least 2 classes (one folder per class)`,
  );
}

/**
 * Where a run's final metrics are measured — the test split when there is one, else validation
 * (an error when both are empty) — and the size of each split.
 */
export function heldOut(source: DataSource, samples: RunSplits) {
  const evaluatedOn: 'test' | 'val' = samples.test.length > 0 ? 'test' : 'val';
  const evalSamples = samples[evaluatedOn];
  if (evalSamples.length === 0) {
    throw badInput(
      `${source.name}: no held-out images to evaluate on (add a test split or set val > 0)`,
    );
  }
  const splits = {
    train: samples.train.length,
    val: samples.val.length,
    test: samples.test.length,
  };
  return { evaluatedOn, evalSamples, splits };
}
