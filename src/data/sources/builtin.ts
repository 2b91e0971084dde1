// Built-in gray datasets held in memory as uint8 (28x28), expanded to RGB on read.
// Split: a fixed, seeded, per-class division — 1/7 of each class goes to `test` (for
// Fashion-MNIST that is 1,000 per class: the original 60,000 / 10,000 proportions), chosen by
// Rng(BUILTIN_SPLIT_SEED).fork(dataset, class); the same on every machine and every run.
import { badInput } from '../../errors.js';
import { Rng } from '../../util/rng.js';
import type { DataSource, DecodedImage, Sample } from '../types.js';

export const BUILTIN_SPLIT_SEED = 20240607;
export const BUILTIN_TEST_FRACTION = 1 / 7;

export interface GrayDataset {
  /** count * side * side gray bytes, image-major. */
  pixels: Uint8Array;
  labels: Uint8Array;
  side: number;
}

export function builtinSource(name: string, classes: string[], ds: GrayDataset): DataSource {
  const count = ds.labels.length;
  const byClass: number[][] = classes.map(() => []);
  for (let i = 0; i < count; i++) byClass[ds.labels[i]!]!.push(i);
  const isTest = new Uint8Array(count);
  byClass.forEach((members, c) => {
    const nTest = Math.round(members.length * BUILTIN_TEST_FRACTION);
    const perm = new Rng(BUILTIN_SPLIT_SEED).fork(name, c).permutation(members.length);
    for (let k = 0; k < nTest; k++) isTest[members[perm[k]!]!] = 1;
  });
  const train: Sample[] = [];
  const test: Sample[] = [];
  for (let i = 0; i < count; i++) {
    (isTest[i] ? test : train).push({ id: `${name}:${i}`, label: ds.labels[i]! });
  }
  const area = ds.side * ds.side;
  const indexOf = (sample: Sample): number => {
    const prefix = `${name}:`;
    const i = sample.id.startsWith(prefix) ? Number(sample.id.slice(prefix.length)) : Number.NaN;
    if (!Number.isInteger(i) || i < 0 || i >= count) {
      throw badInput(`No sample ${sample.id} in ${name}`, [
        `${sample.id}: not an index of ${name}`,
      ]);
    }
    return i;
  };
  return {
    name,
    classes,
    splits: { train, test },
    async read(sample: Sample): Promise<DecodedImage> {
      const i = indexOf(sample);
      const data = new Uint8Array(area * 3);
      const base = i * area;
      for (let p = 0; p < area; p++) {
        const v = ds.pixels[base + p]!;
        data[p * 3] = v;
        data[p * 3 + 1] = v;
        data[p * 3 + 2] = v;
      }
      return { data, width: ds.side, height: ds.side };
    },
    // Index plus a hash of the pixels: stable across runs, and a package update that changes an
    // image changes its key.
    contentKey(sample: Sample): string {
      const i = indexOf(sample);
      return `${name}:${ds.side}:${i}:${pixelHash(ds.pixels.subarray(i * area, (i + 1) * area))}`;
    },
  };
}

/** A 64-bit non-cryptographic hash (cyrb53-style mixing, two 32-bit lanes) as 16 hex digits. */
function pixelHash(bytes: Uint8Array): string {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    h1 = Math.imul(h1 ^ b, 2654435761);
    h2 = Math.imul(h2 ^ b, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  const hex = (h: number) => (h >>> 0).toString(16).padStart(8, '0');
  return hex(h2) + hex(h1);
}
