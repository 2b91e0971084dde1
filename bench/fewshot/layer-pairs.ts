// Why few-shot `--layer auto` ranks single layers only: nearest-centroid accuracy (cosine, the
// default, and squared euclidean, what ProtoNets start from) on the same seeded meta-test
// episodes for the single layer LogME ranks first on the meta-train classes and for its top
// pairs 'a+b' — raw (what a few-shot network pools: no standardization) and with each feature
// standardized by the meta-train images' statistics (what a bundle would have to store).
// Prints JSON. Usage: node --import tsx bench/fewshot/layer-pairs.ts [--setting within|cross]
//   [--episodes 600] [--per-class 600]
import { layersOfSpec } from '../../src/backbones/layer-spec.js';
import { openSource } from '../../src/data/index.js';
import type { Sample } from '../../src/data/types.js';
import { initEngine } from '../../src/engine/index.js';
import { fixedEpisodes } from '../../src/methods/fewshot/episodes.js';
import { buildPool, type SamplePool } from '../../src/methods/fewshot/pools.js';
import { meanCI } from '../../src/methods/fewshot/stats.js';
import { scorableSamples } from '../../src/methods/rank/auto-layer.js';
import { DEFAULT_SCORE_IMAGES, scoringSubsample } from '../../src/methods/rank/choose-layer.js';
import { embedCandidates } from '../../src/methods/rank/embed-candidates.js';
import { scoreLayers } from '../../src/methods/rank/score-layers.js';
import { machineInfo } from '../machine.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : fallback;
}
const setting = arg('setting', 'within');
const episodes = Number(arg('episodes', '600'));
const perClass = Number(arg('per-class', '600'));
const BACKBONE = 'mobilenet_v2';
const SIZE = 64;
const SEED = 0;

const engine = await initEngine({});
const started = Date.now();
const train = await openSource(setting === 'within' ? 'fashion-mnist' : 'mnist');
const test = setting === 'within' ? train : await openSource('fashion-mnist');
const range = (lo: number, hi: number) => Array.from({ length: hi - lo + 1 }, (_, i) => lo + i);
const pool = (source: typeof train, classes: number[], role: 'train' | 'test') =>
  buildPool(source, classes, { maxPerClass: perClass, seed: SEED, role });
const trainPool = pool(train, setting === 'within' ? range(0, 4) : range(0, 9), 'train');
const testPool = pool(test, setting === 'within' ? range(5, 9) : range(0, 9), 'test');

/** Every candidate layer's pooled features of a pool's images, by layer name. */
async function features(p: SamplePool, samples: readonly Sample[] = p.samples) {
  const set = await embedCandidates({
    backbone: BACKBONE,
    inputSize: SIZE,
    source: p.source,
    samples,
    seed: SEED,
  });
  return { byLayer: new Map(set.layers.map((l) => [l.layer, l])), labels: set.labels };
}

// The choice as few-shot auto makes it (a subsample of the meta-train images), with pairs allowed
// for the comparison; the standardization statistics come from the same images.
const scorable = scorableSamples(trainPool.samples);
const chosen = scoringSubsample(scorable.samples, scorable.classes, DEFAULT_SCORE_IMAGES, SEED);
const trainFeatures = await features(trainPool, chosen);
const scores = scoreLayers(
  [...trainFeatures.byLayer.values()],
  trainFeatures.labels,
  scorable.classes,
);
const testFeatures = await features(testPool);

/** Per-column mean and 1/std of a layer's meta-train features. */
function statistics(layer: string) {
  const { features: x, dim } = trainFeatures.byLayer.get(layer)!;
  const n = x.length / dim;
  const mean = new Float64Array(dim);
  const inv = new Float64Array(dim);
  for (let i = 0; i < n; i++) for (let j = 0; j < dim; j++) mean[j]! += x[i * dim + j]! / n;
  for (let j = 0; j < dim; j++) {
    let v = 0;
    for (let i = 0; i < n; i++) v += (x[i * dim + j]! - mean[j]!) ** 2;
    const std = Math.sqrt(v / n);
    inv[j] = std > 1e-12 ? 1 / std : 0;
  }
  return { mean, inv };
}

/** Rows of the test pool for a spec: the layers' features concatenated, optionally standardized. */
function rows(spec: string, standardize: boolean): Float64Array[] {
  const parts = layersOfSpec(spec).map((layer) => ({
    ...testFeatures.byLayer.get(layer)!,
    stats: standardize ? statistics(layer) : undefined,
  }));
  return testPool.samples.map((_, i) => {
    const out: number[] = [];
    for (const { features: x, dim, stats } of parts)
      for (let j = 0; j < dim; j++) {
        const v = x[i * dim + j]!;
        out.push(stats ? (v - stats.mean[j]!) * stats.inv[j]! : v);
      }
    return Float64Array.from(out);
  });
}

/** Nearest-centroid accuracy per episode. */
function centroidAccuracy(data: Float64Array[], metric: 'cosine' | 'euclidean', shots: number) {
  const unit = (v: Float64Array) => {
    const norm = Math.sqrt(v.reduce((s, x) => s + x * x, 0)) || 1;
    return v.map((x) => x / norm);
  };
  const x = metric === 'cosine' ? data.map(unit) : data;
  const list = fixedEpisodes(testPool, { ways: 5, shots, queries: 15 }, episodes, SEED);
  const accuracies = list.map((e) => {
    const dim = x[0]!.length;
    const protos = Array.from({ length: e.ways }, () => new Float64Array(dim));
    e.support.forEach((item, k) => {
      const p = protos[e.supportLabels[k]!]!;
      for (let j = 0; j < dim; j++) p[j]! += x[item]![j]! / e.shots;
    });
    const ps = metric === 'cosine' ? protos.map(unit) : protos;
    let right = 0;
    e.query.forEach((item, k) => {
      let best = -1;
      let bestScore = -Infinity;
      ps.forEach((p, c) => {
        let s = 0;
        for (let j = 0; j < dim; j++)
          s += metric === 'cosine' ? p[j]! * x[item]![j]! : -((p[j]! - x[item]![j]!) ** 2);
        if (s > bestScore) [best, bestScore] = [c, s];
      });
      if (best === e.queryLabels[k]) right++;
    });
    return right / e.query.length;
  });
  return meanCI(accuracies);
}

const single = scores.find((s) => !s.layer.includes('+'))!;
const pairs = scores.filter((s) => s.layer.includes('+'));
const results = [single, ...pairs].flatMap((s) =>
  [false, true].map((standardized) => ({
    layer: s.layer,
    logme: s.score,
    rank: scores.indexOf(s) + 1,
    standardized,
    ...Object.fromEntries(
      (['cosine', 'euclidean'] as const).flatMap((metric) =>
        [1, 5].map((k) => {
          const r = centroidAccuracy(rows(s.layer, standardized), metric, k);
          return [`${metric}_${k}shot`, { mean: r.mean, ci95: r.ci95 }];
        }),
      ),
    ),
  })),
);
process.stdout.write(
  `${JSON.stringify(
    {
      benchmark: 'fewshot-layer-pairs',
      machine: { ...machineInfo(), backend: engine.backend },
      command:
        `node --import tsx bench/fewshot/layer-pairs.ts ${process.argv.slice(2).join(' ')}`.trim(),
      setting,
      backbone: `${BACKBONE} pretrained, ${SIZE} px`,
      protocol: { ways: 5, queries: 15, episodes, seed: SEED, perClass },
      choiceImages: chosen.length,
      scores: scores.slice(0, 8),
      results,
      seconds: (Date.now() - started) / 1000,
    },
    null,
    2,
  )}\n`,
);
