// The configuration of `visiontune fewshot train|eval` / `runFewShot(config)`: one zod schema,
// merged as everywhere (defaults < config file < flags < call arguments) and validated once.
// Defaults follow the papers where they carry over (600 test episodes, 15 queries, Adam for
// ProtoNets, 5 inner steps for MAML at train time and 10 at test time).
import { z } from 'zod';
import { opt } from '../../config/options.js';
import {
  layerField,
  outFields,
  resumeField,
  seedField,
  skipBadField,
} from '../../config/run-fields.js';
import { badUsage } from '../../errors.js';
import { type ConfigLayer, parseLayers } from '../../util/merge-layers.js';
import { parseCount } from './episodes.js';
import type { FewShotMethodName } from './learner.js';
import { fewShotMethods } from './methods/index.js';

const count = z.union([
  z.number().int().positive(),
  z.tuple([z.number().int().positive(), z.number().int().positive()]),
]);

/** One method name as typed on the command line. */
export function parseMethod(name: string): FewShotMethodName {
  if (!fewShotMethods.has(name))
    throw badUsage(
      `unknown method '${name}' (known: ${fewShotMethods.names().join(', ')}, or all)`,
    );
  return name as FewShotMethodName;
}

/** Methods as typed on the command line: comma-separated names, or 'all'. */
export function parseMethods(text: string): FewShotMethodName[] {
  if (text === 'all') return fewShotMethods.names();
  return text.split(',').map((s) => parseMethod(s.trim()));
}

