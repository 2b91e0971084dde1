// `maml`: model-agnostic meta-learning (Finn et al. 2017), first order (FOMAML) or second order,
// and the machinery ANIL and Reptile share: the network's body plus a learner-owned linear head,
// written as a function of a flat parameter list (functional weights), and the SGD inner loop.
// Every adaptation is functional — fast weights are tensors, the variables are never written — so
// predict() cannot disturb the meta-learned weights; BatchNorm's moving averages, which training
// mode writes, are snapshotted around it. The inner and outer losses run the body in training mode
// (frozen BatchNorm stays in inference mode by itself), as Finn et al. used batch statistics.
import * as tf from '@tensorflow/tfjs';
import { badUsage } from '../../../errors.js';
import type { AdaptingLearner, EpisodeTensors, MetaStepResult } from '../learner.js';
import { accuracyOf, argmaxRows, prototypes } from '../losses.js';
import type { FewShotNetwork } from '../network.js';
import { bodyStatistics } from '../network.js';
import { adamCheckpointing } from './adam-state.js';
import {
  gradientsOf,
  type LayerVariable,
  snapshotWeights,
  valueAndGradients,
  variablesOf,
  withWeights,
} from './functional.js';
import { type MamlOptions, type MamlOptionsInput, resolveMamlOptions } from './options.js';
import {
  crossEntropyTwice,
  describeBlockers,
  type SecondOrderReport,
  secondOrderReport,
} from './second-order.js';

/** What these methods need of a FewShotNetwork (tests pass a small Dense body). */
export type MetaNetwork = Pick<FewShotNetwork, 'body' | 'embeddingDim'>;
/** A labelled batch of cut features. */
export type Batch = { x: tf.Tensor; labels: Int32Array; ways: number };
export type InnerScope = MamlOptions['innerScope'];
export type HeadInit = MamlOptions['headInit'];

/**
 * Length of the embedding the head sees. Pretrained embeddings differ in scale by orders of
 * magnitude between backbones and taps; at their raw scale an SGD inner loop at MAML's lr 0.01
 * diverged on the first episode (loss in the hundreds). On unit vectors × 10, as the cosine
 * classifiers of Chen et al. 2019 scale them, one inner step moves a logit by about lr · 100.
 */
export const HEAD_FEATURE_SCALE = 10;

/** Logits of the first `ways` classes of a [dim, maxWays] head on L2-normalized, scaled embeddings. */
export function headLogits(
  emb: tf.Tensor2D,
  kernel: tf.Tensor,
  bias: tf.Tensor,
  ways: number,
): tf.Tensor2D {
  return tf.tidy(() => {
    const norm = tf.sqrt(tf.add(tf.sum(tf.square(emb), 1, true), 1e-12));
    const unit = tf.mul(tf.div(emb, norm), HEAD_FEATURE_SCALE);
    return tf.add(
      tf.matMul(unit, tf.slice(kernel, [0, 0], [-1, ways])),
      tf.slice(bias, [0], [ways]),
    ) as tf.Tensor2D;
  });
}

/**
 * Proto-MAML's head init (Triantafillou et al. 2020): the prototype classifier of the support set
 * in the head's feature space. Column c is m_c, the mean unit-length support embedding of class c,
 * and bias −(s/2)·‖m_c‖², so headLogits gives s·e·m_c − (s/2)·‖m_c‖² = −(s/2)·‖e − m_c‖² + s/2
 * (s = HEAD_FEATURE_SCALE): classes ranked by distance to their prototype, logits in [−s, s/2].
 * Kernel [dim, ways], bias [ways]; differentiable in the embeddings.
 */
export function prototypeHead(emb: tf.Tensor2D, labels: Int32Array, ways: number): tf.Tensor[] {
  return tf.tidy(() => {
    const norm = tf.sqrt(tf.add(tf.sum(tf.square(emb), 1, true), 1e-12));
    const means = prototypes(tf.div(emb, norm) as tf.Tensor2D, labels, ways); // [ways, dim]
    const bias = tf.mul(tf.sum(tf.square(means), 1), -HEAD_FEATURE_SCALE / 2);
    return [tf.transpose(means), bias];
  });
}

/** Body + head; parameters in the order body trainable weights…, head kernel, head bias. */
export class HeadedModel {
  readonly bodyWeights: LayerVariable[];
  readonly kernel: tf.Variable;
  readonly bias: tf.Variable;

