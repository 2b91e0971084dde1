// The configuration of `visiontune fewshot train|eval` / `runFewShot(config)`: one zod schema,
// merged as everywhere (defaults < config file < flags < call arguments) and validated once.
// Defaults follow the papers where they carry over (600 test episodes, 15 queries, Adam for
// ProtoNets, 5 inner steps for MAML at train time and 10 at test time).
import { z } from 'zod';
import { parseLayers } from '../../util/merge-layers.js';
import { FEWSHOT_METHODS } from './learner.js';

const count = z.union([
  z.number().int().positive(),
  z.tuple([z.number().int().positive(), z.number().int().positive()]),
]);

export const fewShotConfigSchema = z.object({
  /** Labelled data for meta-training (and meta-test when testData is absent). */
  data: z.string().min(1),
  /** Data whose classes are the meta-test classes (cross-domain); default: held-out classes of `data`. */
  testData: z.string().optional(),
  /** Class lists (index ranges or names, "0-4" / "sandal,shirt"); default: a seeded 60/20/20 split. */
  trainClasses: z.string().optional(),
  valClasses: z.string().optional(),
  testClasses: z.string().optional(),
  methods: z.array(z.enum(FEWSHOT_METHODS)).min(1).default(['centroid']),
  backbone: z.string().default('mobilenet_v2'),
  pretrained: z.boolean().default(true),
  imageSize: z.number().int().positive().optional(),
  /** Layer whose pooled output is the embedding (default the backbone's; a mid-level tap can transfer better). */
  embeddingLayer: z.string().optional(),
  /** Blocks that meta-training and MAML's inner loop update (the rest is frozen and cached). */
  unfreeze: z.union([z.number().int().nonnegative(), z.literal('all')]).default(3),
  /** BatchNorm keeps its statistics (default for pretrained; scratch trains them). */
  freezeBn: z.boolean().optional(),
  /** Evaluation: N-way, one entry per K-shot setting, Q queries per class, episode count. */
  ways: z.number().int().min(2).default(5),
  shots: z.array(z.number().int().positive()).min(1).default([1, 5]),
  queries: z.number().int().positive().default(15),
  episodes: z.number().int().positive().default(600),
  /** Meta-training episodes: ways and shots (a range gives variable K), outer steps, batch. */
  trainWays: count.optional(),
  trainShots: count.default([1, 5]),
  metaSteps: z.number().int().nonnegative().default(1000),
  metaBatch: z.number().int().positive().default(4),
  evalEvery: z.number().int().positive().default(100),
  /** Meta-validation episodes per check (when validation classes exist). */
  valEpisodes: z.number().int().nonnegative().default(100),
  /** Images per class kept in each pool (seeded), as mini-ImageNet's 600. */
  maxPerClass: z.number().int().positive().default(600),
  /** centroid: distance. */
  metric: z.enum(['cosine', 'euclidean']).default('cosine'),
  /** finetune-head: Adam steps and lr per episode (Chen et al. 2019: 100 steps). */
  headSteps: z.number().int().positive().default(100),
  headLr: z.number().positive().default(0.01),
  /**
   * Outer learning rate: Adam's for protonet (1e-4 pretrained, 1e-3 scratch), maml and anil
   * (1e-3); reptile's outer step size ε (1, annealed to 0).
   */
  outerLr: z.number().positive().optional(),
  innerSteps: z.number().int().positive().optional(),
  testInnerSteps: z.number().int().positive().optional(),
  innerLr: z.number().positive().optional(),
  /**
   * MAML / ANIL: first-order approximation. Unset: MAML first order (its second order needs every
   * inner-loop kernel twice differentiable, which conv bodies are not in tfjs), ANIL second order.
   */
  firstOrder: z.boolean().optional(),
  /** MAML / ANIL: each task's head from a meta-learned init or its support prototypes
   * (Proto-MAML, the default: measured better on bench/fewshot). */
  headInit: z.enum(['learned', 'prototypes']).optional(),
  seed: z.number().int().nonnegative().default(0),
  out: z.string().default('runs/fewshot'),
  resume: z.boolean().default(false),
  skipBad: z.boolean().default(false),
});

export type FewShotConfig = z.infer<typeof fewShotConfigSchema>;
export type FewShotConfigInput = z.input<typeof fewShotConfigSchema>;

export function resolveFewShotConfig(
  ...layers: (Record<string, unknown> | undefined)[]
): FewShotConfig {
  return parseLayers(fewShotConfigSchema, 'few-shot', layers);
}
