// Seeded stratified train/val split: each class is shuffled on its own stream and cut at
// round(n * valFraction), clamped so a class with >= 2 samples lands in both parts.
import { Rng } from '../util/rng.js';
import type { Sample, SplitName } from './types.js';

/** The split to score: the one asked for; by default test, else val, else all of them. */
export function resolveSplit(
  splits: Partial<Record<SplitName, Sample[]>>,
  split?: SplitName | 'all',
): SplitName | 'all' {
  return split ?? (splits.test ? 'test' : splits.val ? 'val' : 'all');
}

/** The samples of `resolveSplit(splits, split)`. */
export function pickSplit(
  splits: Partial<Record<SplitName, Sample[]>>,
  split?: SplitName | 'all',
): Sample[] {
  const name = resolveSplit(splits, split);
  return name === 'all' ? Object.values(splits).flat() : (splits[name] ?? []);
}

export interface SplitResult {
  train: Sample[];
  val: Sample[];
}

export function stratifiedSplit(
  samples: readonly Sample[],
  valFraction: number,
  seed = 0,
): SplitResult {
  if (!(valFraction >= 0 && valFraction <= 1)) {
    throw new RangeError(`valFraction must be in [0, 1], got ${valFraction}`);
  }
  const byLabel = new Map<number, number[]>();
  samples.forEach((s, i) => {
    const list = byLabel.get(s.label);
    if (list) list.push(i);
    else byLabel.set(s.label, [i]);
  });
  const inVal = new Uint8Array(samples.length);
  const root = new Rng(seed).fork('stratified-split');
  for (const [label, members] of byLabel) {
    const n = members.length;
    let nVal = Math.round(n * valFraction);
    if (n >= 2 && valFraction > 0 && valFraction < 1) nVal = Math.min(n - 1, Math.max(1, nVal));
    const perm = root.fork(label).permutation(n);
    for (let k = 0; k < nVal; k++) inVal[members[perm[k]!]!] = 1;
  }
  // Keep the original relative order in both parts.
  const train: Sample[] = [];
  const val: Sample[] = [];
  samples.forEach((s, i) => {
    (inVal[i] ? val : train).push(s);
  });
  return { train, val };
}
