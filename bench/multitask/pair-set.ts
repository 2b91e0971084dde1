// The two-dataset classification pair of the multi-task benchmark (issue 27): Fashion-MNIST and
// MNIST (visiontune's built-in sets and their fixed train/test split), K training images per
// class drawn per seed (takePerClass, as the transfer benchmark draws them) and a fixed test set
// per class, written as PNG files with `path,label` manifests — one folder per dataset, so each is
// a classification task's `data` / `testData` and the two never share an image.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { mapLimited } from '../../src/data/limit.js';
import { openSource } from '../../src/data/sources/open.js';
import type { Sample } from '../../src/data/types.js';
import { takePerClass } from '../../src/methods/classification/splits.js';

export const PAIR_DATASETS = ['fashion-mnist', 'mnist'] as const;
/** The test images are the same for every seed: drawn with this seed from the test split. */
const TEST_SEED = 1000;

export interface PairDataset {
  /** The built-in set it comes from. */
  source: (typeof PAIR_DATASETS)[number];
  classes: string[];
  /** Training manifest per seed. */
  train: Record<number, string>;
  test: string;
  testImages: number;
}

const csvField = (f: string) => (/[",\n]/.test(f) ? `"${f.replace(/"/g, '""')}"` : f);

/** Writes both datasets under `dir`: K per class per seed for training, `testPerClass` to test. */
export async function makePairSet(
  dir: string,
  options: { k: number; testPerClass: number; seeds: readonly number[] },
): Promise<PairDataset[]> {
  const made: PairDataset[] = [];
  for (const name of PAIR_DATASETS) {
    const source = await openSource(name);
    const folder = join(dir, name);
    await mkdir(join(folder, 'images'), { recursive: true });
    const written = new Set<string>();
    const manifest = async (file: string, samples: Sample[]) => {
      const rows = samples.map((s) => {
        const path = `images/${s.id.replace(/[^a-z0-9_-]+/gi, '_')}.png`;
        return { sample: s, path };
      });
      await mapLimited(rows, 8, async ({ sample, path }) => {
        if (written.has(path)) return;
        written.add(path);
        const image = await source.read(sample);
        await sharp(Buffer.from(image.data), {
          raw: { width: image.width, height: image.height, channels: 3 },
        })
          .png()
          .toFile(join(folder, path));
      });
      const lines = rows.map(({ sample, path }) =>
        [path, source.classes[sample.label]!].map(csvField).join(','),
      );
      await writeFile(join(folder, file), `path,label\n${lines.join('\n')}\n`);
      return join(folder, file);
    };
    const testSamples = takePerClass(source.splits.test!, options.testPerClass, TEST_SEED);
    const test = await manifest('test.csv', testSamples);
    const train: Record<number, string> = {};
    for (const seed of options.seeds)
      train[seed] = await manifest(
        `train-k${options.k}-s${seed}.csv`,
        takePerClass(source.splits.train!, options.k, seed),
      );
    made.push({
      source: name,
      classes: source.classes,
      train,
      test,
      testImages: testSamples.length,
    });
  }
  return made;
}
