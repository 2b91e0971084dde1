// The multi-task benchmark's command line (run.ts's header lists it) and the settings an earlier
// output must share for --resume to take its runs.
import path from 'node:path';
import type { WeightingKind } from '../../src/methods/multitask/weighting/index.js';

export interface Variant {
  name: string;
  weighting: WeightingKind;
  pcgrad: boolean;
}

/** `equal`, `uncertainty`, `dwa`, each optionally `+pcgrad`. */
function parseVariant(text: string): Variant {
  const [weighting, extra] = text.split('+') as [string, string | undefined];
  if (!['equal', 'uncertainty', 'dwa'].includes(weighting) || (extra && extra !== 'pcgrad'))
    throw new Error(`--variants: '${text}' is not equal|uncertainty|dwa[+pcgrad]`);
  return { name: text, weighting: weighting as WeightingKind, pcgrad: extra === 'pcgrad' };
}

export function options(argv: readonly string[]) {
  const quick = argv.includes('--quick');
  const arg = (name: string, full: string, smoke = full) => {
    const i = argv.indexOf(`--${name}`);
    return i > 0 ? argv[i + 1]! : quick ? smoke : full;
  };
  const numbers = (text: string) => text.split(',').map(Number);
  const work = arg('work', 'runs/bench-multitask', 'runs/bench-multitask-quick');
  const date = new Date().toISOString().slice(0, 10);
  return {
    quick,
    parts: arg('parts', 'shared,pair').split(','),
    work,
    out: arg(
      'out',
      `bench/results/multitask-${date}.json`,
      path.join(work, `multitask-quick-${date}.json`),
    ),
    backbone: arg('backbone', 'mobilenet_v2'),
    // The multi-task defaults (frozen BatchNorm, backbone at 0.1× the heads' lr; the README's
    // multi-task section says why), for every run alike.
    strategy: 'finetune' as const,
    freezeBn: true,
    backboneLrMult: 0.1,
    variants: arg('variants', 'equal,uncertainty,dwa,equal+pcgrad').split(',').map(parseVariant),
    lr: Number(arg('lr', '1e-3')),
    batch: Number(arg('batch', '16', '8')),
    // Narrow dense heads and a U-Net bottleneck: the heads stay small beside the shared backbone.
    channels: Number(arg('channels', '32')),
    bottleneck: Number(arg('bottleneck', '32')),
    // Boxes and masks labelled by kind (digit / garment, make-set.ts) or by the 20 classes.
    denseLabels: arg('dense-labels', 'kinds') as 'kinds' | 'classes',
    // The image-level task: every class in the image (multi-label, `tags`) or the class of its
    // largest object (single-label, `largest`).
    imageLabels: arg('image-labels', 'tags') as 'tags' | 'largest',
    shared: {
      train: Number(arg('train', '400', '32')),
      test: Number(arg('test', '160', '16')),
      size: Number(arg('size', '96')),
      epochs: Number(arg('epochs', '10', '1')),
      seeds: numbers(arg('seeds', '0,1,2', '0')),
    },
    pair: {
      k: Number(arg('pair-k', '50', '4')),
      testPerClass: Number(arg('pair-test', '100', '3')),
      size: Number(arg('pair-size', '64')),
      epochs: Number(arg('pair-epochs', '6', '1')),
      seeds: numbers(arg('pair-seeds', '0,1,2', '0,1')),
    },
    timing: {
      batch: Number(arg('timing-batch', '16')),
      reps: Number(arg('reps', '10', '3')),
    },
    resume: argv.includes('--resume') ? arg('resume', '').split(',') : [],
  };
}
export type Options = ReturnType<typeof options>;

/** What must match for runs of an earlier output to be taken (--resume). */
export function settingsOf(setup: Record<string, unknown>) {
  const { backbone, batch, lr, channels, bottleneck, denseLabels, imageLabels } = setup;
  const { freezeBn, backboneLrMult } = setup;
  const shared = setup.shared as Options['shared'];
  const pair = setup.pair as Options['pair'];
  return {
    backbone,
    batch,
    lr,
    channels,
    bottleneck,
    denseLabels,
    imageLabels,
    freezeBn,
    backboneLrMult,
    shared: { train: shared.train, test: shared.test, size: shared.size, epochs: shared.epochs },
    pair: { k: pair.k, testPerClass: pair.testPerClass, size: pair.size, epochs: pair.epochs },
  };
}