  constructor(
    readonly network: MetaNetwork,
    readonly maxWays: number,
    seed: number,
    readonly headInit: HeadInit = 'learned',
  ) {
    this.bodyWeights = network.body.trainableWeights;
    const dim = network.body.outputs[0]!.shape.at(-1);
    if (dim !== network.embeddingDim)
      throw new Error(`body output has ${dim} features, embeddingDim says ${network.embeddingDim}`);
    const init = tf.initializers.glorotUniform({ seed });
    this.kernel = tf.tidy(() => tf.variable(init.apply([dim, maxWays])));
    this.bias = tf.tidy(() => tf.variable(tf.zeros([maxWays])));
  }

  get bodyCount(): number {
    return this.bodyWeights.length;
  }

  /** The meta-variables. */
  variables(): tf.Variable[] {
    return [...variablesOf(this.bodyWeights), this.kernel, this.bias];
  }

  embed(params: readonly tf.Tensor[], x: tf.Tensor): tf.Tensor2D {
    const body = params.slice(0, this.bodyCount);
    return withWeights(
      this.bodyWeights,
      body,
      () => this.network.body.apply(x, { training: true }) as tf.Tensor2D,
    );
  }

  /**
   * The parameters a task's inner loop starts from: θ, or with Proto-MAML θ's body and the
   * support's prototype head (a function of the body, so the outer gradient reaches it).
   */
  taskParams(params: readonly tf.Tensor[], support: Batch): tf.Tensor[] {
    if (this.headInit === 'learned') return [...params];
    const n = this.bodyCount;
    const emb = this.embed(params, support.x);
    const head = prototypeHead(emb, support.labels, support.ways);
    emb.dispose();
    return [...params.slice(0, n), ...head];
  }

  logits(params: readonly tf.Tensor[], x: tf.Tensor, ways: number): tf.Tensor2D {
    const n = this.bodyCount;
    return tf.tidy(() => headLogits(this.embed(params, x), params[n]!, params[n + 1]!, ways));
  }

  checkWays(ways: number, method: string): void {
    if (ways > this.maxWays)
      throw badUsage(
        `${method}: a ${ways}-way episode, but the head has ${this.maxWays} outputs (raise maxWays)`,
      );
  }

  /** Undoes what training-mode passes write (BatchNorm moving averages) when `fn` is done. */
  async keepingState<T>(fn: () => Promise<T>): Promise<T> {
    const restore = snapshotWeights(variablesOf(this.network.body.nonTrainableWeights));
    try {
      return await fn();
    } finally {
      restore();
    }
  }

  dispose(): void {
    tf.dispose([this.kernel, this.bias]);
  }
}

/** Gradients of the loss of a head on fixed embeddings with respect to [kernel, bias]. */
export function headGradients(
  emb: tf.Tensor2D,
  kernel: tf.Tensor,
  bias: tf.Tensor,
  batch: Omit<Batch, 'x'>,
): tf.Tensor[] {
  const loss = (k?: tf.Tensor, b?: tf.Tensor) =>
    crossEntropyTwice(headLogits(emb, k!, b!, batch.ways), batch.labels, batch.ways);
  return gradientsOf(loss, [kernel, bias]);
}

/**
 * One inner step's gradients of the support loss with respect to the parameters the scope moves
 * (all, or the last two: the head). `emb`: the support embeddings, fixed when only the head moves.
 */
export function innerGradients(
  model: HeadedModel,
  params: readonly tf.Tensor[],
  support: Batch,
  scope: InnerScope,
  emb?: tf.Tensor2D,
): tf.Tensor[] {
  const n = model.bodyCount;
  if (scope === 'head')
    return headGradients(
      emb ?? model.embed(params, support.x),
      params[n]!,
      params[n + 1]!,
      support,
    );
  return gradientsOf(
    (...p) =>
      crossEntropyTwice(model.logits(p, support.x, support.ways), support.labels, support.ways),
    params,
  );
}

/**
 * θ' after `steps` SGD steps on the support set. `differentiable`: run on the caller's gradient
 * tape (second order; tensors stay for the outer backprop) rather than as constants.
 */
