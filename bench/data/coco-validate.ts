// How long opening (validating) a large COCO detection file takes, and what a 50 MB deeply nested
// JSON costs before it is refused. Prints JSON: seconds and peak RSS (MiB) per case.
// Run: node --import tsx bench/data/coco-validate.ts [images=200000]
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openCoco } from '../../src/data/detection/coco.js';
import { runAsScript } from '../run-as-script.js';

let peak = 0;
const sampler = setInterval(() => {
  peak = Math.max(peak, process.memoryUsage().rss);
}, 5);

async function measure<T>(
  work: () => Promise<T>,
): Promise<{ seconds: number; peakRssMb: number; result: T }> {
  global.gc?.();
  peak = process.memoryUsage().rss;
  const start = performance.now();
  const result = await work();
  peak = Math.max(peak, process.memoryUsage().rss);
  return {
    seconds: (performance.now() - start) / 1000,
    peakRssMb: Math.round(peak / 2 ** 20),
    result,
  };
}

/** A COCO file of `n` images (empty files, 100 per folder) with one box each. */
async function bigCoco(dir: string, n: number): Promise<string> {
  const images = [];
  const annotations = [];
  for (let i = 0; i < n; i++) {
    const file_name = `images/${Math.floor(i / 100)}/${i}.jpg`;
    images.push({ id: i + 1, file_name, width: 640, height: 480 });
    annotations.push({
      id: i + 1,
      image_id: i + 1,
      category_id: 1 + (i % 3),
      bbox: [10, 10, 50, 40],
    });
  }
  for (let f = 0; f < Math.ceil(n / 100); f++) {
    const folder = path.join(dir, 'images', String(f));
    await fs.mkdir(folder, { recursive: true });
    await Promise.all(
      Array.from({ length: Math.min(100, n - f * 100) }, (_, k) =>
        fs.writeFile(path.join(folder, `${f * 100 + k}.jpg`), ''),
      ),
    );
  }
  const file = path.join(dir, 'big.json');
  const categories = ['a', 'b', 'c'].map((name, i) => ({ id: i + 1, name }));
  await fs.writeFile(file, JSON.stringify({ images, annotations, categories }));
  return file;
}

/** About `mb` MiB of `[[[[…]]]]`: nesting no parser should recurse through. */
async function nestedCoco(dir: string, mb: number): Promise<string> {
  const half = (mb * 2 ** 20) / 2;
  const file = path.join(dir, 'nested.json');
  await fs.writeFile(file, `{"images":${'['.repeat(half)}${']'.repeat(half)},"categories":[]}`);
  return file;
}

async function main(): Promise<void> {
  const n = Number(process.argv[2] ?? 200_000);
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'vt-bench-coco-'));
  try {
    const big = await bigCoco(dir, n);
    const open = await measure(() => openCoco(big));
    const nested = await nestedCoco(dir, 50);
    const refused = await measure(() =>
      openCoco(nested).then(
        () => 'accepted',
        (err: Error) => err.message,
      ),
    );
    console.log(
      JSON.stringify(
        {
          node: process.version,
          cpus: os.cpus().length,
          validate: {
            images: n,
            annotations: open.result.samples.reduce((s, x) => s + x.boxes.length, 0),
            seconds: +open.seconds.toFixed(2),
            peakRssMb: open.peakRssMb,
          },
          nested50Mb: {
            seconds: +refused.seconds.toFixed(2),
            peakRssMb: refused.peakRssMb,
            message: refused.result,
          },
        },
        null,
        2,
      ),
    );
  } finally {
    clearInterval(sampler);
    await fs.rm(dir, { recursive: true, force: true });
  }
}

await runAsScript(import.meta.url, main);
