// Transferability ranking benchmark (issue 23): on Fashion-MNIST (K = 10 and 50 labels per class),
// MNIST (K = 10) and two sets of real photos from Debian wallpaper packages (photo-sets.ts), every
// backbone × layer × input-size candidate that `--layer auto` considers (the block outputs and
// taps of candidates.ts, plus the pairs that scoreLayers adds) gets LogME, H-score and a 5-fold
// cross-validated probe on the training images, and its actual test accuracy (a float64 logistic
// probe fitted on the training split, evaluated on the test split). Per set: Kendall's τ and
// weighted τ of each score with the test accuracy; the layer chooseLayer picks, its accuracy next
// to the oracle (best candidate by test accuracy) and out_relu (the previous default); times.
// Prints JSON; the whole run also goes to --out (and to --out after every set, so a stopped run
// keeps what it measured). Features come from the embedding cache: one forward pass per backbone
// × size × image covers all layers.
//
// Usage: node --import tsx bench/rank/rank.ts [--sets fashion-mnist-k10,...] [--small-sizes 96,160]
//        [--backbones mobilenet_v2] [--seed 0] [--out bench/results/rank-2026-12-07.json]
//        [--cache DIR] [--reuse earlier.json] (its sets are kept, the others measured)
//        [--photo-test-per-class 120] (test crops per photo class)
//        node --import tsx bench/rank/rank.ts --resummarize earlier.json --out again.json
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { getBackbone } from '../../src/backbones/index.js';
import { openFashionMnist, openFolder, openMnist } from '../../src/data/index.js';
import type { DataSource, Sample } from '../../src/data/types.js';
import { initEngine } from '../../src/engine/index.js';
import { takePerClass } from '../../src/methods/classification/splits.js';
import { chooseLayer } from '../../src/methods/rank/choose-layer.js';
import { embedCandidates } from '../../src/methods/rank/embed-candidates.js';
import { machineInfo } from '../machine.js';
import { runAsScript } from '../run-as-script.js';
import { scoreCandidate } from './candidate-scores.js';
import { PHOTO_SETS, PHOTO_TEST_PER_CLASS, photoSetFolder } from './photo-sets.js';
import { type CandidateRow, summarizeSet } from './summary.js';

const defaultLayer = (backbone: string) => getBackbone(backbone).config.embeddingLayer;

interface BenchSet {
  name: string;
  /** Where the images come from (package), for the report. */
  origin: string;
  /** 28 px images, embedded at --small-sizes; else at the backbone's native size. */
  small: boolean;
  load(): Promise<{ source: DataSource; train: Sample[]; test: Sample[] }>;
}

/** Test images per class of the 28 px sets (kept small: 2 cores, shared). */
const TEST_PER_CLASS = 50;

function builtinSet(
  name: string,
  open: () => Promise<DataSource>,
  k: number,
  seed: number,
): BenchSet {
  return {
    name: `${name}-k${k}`,
    origin: `npm ${name} (visiontune's fixed train/test split)`,
    small: true,
    async load() {
      const source = await open();
      // The same seed for every K: the K = 10 images are the first 10 of the K = 50 ones.
      const train = takePerClass(source.splits.train!, k, seed);
      const test = takePerClass(source.splits.test!, TEST_PER_CLASS, seed + 1);
      return { source, train, test };
    },
  };
}

function benchSets(seed: number, cacheDir: string, photoTestPerClass: number): BenchSet[] {
  return [
    builtinSet('fashion-mnist', openFashionMnist, 10, seed),
    builtinSet('fashion-mnist', openFashionMnist, 50, seed),
    builtinSet('mnist', openMnist, 10, seed),
    ...PHOTO_SETS.map((set) => ({
      name: set.name,
      origin: `Debian ${set.debianPackage} (photo-sets.ts: one class per photo)`,
      small: false,
      async load() {
        const source = await openFolder(
          await photoSetFolder(set, { cacheDir, seed, testPerClass: photoTestPerClass }),
        );
        return { source, train: source.splits.train!, test: source.splits.test! };
      },
    })),
  ];
}

