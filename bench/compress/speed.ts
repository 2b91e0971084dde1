// Inference speed of bundles against each other, measured in turns: every round times each
// bundle once on the same random batch, so a noisy neighbour slows all of them alike; per bundle
// the median over rounds, and its ratio to the first bundle's (the reference). Prints JSON.
// Usage: node --import tsx bench/compress/speed.ts BUNDLE... [--rounds 21] [--batch 32] [--warmup 3]
import * as tf from '@tensorflow/tfjs';
import { loadBundle } from '../../src/bundle/bundle.js';
import { engineInfo, initEngine } from '../../src/engine/index.js';
import { median } from '../../src/methods/compress/compare.js';
import { machineInfo } from '../machine.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : fallback;
}
const rounds = Number(arg('rounds', '21'));
const batch = Number(arg('batch', '32'));
const warmup = Number(arg('warmup', '3'));
const dirs = process.argv
  .slice(2)
  .filter((a, i, all) => !a.startsWith('--') && !all[i - 1]?.startsWith('--'));

await initEngine({});
const bundles = await Promise.all(dirs.map((d) => loadBundle(d)));
const size = bundles[0].meta.preprocessing.inputSize;
if (bundles.some((b) => b.meta.preprocessing.inputSize !== size))
  throw new Error('speed: bundles must share an input size');
const x = tf.randomNormal([batch, size, size, 3], 0, 1, 'float32', 0);
const once = async (model: tf.LayersModel) => {
  const start = performance.now();
  const y = model.predict(x) as tf.Tensor;
  await y.data();
  y.dispose();
  return performance.now() - start;
};
for (const b of bundles) for (let i = 0; i < warmup; i++) await once(b.model);
const times = bundles.map(() => [] as number[]);
for (let r = 0; r < rounds; r++) {
  for (const [i, b] of bundles.entries()) times[i].push(await once(b.model));
}
const rows = bundles.map((b, i) => {
  const ms = median(times[i]);
  return {
    bundle: dirs[i],
    parameters: b.model.countParams(),
    medianMs: ms,
    imagesPerSecond: (batch * 1000) / ms,
    speedup: median(times[0]) / ms,
  };
});
console.log(
  JSON.stringify(
    {
      benchmark: 'compress-speed',
      date: new Date().toISOString(),
      machine: { ...machineInfo(), engine: engineInfo()?.backend, threads: engineInfo()?.threads },
      command: `node --import tsx bench/compress/speed.ts ${dirs.join(' ')} --rounds ${rounds} --batch ${batch} --warmup ${warmup}`,
      inputSize: size,
      rows,
    },
    null,
    2,
  ),
);
