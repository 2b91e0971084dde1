// The order samples are visited in one epoch. Plain: every sample once (shuffled by
// (seed, epoch) when asked). Balanced: n draws with replacement, weights proportional to
// 1 / class count, done as "pick a class uniformly, then a member uniformly" (same law, O(1)).
import { Rng } from '../util/rng.js';
import type { Sample } from './types.js';

export interface OrderOptions {
  shuffle: boolean;
  balanced: boolean;
  seed: number;
  epoch: number;
}

export function classCounts(samples: readonly Sample[]): Map<number, number> {
  const counts = new Map<number, number>();
  for (const s of samples) counts.set(s.label, (counts.get(s.label) ?? 0) + 1);
  return counts;
}

export function epochOrder(samples: readonly Sample[], options: OrderOptions): number[] {
  const n = samples.length;
  const rng = new Rng(options.seed).fork('order', options.epoch);
  if (options.balanced) {
    const groups = new Map<number, number[]>();
    samples.forEach((s, i) => {
      const g = groups.get(s.label);
      if (g) g.push(i);
      else groups.set(s.label, [i]);
    });
    const lists = [...groups.keys()].sort((a, b) => a - b).map((k) => groups.get(k)!);
    return Array.from({ length: n }, () => {
      const members = lists[rng.int(lists.length)]!;
      return members[rng.int(members.length)]!;
    });
  }
  return options.shuffle ? rng.permutation(n) : Array.from({ length: n }, (_, i) => i);
}

/** Per-sample weights proportional to 1 / class count, summing to 1 (each class gets equal mass). */
export function balancedWeights(samples: readonly Sample[]): Float64Array {
  const counts = classCounts(samples);
  const w = new Float64Array(samples.length);
  samples.forEach((s, i) => {
    w[i] = 1 / (counts.get(s.label)! * counts.size);
  });
  return w;
}