export function adaptSgd(
  model: HeadedModel,
  params: readonly tf.Tensor[],
  support: Batch,
  opts: { steps: number; lr: number; scope: InnerScope; differentiable: boolean },
): tf.Tensor[] {
  const offset = opts.scope === 'head' ? model.bodyCount : 0;
  const emb = opts.scope === 'head' ? model.embed(params, support.x) : undefined;
  let current = [...params];
  for (let s = 0; s < opts.steps; s++) {
    const step = () => {
      const grads = innerGradients(model, current, support, opts.scope, emb);
      const next = [...current];
      grads.forEach((g, k) => {
        next[offset + k] = tf.sub(current[offset + k]!, tf.mul(g, opts.lr));
      });
      return next;
    };
    if (opts.differentiable) current = step();
    else {
      const next = tf.tidy(step);
      disposeReplaced(current, next, params);
      current = next;
    }
  }
  if (!opts.differentiable) emb?.dispose();
  return current;
}

/** Frees the tensors of `old` that are neither the caller's `params` nor kept in `next`. */
export function disposeReplaced(
  old: readonly tf.Tensor[],
  next: readonly tf.Tensor[],
  params: readonly tf.Tensor[],
): void {
  old.forEach((t, i) => {
    if (t !== params[i] && t !== next[i]) t.dispose();
  });
}

export interface MetaGradients {
  /** Mean over episodes of d(query loss after adaptation)/dθ, aligned with model.variables(). */
  grads: tf.Tensor[];
  loss: number;
  accuracy: number;
}

/** The (FO)MAML meta-gradient of a batch of episodes; exported for ANIL and the tests. */
export async function metaGradients(
  model: HeadedModel,
  episodes: readonly EpisodeTensors[],
  opts: { steps: number; lr: number; scope: InnerScope; firstOrder: boolean },
): Promise<MetaGradients> {
  const vars = model.variables();
  const sums = vars.map((v) => tf.zerosLike(v));
  let loss = 0;
  let accuracy = 0;
  for (const e of episodes) {
    const support = { x: e.support, labels: e.supportLabels, ways: e.ways };
    let predicted: tf.Tensor | undefined;
    const queryLoss = (params: readonly tf.Tensor[]) => {
      const logits = model.logits(params, e.query, e.ways);
      predicted = tf.keep(tf.argMax(logits, 1));
      return crossEntropyTwice(logits, e.queryLabels, e.ways);
    };
    let value: tf.Scalar;
    let grads: tf.Tensor[];
    if (opts.firstOrder && model.headInit === 'prototypes') {
      // First-order Proto-MAML: θ' = init(θ) + Δ, the inner loop's step Δ a constant, so the
      // gradient is FOMAML's for the body plus the query loss's path through the prototypes.
      const init = tf.tidy(() => model.taskParams(vars, support));
      const fast = adaptSgd(model, init, support, { ...opts, differentiable: false });
      const delta = tf.tidy(() => fast.map((f, i) => tf.sub(f, init[i]!)));
      disposeReplaced(init, fast, vars);
      disposeReplaced(fast, [], vars);
      const r = tf.variableGrads(
        () => queryLoss(model.taskParams(vars, support).map((p, i) => tf.add(p, delta[i]!))),
        vars,
      );
      tf.dispose(delta);
      value = r.value;
      grads = vars.map((v) => r.grads[v.name] ?? tf.zerosLike(v));
    } else if (opts.firstOrder) {
      // FOMAML: the gradient of the query loss at θ', taken as the gradient at θ.
      const fast = adaptSgd(model, vars, support, { ...opts, differentiable: false });
      ({ value, grads } = valueAndGradients((...p) => queryLoss(p), fast));
      disposeReplaced(fast, [], vars);
    } else {
      const r = tf.variableGrads(
        () =>
          queryLoss(
            adaptSgd(model, model.taskParams(vars, support), support, {
              ...opts,
              differentiable: true,
            }),
          ),
        vars,
      );
      value = r.value;
      grads = vars.map((v) => r.grads[v.name] ?? tf.zerosLike(v));
    }
    sums.forEach((s, i) => {
      sums[i] = tf.add(s, grads[i]!);
      s.dispose();
    });
    loss += (await value.data())[0]!;
    accuracy += accuracyOf(Int32Array.from(await predicted!.data()), e.queryLabels);
    tf.dispose([value, ...grads, predicted!]);
  }
  const grads = sums.map((s) => tf.tidy(() => tf.div(s, episodes.length)));
  tf.dispose(sums);
  return { grads, loss: loss / episodes.length, accuracy: accuracy / episodes.length };
}

/**
 * What blocks second order for this model and scope, found by running one inner gradient on two
 * random inputs (BatchNorm moving averages restored afterwards).
 */
