// Which labelled images `compare` scores every bundle on, with a limit: a seeded per-class
// subset of the chosen split (data/split.ts's pickSplit), so every bundle sees exactly the same
// images and the classes stay balanced however the source is ordered.
import type { Sample } from '../../data/types.js';
import { Rng } from '../../util/rng.js';

/**
 * At most `perClass` samples of each class, chosen by `Rng(seed).fork('compare', class)` and
 * kept in the source's order. Unlabelled samples (label −1) are dropped: they cannot be scored.
 */
export function limitPerClass(samples: readonly Sample[], perClass: number, seed = 0): Sample[] {
  const byClass = new Map<number, number[]>();
  samples.forEach((s, i) => {
    if (s.label < 0) return;
    const list = byClass.get(s.label) ?? [];
    list.push(i);
    byClass.set(s.label, list);
  });
  const keep: number[] = [];
  for (const [label, members] of byClass) {
    if (members.length <= perClass) {
      keep.push(...members);
      continue;
    }
    const perm = new Rng(seed).fork('compare', label).permutation(members.length);
    for (let k = 0; k < perClass; k++) keep.push(members[perm[k]]);
  }
  return keep.sort((a, b) => a - b).map((i) => samples[i]);
}
