// Embedding-cache benchmark: wall time of a first (cold) and a second (cached) feature
// extraction of ~500 Fashion-MNIST images with pretrained MobileNetV2 at 96 px on wasm, each
// through cachedEmbeddings with a fresh temp cache. Prints JSON.
// Usage: node --import tsx bench/embed-cache.ts [--n 500] [--size 96]
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createModel } from '../src/backbones/index.js';
import { openFashionMnist } from '../src/data/index.js';
import { initEngine } from '../src/engine/index.js';
import { backboneIdentity } from '../src/methods/content-hash.js';
import { cachedEmbeddings } from '../src/methods/embedding-cache.js';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const N = arg('n', 500);
const SIZE = arg('size', 96);

const engine = await initEngine({ backend: 'wasm' });
const source = await openFashionMnist();
const samples = source.splits.test!.slice(0, N);
const { model, config } = await createModel('mobilenet_v2', { inputSize: SIZE });
const backboneKey = await backboneIdentity('mobilenet_v2');
const cacheDir = await fs.mkdtemp(path.join(os.tmpdir(), 'vt-bench-cache-'));

async function timed() {
  const start = performance.now();
  const set = await cachedEmbeddings({
    model,
    backboneKey,
    config,
    source,
    samples,
    cacheDir,
    batchSize: 32,
  });
  return { ms: performance.now() - start, ...set.cache, dim: set.dim };
}

try {
  const first = await timed();
  const second = await timed();
  const { shard: _a, ...firstStats } = first;
  const { shard: _b, ...secondStats } = second;
  console.log(
    JSON.stringify(
      {
        task: 'embed-cache',
        backend: engine.backend,
        backbone: 'mobilenet_v2',
        inputSize: SIZE,
        images: samples.length,
        first: firstStats,
        second: secondStats,
        speedup: Number((first.ms / second.ms).toFixed(1)),
      },
      null,
      2,
    ),
  );
} finally {
  await fs.rm(cacheDir, { recursive: true, force: true });
}
