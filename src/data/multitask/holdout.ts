// The seeded validation hold-out of a task's images, decided by each image's merge key: every
// image gets a rank from (seed, key) alone and the lowest-ranked round(n·fraction) are held out.
// So two tasks labelling the same images with the same fraction hold out the same images (a
// larger fraction holds out a superset), whatever order their data sets list them in.
import { Rng } from '../../util/rng.js';

export function holdOutByKey<T extends { key: string }>(
  items: readonly T[],
  fraction: number,
  seed: number,
): { train: T[]; val: T[] } {
  const root = new Rng(seed).fork('multitask-holdout');
  const ranked = items.map((item, i) => ({ i, rank: root.fork(item.key).nextUint32(), item }));
  const byKey = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  ranked.sort((a, b) => a.rank - b.rank || byKey(a.item.key, b.item.key) || a.i - b.i);
  const inVal = new Set(ranked.slice(0, Math.round(items.length * fraction)).map((r) => r.i));
  return {
    train: items.filter((_, i) => !inVal.has(i)),
    val: items.filter((_, i) => inVal.has(i)),
  };
}