export const fewShotConfigSchema = z.object({
  /** Labelled data for meta-training (and meta-test when testData is absent). */
  data: opt(z.string().min(1), 'labelled images: folder, manifest, or mnist / fashion-mnist'),
  /** Data whose classes are the meta-test classes (cross-domain); default: held-out classes of `data`. */
  testData: opt(z.string().optional(), 'meta-test classes from other data (cross-domain)', {
    arg: 'data',
  }),
  /** Class lists (index ranges or names, "0-4" / "sandal,shirt"); default: a seeded 60/20/20 split. */
  trainClasses: opt(z.string().optional(), 'meta-train classes: index ranges or names, e.g. 0-4', {
    arg: 'list',
  }),
  valClasses: opt(z.string().optional(), 'meta-validation classes (best step kept)', {
    arg: 'list',
  }),
  testClasses: opt(z.string().optional(), 'meta-test classes, never seen in meta-training', {
    arg: 'list',
  }),
  methods: opt(
    z.array(fewShotMethods.nameSchema()).min(1).default(['centroid']),
    "methods, comma-separated, or 'all'",
    { flag: 'method', arg: 'list', parse: parseMethods, choices: () => fewShotMethods.names() },
  ),
  backbone: opt(
    z.string().default('mobilenet_v2'),
    'registry name or path/URL of a TF.js layers model',
    { arg: 'name' },
  ),
  pretrained: opt(z.boolean().default(true), 'random initial weights instead of pretrained ones', {
    flag: 'scratch',
    sets: false,
  }),
  imageSize: opt(z.number().int().positive().optional(), 'square input size', { arg: 'px' }),
  /**
   * Layer whose pooled output is the embedding; 'auto' (default): chosen by LogME on the
   * meta-train classes' images (layer-choice.ts).
   */
  embeddingLayer: layerField,
  /** Blocks that meta-training and MAML's inner loop update (the rest is frozen and cached). */
  unfreeze: opt(
    z.union([z.number().int().nonnegative(), z.literal('all')]).default(3),
    "blocks meta-training updates: a number or 'all'",
    { arg: 'n|all' },
  ),
  /** BatchNorm keeps its statistics (default for pretrained; scratch trains them). */
  freezeBn: opt(
    z.boolean().optional(),
    'let BatchNorm statistics train (default: frozen when pretrained)',
    { flag: 'train-bn', sets: false },
  ),
  /** Evaluation: N-way, one entry per K-shot setting, Q queries per class, episode count. */
  ways: opt(z.number().int().min(2).default(5), 'N: classes per test episode'),
  shots: opt(
    z.array(z.number().int().positive()).min(1).default([1, 5]),
    'K: support images per class, one setting each',
    { arg: 'list' },
  ),
  queries: opt(z.number().int().positive().default(15), 'Q: query images per class'),
  episodes: opt(z.number().int().positive().default(600), 'test episodes per setting'),
  /** Meta-training episodes: ways and shots (a range gives variable K), outer steps, batch. */
  trainWays: opt(count.optional(), 'N of meta-training episodes (default --ways)', {
    arg: 'n|lo-hi',
    parse: (text) => parseCount(text, 'trainWays'),
  }),
  trainShots: opt(count.default([1, 5]), 'K of meta-training episodes; a range varies it', {
    arg: 'n|lo-hi',
    parse: (text) => parseCount(text, 'trainShots'),
  }),
  metaSteps: opt(z.number().int().nonnegative().default(1000), 'outer steps'),
  metaBatch: opt(z.number().int().positive().default(4), 'episodes per outer step'),
  evalEvery: opt(z.number().int().positive().default(100), 'log and validate every n steps'),
  /** Meta-validation episodes per check (when validation classes exist). */
  valEpisodes: opt(z.number().int().nonnegative().default(100), 'validation episodes per check'),
  /** Images per class kept in each pool (seeded), as mini-ImageNet's 600. */
  maxPerClass: opt(z.number().int().positive().default(600), 'images kept per class'),
  /** centroid: distance. */
  metric: opt(z.enum(['cosine', 'euclidean']).default('cosine'), 'centroid distance', {
    arg: 'm',
  }),
  /** finetune-head: Adam steps and lr per episode (Chen et al. 2019: 100 steps). */
  headSteps: opt(z.number().int().positive().default(100), 'finetune-head: steps per episode'),
  headLr: opt(z.number().positive().default(0.01), 'finetune-head: Adam lr'),
  /**
   * Outer learning rate: Adam's for protonet (1e-4 pretrained, 1e-3 scratch), maml and anil
   * (1e-3); reptile's outer step size ε (1, annealed to 0).
   */
  outerLr: opt(z.number().positive().optional(), 'meta-learning outer lr'),
  innerSteps: opt(
    z.number().int().positive().optional(),
    'maml/anil/reptile: inner steps in meta-training',
  ),
  testInnerSteps: opt(
    z.number().int().positive().optional(),
    'maml/anil/reptile: inner steps at test time',
  ),
  innerLr: opt(z.number().positive().optional(), 'maml/anil/reptile: inner lr'),
  /**
   * MAML / ANIL: first-order approximation. Unset: MAML first order (its second order needs every
   * inner-loop kernel twice differentiable, which conv bodies are not in tfjs), ANIL second order.
   */
  firstOrder: opt(
    z.boolean().optional(),
    'maml/anil: first-order approximation (default: maml first order, anil second order)',
    {
      flag: 'first-order',
      sets: true,
      presets: {
        'second-order': {
          value: false,
          description: 'maml/anil: differentiate through the inner loop',
        },
      },
    },
  ),
  /** MAML / ANIL: each task's head from a meta-learned init or its support prototypes
   * (Proto-MAML, the default: measured better on bench/fewshot). */
  headInit: opt(
    z.enum(['learned', 'prototypes']).optional(),
    "maml/anil: each task's head starts from its support prototypes (Proto-MAML; default) or a meta-learned init",
    { arg: 'init' },
  ),
  seed: seedField,
  ...outFields('runs/fewshot'),
  resume: resumeField,
  skipBad: skipBadField,
});

export type FewShotConfig = z.infer<typeof fewShotConfigSchema>;
export type FewShotConfigInput = z.input<typeof fewShotConfigSchema>;

export function resolveFewShotConfig(...layers: ConfigLayer[]): FewShotConfig {
  return parseLayers(fewShotConfigSchema, 'few-shot', layers);
}
