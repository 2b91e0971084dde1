// Options of the optimization-based few-shot methods (MAML, ANIL, Reptile) and their defaults,
// with where each default comes from. Defaults are the papers' mini-ImageNet settings where they
// carry over to a pretrained body on cached features; a caller's values win field by field.
import { badUsage } from '../../../errors.js';

export interface MamlOptions {
  /** SGD steps on the support set per episode in meta-training (Finn et al. 2017: 5). */
  innerSteps: number;
  /** Steps at test time (Finn et al.: 10, twice the training count); default 2 × innerSteps. */
  testInnerSteps: number;
  /** Inner SGD learning rate α (Finn et al., mini-ImageNet: 0.01). */
  innerLr: number;
  /** Outer Adam learning rate β (Finn et al.: 0.001). */
  outerLr: number;
  /**
   * First-order approximation (FOMAML: the inner gradients are constants). Second order needs
   * every kernel of the inner gradient to be differentiable again (see second-order.ts); a conv
   * body is not, in tfjs 4.22. ANIL: undefined = second order when possible.
   */
  firstOrder: boolean | undefined;
  /** What the inner loop adapts: the whole body and head ('all', MAML) or the head only. */
  innerScope: 'all' | 'head';
  /**
   * Where each task's head starts: a meta-learned init ('learned', Finn et al.), or the support
   * set's prototype classifier ('prototypes': Proto-MAML, Triantafillou et al. 2020).
   */
  headInit: 'learned' | 'prototypes';
  /** Outputs of the learner's head: the most ways of any episode (fewer use the first ones). */
  maxWays: number;
  /** Seed of the head's glorot initialization. */
  seed: number;
}

export interface ReptileOptions {
  /** Inner steps per task in meta-training (Nichol et al. 2018, mini-ImageNet: 8; Omniglot: 5). */
  innerSteps: number;
  /** Inner steps at test time (Nichol et al.: 50). */
  testInnerSteps: number;
  /** Inner learning rate (Nichol et al.: Adam, 0.001). */
  innerLr: number;
  /**
   * 'adam': Adam with β1 = 0 as the paper, its second-moment state carried from task to task
   * (as their code does) — a per-parameter step scale, no momentum mixing tasks. 'sgd': plain.
   */
  innerOptimizer: 'adam' | 'sgd';
  /** ε of θ ← θ + ε·mean(θ' − θ) at the first step (Nichol et al.: 1.0, annealed to 0). */
  outerStepSize: number;
  /** Meta-steps over which ε anneals linearly to 0; undefined: ε stays at outerStepSize. */
  totalSteps: number | undefined;
  /** Train the inner loop on support + query (the whole task sample, as the paper) or support. */
  trainOnQuery: boolean;
  maxWays: number;
  seed: number;
}

export const MAML_DEFAULTS: MamlOptions = {
  innerSteps: 5,
  testInnerSteps: 10,
  innerLr: 0.01,
  outerLr: 0.001,
  firstOrder: true,
  innerScope: 'all',
  headInit: 'learned',
  maxWays: 5,
  seed: 0,
};

/**
 * Raghu et al. 2020 kept MAML's settings and trained second order. The inner lr is 10× MAML's:
 * on the head's unit-length × 10 embeddings (maml.ts) 0.01 left the head where it started —
 * meta-training on MNIST stayed at chance loss (ln 5) for 150 steps — while 0.1 learned.
 */
export const ANIL_DEFAULTS: MamlOptions = {
  ...MAML_DEFAULTS,
  innerLr: 0.1,
  firstOrder: undefined,
  innerScope: 'head',
};

/**
 * ε = 1 → 0 as the paper's few-shot runs: with a meta-batch of several tasks a full step to the
 * mean of the adapted weights is what they found best, and the annealing makes late steps small
 * without a second learning rate to tune.
 */
export const REPTILE_DEFAULTS: ReptileOptions = {
  innerSteps: 8,
  testInnerSteps: 50,
  innerLr: 0.001,
  innerOptimizer: 'adam',
  outerStepSize: 1,
  totalSteps: undefined,
  trainOnQuery: true,
  maxWays: 5,
  seed: 0,
};

/** What callers pass: any field may be missing or undefined (then the default holds). */
export type OptionsInput<T> = { [K in keyof T]?: T[K] | undefined };
export type MamlOptionsInput = OptionsInput<MamlOptions>;
export type ReptileOptionsInput = OptionsInput<ReptileOptions>;

/** Defaults < given (undefined fields keep the default); testInnerSteps follows innerSteps. */
export function resolveMamlOptions(
  given: MamlOptionsInput,
  defaults: MamlOptions = MAML_DEFAULTS,
): MamlOptions {
  const merged = { ...defaults, ...definedOnly(given) };
  if (given.testInnerSteps === undefined && given.innerSteps !== undefined)
    merged.testInnerSteps = 2 * merged.innerSteps;
  check(merged);
  return merged;
}

export function resolveReptileOptions(given: ReptileOptionsInput): ReptileOptions {
  const merged = { ...REPTILE_DEFAULTS, ...definedOnly(given) };
  check(merged);
  if (!(merged.outerStepSize > 0))
    throw badUsage(`outer step size must be > 0, got ${merged.outerStepSize}`);
  const total = merged.totalSteps;
  if (total !== undefined && !(Number.isInteger(total) && total >= 1))
    throw badUsage(`totalSteps must be a whole number >= 1, got ${total}`);
  return merged;
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function check(o: {
  innerSteps: number;
  testInnerSteps: number;
  innerLr: number;
  maxWays: number;
}) {
  for (const key of ['innerSteps', 'testInnerSteps', 'maxWays'] as const) {
    if (!(Number.isInteger(o[key]) && o[key] >= 1))
      throw badUsage(`${key} must be a whole number >= 1, got ${o[key]}`);
  }
  if (!(o.innerLr > 0)) throw badUsage(`innerLr must be > 0, got ${o.innerLr}`);
}
