// The linear probe's solve alone (src/methods/classification/probe-solve.ts): multinomial
// logistic regression by L-BFGS in float64 over the L2 grid, strongest first, each strength
// warm-started from the previous solution — as solveProbe runs it. Seeded synthetic features
// shaped like pooled ReLU embeddings (non-negative, class-dependent, correlated through a few
// shared factors), standardized; 10 classes. Per size and strength: wall time, L-BFGS
// iterations, objective evaluations and the penalized training loss reached. Each size is solved
// --reps times; medians are quoted.
// With --fashion-mnist N, real embeddings too: mobilenet_v2 out_relu at 224 px (ONNX Runtime) of
// the first N Fashion-MNIST training images per class, as the linear probe's training split
// (the embedding cache keeps them, so a rerun skips the model).
// Prints JSON; --out FILE also writes it.
// Usage: node --import tsx bench/probe-solve.ts [--sizes 500x1280,2000x1280,2000x2048]
//          [--reps 3] [--classes 10] [--fashion-mnist 200] [--out FILE]
import { promises as fs } from 'node:fs';
import { createModel } from '../src/backbones/index.js';
import { openFashionMnist } from '../src/data/index.js';
import { initEngine } from '../src/engine/index.js';
import { featureStatistics } from '../src/heads/standardize.js';
import { PROBE_L2_GRID } from '../src/methods/classification/probe-solve.js';
import { backboneIdentity } from '../src/methods/content-hash.js';
import { cachedEmbeddings } from '../src/methods/embedding-cache.js';
import { solveLogistic } from '../src/methods/rank/probe.js';
import { Rng } from '../src/util/rng.js';
import { machineInfo } from './machine.js';
import { runAsScript } from './run-as-script.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : fallback;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

interface Problem {
  x: Float64Array;
  dim: number;
  labels: number[];
  classes: number;
}

/**
 * `n` rows of `dim` features: ReLU of a class centre plus a few shared factors and noise, so the
 * features are non-negative, partly sparse and correlated, as pooled CNN embeddings are.
 */
function syntheticEmbeddings(n: number, dim: number, classes: number, seed: number) {
  const rng = new Rng(seed);
  const factors = 16;
  const centres = Array.from({ length: classes }, () =>
    Float64Array.from({ length: dim }, () => 0.6 * rng.normal()),
  );
  const loadings = Float64Array.from({ length: factors * dim }, () => rng.normal() / 3);
  const labels = Array.from({ length: n }, (_, i) => i % classes);
  const embeddings = new Float32Array(n * dim);
  const f = new Float64Array(factors);
  for (let i = 0; i < n; i++) {
    for (let t = 0; t < factors; t++) f[t] = rng.normal();
    const centre = centres[labels[i]!]!;
    for (let j = 0; j < dim; j++) {
      let v = centre[j]! + 0.8 * rng.normal();
      for (let t = 0; t < factors; t++) v += f[t]! * loadings[t * dim + j]!;
      embeddings[i * dim + j] = Math.max(0, v);
    }
  }
  return { embeddings, labels, dim };
}

/** Pooled mobilenet_v2 out_relu embeddings of the first `perClass` training images per class. */
export async function fashionMnistEmbeddings(perClass: number) {
  await initEngine({ backend: 'torch' });
  const source = await openFashionMnist();
  const seen = new Map<number, number>();
  const samples = source.splits.train!.filter((s) => {
    const k = seen.get(s.label) ?? 0;
    seen.set(s.label, k + 1);
    return k < perClass;
  });
  const backbone = 'mobilenet_v2';
  const { model, config, entry } = await createModel(backbone, {
    inputSize: 224,
    embeddingLayer: 'out_relu',
  });
  const set = await cachedEmbeddings({
    model,
    backboneKey: await backboneIdentity(backbone, { pretrained: entry.hasPretrained, seed: 0 }),
    config,
    source,
    samples,
    batchSize: 16,
  });
  return { embeddings: set.embeddings, labels: Array.from(set.labels), dim: set.dim };
}

/** Standardized float64 rows, as solveProbe feeds the solver. */
export function standardize(embeddings: ArrayLike<number>, dim: number): Float64Array {
  const { mean, std } = featureStatistics(Float32Array.from(embeddings), dim);
  return Float64Array.from(embeddings, (v, i) => (v - mean[i % dim]!) / std[i % dim]!);
}

/** One warm-started pass over the L2 grid, timed per strength. */
function solvePath(p: Problem) {
  let start: Float64Array | undefined;
  return PROBE_L2_GRID.map((l2) => {
    const t0 = performance.now();
    const r = solveLogistic(p.x, p.dim, p.labels, p.classes, l2, start);
    const ms = performance.now() - t0;
    start = r.w;
    return { l2, ms, iterations: r.iterations, evaluations: r.evaluations, loss: r.loss };
  });
}

function benchProblem(name: string, p: Problem, reps: number) {
  const runs = Array.from({ length: reps }, () => solvePath(p));
  const strengths = PROBE_L2_GRID.map((l2, s) => ({
    l2,
    ms: Math.round(median(runs.map((r) => r[s]!.ms))),
    iterations: runs[0]![s]!.iterations,
    evaluations: runs[0]![s]!.evaluations,
    loss: runs[0]![s]!.loss,
    msPerEvaluation: Number(median(runs.map((r) => r[s]!.ms / r[s]!.evaluations)).toFixed(2)),
  }));
  const total = runs.map((r) => r.reduce((a, s) => a + s.ms, 0));
  const result = {
    name,
    rows: p.labels.length,
    dim: p.dim,
    classes: p.classes,
    reps,
    totalMs: { median: Math.round(median(total)), all: total.map(Math.round) },
    strengths,
  };
  console.error(`${name}: ${result.totalMs.median} ms (median of ${reps})`);
  return result;
}

async function main() {
  const reps = Number(arg('reps', '3'));
  const classes = Number(arg('classes', '10'));
  const sizes = arg('sizes', '500x1280,2000x1280,2000x2048')
    .split(',')
    .filter(Boolean)
    .map((s) => s.split('x').map(Number) as [number, number]);
  const results = [];
  for (const [n, dim] of sizes) {
    const raw = syntheticEmbeddings(n, dim, classes, 1);
    const x = standardize(raw.embeddings, dim);
    results.push(
      benchProblem(`synthetic ${n}x${dim}`, { x, dim, labels: raw.labels, classes }, reps),
    );
  }
  const perClass = Number(arg('fashion-mnist', '0'));
  if (perClass > 0) {
    const real = await fashionMnistEmbeddings(perClass);
    const x = standardize(real.embeddings, real.dim);
    const name = `fashion-mnist mobilenet_v2 out_relu ${real.labels.length}x${real.dim}`;
    results.push(benchProblem(name, { x, dim: real.dim, labels: real.labels, classes }, reps));
  }
  const out = JSON.stringify(
    { date: new Date().toISOString(), machine: machineInfo(), results },
    null,
    2,
  );
  console.log(out);
  const outFile = arg('out', '');
  if (outFile) await fs.writeFile(outFile, `${out}\n`);
}

await runAsScript(import.meta.url, main);
