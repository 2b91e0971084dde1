// The PEFT benchmark's data sets (issue 27), each as one classification source per seed whose
// test split is the same images for every seed:
// - Fashion-MNIST and MNIST, K labelled training images per class drawn per seed and a fixed
//   test subset (the multi-task benchmark's pair-set.ts writes both manifests; here each seed's
//   training rows and the test rows are joined into one manifest with a `split` column);
// - a real-photo folder set (bench/rank/photo-sets.ts: one Debian wallpaper per class, train and
//   test crops from disjoint checkerboard cells), built once: every seed trains on its crops.
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { makePairSet } from '../multitask/pair-set.js';
import { PHOTO_SETS, photoSetFolder } from '../rank/photo-sets.js';

export interface BenchSet {
  name: string;
  origin: string;
  /** The `data` of a run with this training seed (its test split is the same for every seed). */
  data: Record<number, string>;
}

/** A manifest's rows without its `path,label` header, each ending in `,<split>`. */
async function rowsWithSplit(file: string, split: 'train' | 'test'): Promise<string[]> {
  const lines = (await readFile(file, 'utf8')).split('\n').filter(Boolean);
  if (lines[0] !== 'path,label') throw new Error(`${file}: expected a path,label header`);
  return lines.slice(1).map((line) => `${line},${split}`);
}

export async function makeBenchSets(options: {
  work: string;
  k: number;
  testPerClass: number;
  seeds: readonly number[];
  photoSet: string;
  photoCache: string;
  /** Crops per photo (default photo-sets.ts's: 20 train, 120 test). */
  photoCrops?: { trainPerClass: number; testPerClass: number };
}): Promise<BenchSet[]> {
  const pair = await makePairSet(join(options.work, 'digits'), options);
  const sets: BenchSet[] = [];
  for (const made of pair) {
    const test = await rowsWithSplit(made.test, 'test');
    const data: Record<number, string> = {};
    for (const seed of options.seeds) {
      const file = join(dirname(made.test), `bench-k${options.k}-s${seed}.csv`);
      const train = await rowsWithSplit(made.train[seed]!, 'train');
      await writeFile(file, `path,label,split\n${[...train, ...test].join('\n')}\n`);
      data[seed] = file;
    }
    sets.push({
      name: `${made.source}-k${options.k}`,
      origin: `npm ${made.source}: K = ${options.k} per class from the train split (seeded), ${made.testImages} fixed test images`,
      data,
    });
  }
  const photo = PHOTO_SETS.find((s) => s.name === options.photoSet);
  if (!photo)
    throw new Error(
      `--photo-set: '${options.photoSet}' is not one of ${PHOTO_SETS.map((s) => s.name).join(', ')}`,
    );
  // One set of crops (seed 0) for every training seed: the test crops stay the same.
  const folder = await photoSetFolder(photo, {
    cacheDir: options.photoCache,
    seed: 0,
    ...options.photoCrops,
  });
  sets.push({
    name: photo.name,
    origin: `Debian ${photo.debianPackage}: one class per photo, train/test crops from disjoint checkerboard cells (bench/rank/photo-sets.ts)`,
    data: Object.fromEntries(options.seeds.map((seed) => [seed, folder])),
  });
  return sets;
}