export function probeSecondOrder(model: HeadedModel, scope: InnerScope): SecondOrderReport {
  const shape = model.network.body.inputs[0]!.shape.slice(1) as number[];
  const x = tf.randomNormal([2, ...shape], 0, 1, 'float32', 1);
  const restore = snapshotWeights(variablesOf(model.network.body.nonTrainableWeights));
  try {
    const vars = model.variables();
    const support = { x, labels: Int32Array.from([0, 1]), ways: 2 };
    return secondOrderReport(vars, () => innerGradients(model, vars, support, scope));
  } finally {
    restore();
    x.dispose();
  }
}

/** Resolves first / second order: throws when second order was asked for and cannot run. */
export function chooseOrder(
  model: HeadedModel,
  scope: InnerScope,
  firstOrder: boolean | undefined,
  method: string,
): { firstOrder: boolean; why?: string } {
  if (firstOrder === true) return { firstOrder: true };
  const report = probeSecondOrder(model, scope);
  const blocked = report.noGradient.length + report.savedOutput.length > 0;
  if (!blocked) return { firstOrder: false };
  if (firstOrder === undefined) return { firstOrder: true, why: describeBlockers(report) };
  throw badUsage(
    `${method}: second order cannot differentiate through this body's inner gradient — ${describeBlockers(report)}. Use first order (firstOrder: true), or anil (whose inner loop is the head only)`,
  );
}

/** Episode labels of the queries after `adapt`, with every weight as it was before. */
export async function predictAdapted(
  model: HeadedModel,
  episode: Omit<EpisodeTensors, 'queryLabels'>,
  adapt: (vars: tf.Variable[], support: Batch) => tf.Tensor[],
): Promise<Int32Array> {
  return model.keepingState(async () => {
    const vars = model.variables();
    const support = { x: episode.support, labels: episode.supportLabels, ways: episode.ways };
    const fast = adapt(vars, support);
    const logits = tf.tidy(() => model.logits(fast, episode.query, episode.ways));
    disposeReplaced(fast, [], vars);
    const out = await argmaxRows(logits);
    logits.dispose();
    return out;
  });
}

export function createMaml(network: MetaNetwork, options: MamlOptionsInput = {}): AdaptingLearner {
  const o = resolveMamlOptions(options);
  const model = new HeadedModel(network, o.maxWays, o.seed, o.headInit);
  let order: ReturnType<typeof chooseOrder>;
  try {
    order = chooseOrder(model, o.innerScope, o.firstOrder, 'maml');
  } catch (err) {
    model.dispose();
    throw err;
  }
  const optimizer = tf.train.adam(o.outerLr);
  const train = { steps: o.innerSteps, lr: o.innerLr, scope: o.innerScope, ...order };
  return {
    method: 'maml',
    kind: 'adapting',
    async metaStep(episodes): Promise<MetaStepResult> {
      for (const e of episodes) model.checkWays(e.ways, 'maml');
      const { grads, loss, accuracy } = await metaGradients(model, episodes, train);
      const vars = model.variables();
      optimizer.applyGradients(vars.map((v, i) => ({ name: v.name, tensor: grads[i]! })));
      tf.dispose(grads);
      return { loss, accuracy };
    },
    async predict(episode) {
      model.checkWays(episode.ways, 'maml');
      const test = { steps: o.testInnerSteps, lr: o.innerLr, scope: o.innerScope };
      return predictAdapted(model, episode, (vars, support) => {
        const init = tf.tidy(() => model.taskParams(vars, support));
        const fast = adaptSgd(model, init, support, { ...test, differentiable: false });
        disposeReplaced(init, fast, vars);
        return fast;
      });
    },
    statisticVariables: () => bodyStatistics(network),
    metaVariables: () => model.variables(),
    ...adamCheckpointing(optimizer),
    describe: () => ({
      innerSteps: o.innerSteps,
      testInnerSteps: o.testInnerSteps,
      innerLr: o.innerLr,
      innerOptimizer: 'sgd',
      innerScope: o.innerScope,
      headInit: o.headInit,
      outerLr: o.outerLr,
      outerOptimizer: 'adam',
      order: order.firstOrder ? 'first' : 'second',
      ...(order.why ? { firstOrderBecause: order.why } : {}),
      maxWays: o.maxWays,
    }),
    dispose() {
      optimizer.dispose();
      model.dispose();
    },
  };
}