export async function main() {
  const arg = (name: string, fallback: string) => {
    const i = process.argv.indexOf(`--${name}`);
    return i > 0 ? process.argv[i + 1]! : fallback;
  };
  const list = (name: string, fallback: string) => arg(name, fallback).split(',').filter(Boolean);
  const seed = Number(arg('seed', '0'));
  const cacheDir = arg('cache', join(os.tmpdir(), 'visiontune-bench-rank'));
  const smallSizes = list('small-sizes', '96,160').map(Number);
  const backbones = list('backbones', 'mobilenet_v2');
  const out = arg('out', 'bench/results/rank-2026-12-07.json');
  const photoTestPerClass = Number(arg('photo-test-per-class', String(PHOTO_TEST_PER_CLASS)));
  const all = benchSets(seed, cacheDir, photoTestPerClass);
  const wanted = list('sets', all.map((s) => s.name).join(','));
  const earlier = arg('resummarize', '');
  if (earlier) {
    // Conclusions recomputed from the stored candidates of an earlier run (nothing re-measured).
    const json = JSON.parse(await readFile(earlier, 'utf8'));
    for (const set of json.sets)
      Object.assign(set, summarizeSet(set.candidates, set.test, defaultLayer));
    await writeFile(out, `${JSON.stringify(json, null, 2)}\n`);
    console.log(JSON.stringify(json, null, 2));
    return;
  }
  // --reuse FILE: sets measured in an earlier output are kept, not rerun.
  const reuse = arg('reuse', '');
  const kept: Record<string, unknown>[] = reuse
    ? JSON.parse(await readFile(reuse, 'utf8')).sets.filter((s: { set: string }) =>
        wanted.includes(s.set),
      )
    : [];
  const engine = await initEngine({});
  const started = performance.now();
  const results: Record<string, unknown>[] = [...kept];
  const report = () => ({
    benchmark: 'transferability ranking: scores vs actual linear-probe test accuracy',
    machine: machineInfo(),
    backend: engine.backend,
    date: new Date().toISOString(),
    seed,
    smallSizes,
    testProbe:
      'float64 multinomial logistic regression (fitLogistic, L-BFGS, l2 1e-2) on train-standardized features',
    seconds: (performance.now() - started) / 1000,
    sets: results,
  });

  const done = new Set(kept.map((s) => s.set));
  for (const set of all.filter((s) => wanted.includes(s.name) && !done.has(s.name))) {
    const { source, train, test } = await set.load();
    const numClasses = source.classes.length;
    const rows: CandidateRow[] = [];
    const passes: Record<string, unknown>[] = [];
    for (const backbone of backbones) {
      const entry = getBackbone(backbone);
      const sizes = set.small ? smallSizes : [entry.config.inputSize];
      for (const size of sizes) {
        const common = { backbone, inputSize: size, source, seed, cacheDir };
        // What `--layer auto` does on the training split (the library's own code path).
        const choice = await chooseLayer({ ...common, samples: train, numClasses });
        // One pass over train + test (train rows come from the cache chooseLayer filled).
        const embedded = await embedCandidates({ ...common, samples: [...train, ...test] });
        if (embedded.labels.length !== train.length + test.length)
          throw new Error(`${set.name}: some images failed to decode`);
        passes.push({
          backbone,
          size,
          chosen: choice.layer,
          chooseSeconds: choice.seconds,
          embedSeconds: embedded.seconds,
          imagesComputed: embedded.computed,
        });
        for (const { layer, dim, score } of choice.scores) {
          const scores = scoreCandidate(
            embedded.layers,
            layer,
            embedded.labels,
            train.length,
            numClasses,
          );
          if (Math.abs(scores.logme - score) > 1e-9 * Math.max(1, Math.abs(score)))
            throw new Error(`${layer}: LogME ${scores.logme} differs from chooseLayer's ${score}`);
          rows.push({ backbone, size, layer, dim, ...scores });
          process.stderr.write(
            `${set.name} ${backbone}@${size} ${layer}: LogME ${scores.logme.toFixed(4)} ` +
              `cv ${(scores.cvProbe * 100).toFixed(1)}% test ${(scores.testAccuracy * 100).toFixed(1)}%\n`,
          );
        }
      }
    }
    results.push({
      set: set.name,
      origin: set.origin,
      classes: numClasses,
      train: train.length,
      test: test.length,
      ...summarizeSet(rows, test.length, defaultLayer),
      passes,
      candidates: rows,
    });
    await mkdir(dirname(out), { recursive: true });
    await writeFile(out, `${JSON.stringify(report(), null, 2)}\n`);
  }
  console.log(JSON.stringify(report(), null, 2));
}

await runAsScript(import.meta.url, main);
