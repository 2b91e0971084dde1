// Seeded randomness for the whole library: xoshiro128** (Blackman & Vigna) seeded through
// splitmix32-style mixing. `fork(key)` derives a child stream from the *seed path* (not the
// parent's running state), so a sample's augmentation depends only on (seed, epoch, index),
// never on how many numbers other samples drew first or in which order batches were prefetched.

const GOLDEN = 0x9e3779b9;

/** Murmur3's 32-bit finalizer: a cheap bijective avalanche mix. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A 32-bit key for any seed or fork key: uint32 integers map to themselves, the rest hash (FNV-1a). */
function keyOf(key: number | string): number {
  if (typeof key === 'number' && Number.isInteger(key) && key >= 0 && key <= 0xffffffff) {
    return key >>> 0;
  }
  const s = String(key);
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

export class Rng {
  /** Identity of this stream (128 bits); forks mix their key into it. */
  private readonly id: Uint32Array;
  private readonly s: Uint32Array;

  constructor(seed: number | string | Uint32Array = 0) {
    if (seed instanceof Uint32Array) {
      this.id = Uint32Array.from(seed);
    } else {
      const k = keyOf(seed);
      this.id = new Uint32Array(4);
      for (let i = 0; i < 4; i++) this.id[i] = fmix32((k + Math.imul(GOLDEN, i + 1)) >>> 0);
    }
    this.s = Uint32Array.from(this.id);
    // xoshiro's all-zero state is a fixed point.
    if ((this.s[0] | this.s[1] | this.s[2] | this.s[3]) === 0) this.s[0] = GOLDEN;
  }

  /** A generator with exactly this raw xoshiro128** state (for reference vectors and tests). */
  static fromState(state: [number, number, number, number]): Rng {
    return new Rng(Uint32Array.from(state));
  }

  /** A child stream determined only by this stream's seed path and `key`. */
  fork(...keys: (number | string)[]): Rng {
    let id: Uint32Array = this.id;
    for (const key of keys) {
      const k = keyOf(key);
      const next = new Uint32Array(4);
      for (let i = 0; i < 4; i++) {
        next[i] = fmix32((id[i] ^ fmix32((k + Math.imul(GOLDEN, i + 1)) >>> 0)) >>> 0);
        // Chain words so that equal words in `id` do not stay equal.
        next[i] = fmix32((next[i] + (i > 0 ? next[i - 1] : id[3])) >>> 0);
      }
      id = next;
    }
    return new Rng(id);
  }

  /** Next raw 32-bit output. */
  nextUint32(): number {
    const s = this.s;
    const result = Math.imul(rotl(Math.imul(s[1], 5) >>> 0, 7), 9) >>> 0;
    const t = s[1] << 9;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  }

  /** Uniform float in [0, 1) with 32 bits of resolution. */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Uniform float in [lo, hi). */
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  /** Uniform integer in [0, n), unbiased (rejection sampling). */
  int(n: number): number {
    if (!(n >= 1) || n > 4294967296 || !Number.isInteger(n))
      throw new RangeError(`int(n): bad n ${n}`);
    const limit = 4294967296 - (4294967296 % n);
    let x = this.nextUint32();
    while (x >= limit) x = this.nextUint32();
    return x % n;
  }

  /** True with probability p. */
  bool(p = 0.5): boolean {
    return this.next() < p;
  }

  /** Standard normal (Box-Muller). */
  normal(): number {
    const u = 1 - this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** Fisher-Yates shuffle in place; returns the array. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = items[i]!;
      items[i] = items[j]!;
      items[j] = tmp;
    }
    return items;
  }

  /** A random permutation of 0..n-1. */
  permutation(n: number): number[] {
    return this.shuffle(Array.from({ length: n }, (_, i) => i));
  }
}
