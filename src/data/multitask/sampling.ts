// The order images are visited in one epoch of multi-task training, from (seed, epoch) alone so
// the loop can resume at any epoch and data-parallel ranks agree:
// - proportional: every image once, shuffled (a task is seen as often as it has images);
// - uniform: each of the epoch's slots is drawn for a task, every task getting the same share;
// - temperature: task k gets a share ∝ n_k^(1/T) (T = 1: ∝ its images; large T: uniform).
// Shares become exact slot counts (largest remainders), shuffled; a task's slots walk its images
// in a seeded permutation that continues across epochs (a new permutation each pass through them),
// so a small task repeats images only after showing all of them. The drawn image brings the labels
// of every task that labels it.
import { Rng } from '../../util/rng.js';
import type { SamplingStrategy } from './config.js';
import type { MultiTaskSample } from './types.js';

export interface EpochPlanOptions {
  strategy: SamplingStrategy;
  /** temperature only. */
  temperature?: number;
  seed: number;
  epoch: number;
  /** Images per epoch (default: the number of images; proportional always visits each once). */
  epochSize?: number;
  /** proportional: shuffle (default true); evaluation visits images in order. */
  shuffle?: boolean;
}

export interface EpochPlan {
  /** Sample indices in visiting order. */
  order: number[];
  /** For each position, the index of the task it was drawn for; -1 under proportional. */
  drawnFor: number[];
}

/** Each task's share of the epoch's draws. */
export function taskShares(
  counts: readonly number[],
  strategy: SamplingStrategy,
  temperature = 1,
): number[] {
  const weights = counts.map((n) =>
    n === 0
      ? 0
      : strategy === 'uniform'
        ? 1
        : strategy === 'temperature'
          ? n ** (1 / temperature)
          : n,
  );
  const total = weights.reduce((a, b) => a + b, 0);
  return weights.map((w) => (total > 0 ? w / total : 0));
}

/** Integer counts summing to `total`, each the floor of total·share plus one for the largest remainders. */
export function quotas(shares: readonly number[], total: number): number[] {
  const exact = shares.map((s) => s * total);
  const counts = exact.map(Math.floor);
  let left = total - counts.reduce((a, b) => a + b, 0);
  const byRemainder = exact
    .map((x, k) => ({ k, r: x - Math.floor(x) }))
    .sort((a, b) => b.r - a.r || a.k - b.k);
  for (const { k } of byRemainder) {
    if (left <= 0) break;
    counts[k]!++;
    left--;
  }
  return counts;
}

/** Indices of the samples each task labels, in sample order. */
export function taskMembers(samples: readonly MultiTaskSample[], tasks: readonly string[]) {
  return tasks.map((task) => samples.flatMap((s, i) => (s.labels[task] ? [i] : [])));
}

export function epochPlan(
  samples: readonly MultiTaskSample[],
  tasks: readonly string[],
  options: EpochPlanOptions,
): EpochPlan {
  const root = new Rng(options.seed);
  const n = samples.length;
  if (options.strategy === 'proportional') {
    const order =
      options.shuffle === false
        ? Array.from({ length: n }, (_, i) => i)
        : root.fork('multitask-order', options.epoch).permutation(n);
    return { order, drawnFor: order.map(() => -1) };
  }
  const members = taskMembers(samples, tasks);
  const size = options.epochSize ?? n;
  const counts = quotas(
    taskShares(
      members.map((m) => m.length),
      options.strategy,
      options.temperature,
    ),
    size,
  );
  // The epoch's slots: task k repeated counts[k] times, shuffled.
  const slots = counts.flatMap((c, k) => Array.from({ length: c }, () => k));
  const drawnFor = root
    .fork('multitask-slots', options.epoch)
    .permutation(slots.length)
    .map((i) => slots[i]!);
  const taken = counts.map(() => 0);
  const walks = new Map<string, number[]>();
  const walk = (k: number, pass: number) => {
    const id = `${k}:${pass}`;
    let perm = walks.get(id);
    if (!perm) {
      perm = root.fork('multitask-walk', tasks[k]!, pass).permutation(members[k]!.length);
      walks.set(id, perm);
    }
    return perm;
  };
  const order = drawnFor.map((k) => {
    const list = members[k]!;
    // The j-th draw of this epoch is draw epoch·count + j of the task's endless walk.
    const step = options.epoch * counts[k]! + taken[k]!++;
    return list[walk(k, Math.floor(step / list.length))[step % list.length]!]!;
  });
  return { order, drawnFor };
}
