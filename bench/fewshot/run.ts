// Few-shot benchmark: every method on the same seeded meta-test episodes, 5-way 1-shot and 5-shot,
// mean ± 95% CI. Two settings: within domain (Fashion-MNIST, meta-train classes 0-4, meta-test
// 5-9) and cross-domain (meta-train on MNIST digits, meta-test on all Fashion-MNIST classes).
// Runs per setting: the six methods on pretrained mobilenet_v2 (last 3 blocks meta-trained),
// ProtoNets from scratch (resnet_tiny, all blocks), and the centroid baseline on a mid-level tap.
// The pooled layer is the default `auto` (chosen on the meta-train images) except in the tap run.
// Prints JSON. Long: run it outside tests.
// Usage: node --import tsx bench/fewshot/run.ts [--settings within,cross] [--episodes 600]
//        [--meta-steps 300] [--reptile-steps 150] [--runs pretrained,scratch,tap,proto]
//        [--methods centroid,protonet] (only these methods of each run; a subset, for time)
//        [--partial now.json] (the JSON so far, rewritten after every run)
import { promises as fs } from 'node:fs';
import { initEngine } from '../../src/engine/index.js';
import { type FewShotConfigInput, resolveFewShotConfig } from '../../src/methods/fewshot/config.js';
import { fewShotReport } from '../../src/methods/fewshot/outputs.js';
import { runFewShot } from '../../src/methods/fewshot/run.js';
import { writeFewShotReport } from '../../src/report/fewshot.js';
import { machineInfo } from '../machine.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : fallback;
}
const list = (name: string, fallback: string) => arg(name, fallback).split(',').filter(Boolean);

const SETTINGS: Record<string, Partial<FewShotConfigInput>> = {
  within: { data: 'fashion-mnist', trainClasses: '0-4', testClasses: '5-9' },
  cross: { data: 'mnist', trainClasses: '0-9', testData: 'fashion-mnist', testClasses: '0-9' },
};
const episodes = Number(arg('episodes', '600'));
const metaSteps = Number(arg('meta-steps', '300'));
const reptileSteps = Number(arg('reptile-steps', '150'));
const onlyMethods = list('methods', '');
const common: Partial<FewShotConfigInput> = {
  ways: 5,
  shots: [1, 5],
  queries: 15,
  episodes,
  trainShots: [1, 5],
  metaBatch: 4,
  evalEvery: 50,
  maxPerClass: 600,
  seed: 0,
};
const RUNS: Record<string, { label: string; config: Partial<FewShotConfigInput> }[]> = {
  pretrained: [
    {
      label: 'mobilenet_v2 pretrained, 64 px, last 3 blocks trainable',
      config: {
        backbone: 'mobilenet_v2',
        imageSize: 64,
        unfreeze: 3,
        methods: ['centroid', 'finetune-head', 'protonet', 'maml', 'anil'],
        // Finn et al.'s learned head init, as fewshot-2026-11-29.json measured it.
        headInit: 'learned',
        metaSteps,
      },
    },
    {
      label: 'mobilenet_v2 pretrained, 64 px, last 3 blocks trainable (reptile)',
      config: {
        backbone: 'mobilenet_v2',
        imageSize: 64,
        unfreeze: 3,
        methods: ['reptile'],
        metaSteps: reptileSteps,
        // 20 test-time steps instead of the paper's 50: 50 cost ~0.4 s per episode here.
        testInnerSteps: 20,
      },
    },
  ],
  // Proto-MAML (Triantafillou et al. 2020): each task's head starts at its support prototypes.
  proto: [
    {
      label: 'mobilenet_v2 pretrained, 64 px, last 3 blocks trainable, Proto-MAML head init',
      config: {
        backbone: 'mobilenet_v2',
        imageSize: 64,
        unfreeze: 3,
        methods: ['maml', 'anil'],
        headInit: 'prototypes',
        metaSteps,
      },
    },
  ],
  scratch: [
    {
      label: 'resnet_tiny from scratch, 32 px, all blocks trainable',
      config: {
        backbone: 'resnet_tiny',
        pretrained: false,
        imageSize: 32,
        unfreeze: 'all',
        methods: ['centroid', 'protonet'],
        metric: 'euclidean',
        metaSteps,
      },
    },
  ],
  tap: [
    {
      label: 'mobilenet_v2 pretrained, 64 px, pooled at block_12_add',
      config: {
        backbone: 'mobilenet_v2',
        imageSize: 64,
        embeddingLayer: 'block_12_add',
        unfreeze: 2,
        methods: ['centroid'],
      },
    },
  ],
};

const engine = await initEngine({});
const partial = arg('partial', '');
const started = Date.now();
const results: unknown[] = [];
const output = () => ({
  benchmark: 'fewshot',
  machine: { ...machineInfo(), backend: engine.backend },
  command: `node --import tsx bench/fewshot/run.ts ${process.argv.slice(2).join(' ')}`.trim(),
  protocol: {
    ways: 5,
    shots: [1, 5],
    queries: 15,
    episodes,
    seed: 0,
    interval: '95% CI = 1.96 s / sqrt(episodes)',
  },
  seconds: (Date.now() - started) / 1000,
  results,
});
for (const setting of list('settings', 'within,cross')) {
  for (const run of list('runs', 'pretrained,scratch,tap,proto').flatMap((r) => RUNS[r]!)) {
    const methods = (run.config.methods ?? []).filter(
      (m) => onlyMethods.length === 0 || onlyMethods.includes(m),
    );
    if (methods.length === 0) continue;
    const config = resolveFewShotConfig(common, SETTINGS[setting], run.config, {
      methods,
      out: `runs/bench-fewshot/${setting}-${run.config.backbone}-${(run.config.methods ?? []).join('-')}${run.config.headInit ? `-${run.config.headInit}` : ''}`,
    });
    process.stderr.write(`\n== ${setting}: ${run.label}\n`);
    const t = Date.now();
    const result = await runFewShot(config, {
      status: (m) => process.stderr.write(`[${((Date.now() - t) / 1000).toFixed(0)} s] ${m}\n`),
    });
    const report = fewShotReport(result);
    await writeFewShotReport(config.out, report);
    results.push({
      setting,
      run: run.label,
      layer: result.network.layer,
      layerNote: result.network.layerNote,
      pools: report.pools,
      methods: report.methods,
      seconds: result.seconds,
    });
    if (partial) await fs.writeFile(partial, `${JSON.stringify(output(), null, 2)}\n`);
  }
}
process.stdout.write(`${JSON.stringify(output(), null, 2)}\n`);
