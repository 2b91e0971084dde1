// Episodes: the unit of few-shot learning and evaluation. An N-way K-shot Q-query episode draws
// N classes from a pool, then K support and Q query images of each (disjoint), relabelled 0..N-1
// in the order the classes were drawn. Everything is seeded: the same seed gives the same
// episodes on every machine, which is how every method is evaluated on the same test episodes.
import { badInput, badUsage } from '../../errors.js';
import { Rng } from '../../util/rng.js';

/** A fixed count, or a range [min, max] drawn uniformly per episode (variable N or K). */
export type Count = number | readonly [number, number];

export interface EpisodeSpec {
  ways: Count;
  shots: Count;
  /** Query images per class. */
  queries: number;
}

/** Items (indices into a feature cache or sample list) grouped by class. */
export interface ClassPool {
  /** Class names, index = pool class id. */
  names: string[];
  /** items[c] = the items of class c. */
  items: number[][];
  /** What the pool is, for error messages (e.g. "meta-test classes of fashion-mnist"). */
  description: string;
}

export interface Episode {
  /** Pool class ids in episode-label order: classes[j] is episode label j. */
  classes: number[];
  support: number[];
  /** Episode labels of the support items, 0..ways-1. */
  supportLabels: Int32Array;
  query: number[];
  queryLabels: Int32Array;
  ways: number;
  shots: number;
}

const range = (c: Count): [number, number] => (typeof c === 'number' ? [c, c] : [c[0], c[1]]);
const draw = (c: Count, rng: Rng): number => {
  const [lo, hi] = range(c);
  return lo + rng.int(hi - lo + 1);
};

/**
 * Throws a clear error when the pool cannot give episodes of this spec: bad counts, more ways
 * than classes, or a class with fewer than K + Q images (every class can be drawn).
 */
export function checkSpec(pool: ClassPool, spec: EpisodeSpec): void {
  for (const [name, c, min] of [
    ['ways', spec.ways, 2],
    ['shots', spec.shots, 1],
  ] as const) {
    const [lo, hi] = range(c);
    if (!(Number.isInteger(lo) && Number.isInteger(hi) && lo >= min && hi >= lo))
      throw badUsage(`--${name}: expected a whole number >= ${min} (or a range lo-hi), got ${c}`);
  }
  if (!(Number.isInteger(spec.queries) && spec.queries >= 1))
    throw badUsage(`--queries: expected a whole number >= 1, got ${spec.queries}`);
  const maxWays = range(spec.ways)[1];
  if (maxWays > pool.names.length) {
    throw badInput(
      `${maxWays}-way episodes need ${maxWays} classes, but the ${pool.description} have ${pool.names.length} (${pool.names.join(', ')})`,
    );
  }
  const need = range(spec.shots)[1] + spec.queries;
  const short = pool.names
    .map((name, c) => ({ name, have: pool.items[c]!.length }))
    .filter((x) => x.have < need);
  if (short.length > 0) {
    throw badInput(
      `${range(spec.shots)[1]}-shot ${spec.queries}-query episodes need ${need} images per class; in the ${pool.description}:`,
      short.map((x) => `class '${x.name}' has ${x.have}`),
    );
  }
}

/** One episode drawn with `rng`; call checkSpec first. */
export function sampleEpisode(pool: ClassPool, spec: EpisodeSpec, rng: Rng): Episode {
  const ways = draw(spec.ways, rng);
  const shots = draw(spec.shots, rng);
  const classes = rng.permutation(pool.names.length).slice(0, ways);
  const support: number[] = [];
  const query: number[] = [];
  const supportLabels = new Int32Array(ways * shots);
  const queryLabels = new Int32Array(ways * spec.queries);
  classes.forEach((c, j) => {
    const items = pool.items[c]!;
    const order = rng.permutation(items.length);
    for (let k = 0; k < shots; k++) {
      supportLabels[support.length] = j;
      support.push(items[order[k]!]!);
    }
    for (let q = 0; q < spec.queries; q++) {
      queryLabels[query.length] = j;
      query.push(items[order[shots + q]!]!);
    }
  });
  return { classes, support, supportLabels, query, queryLabels, ways, shots };
}

/** `count` episodes fixed by `seed`: episode i depends only on (seed, i). */
export function fixedEpisodes(
  pool: ClassPool,
  spec: EpisodeSpec,
  count: number,
  seed: number,
): Episode[] {
  checkSpec(pool, spec);
  const root = new Rng(seed).fork('episodes');
  return Array.from({ length: count }, (_, i) => sampleEpisode(pool, spec, root.fork(i)));
}

/** Parses `5` or `3-7` (a per-episode range) for --ways / --shots. */
export function parseCount(value: string, flag: string): Count {
  const m = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(value);
  if (!m) throw badUsage(`${flag}: expected a whole number or a range lo-hi, got '${value}'`);
  const lo = Number(m[1]);
  const hi = m[2] === undefined ? lo : Number(m[2]);
  if (hi < lo) throw badUsage(`${flag}: range ${value} is empty`);
  return lo === hi ? lo : [lo, hi];
}

export function formatCount(c: Count): string {
  return typeof c === 'number' ? String(c) : `${c[0]}-${c[1]}`;
}
