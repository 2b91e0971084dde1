// `reptile` (Nichol et al. 2018): train k steps on a task from θ, then move θ toward the result,
// θ ← θ + ε·mean over the meta-batch of (θ' − θ), with ε annealed linearly to 0. No second
// derivatives and no separate query loss: the inner loop trains on the whole task sample (support
// and query, as the paper; `trainOnQuery: false` for support only). Body + a learner-owned head,
// as MAML (maml.ts); adaptation is functional, so the variables change only in the meta-update.
//
// Inner optimizer: Adam with β1 = 0, as the paper, by default. With β1 = 0 there is no momentum to
// carry one task's gradients into the next; what remains is Adam's per-parameter step scale from
// its second moments, which — as in the authors' code, where only the model variables are reset
// between tasks — is kept from task to task, so a 1-shot task still gets well-scaled steps. Test
// time starts from a copy of that state and leaves it as it was.
import * as tf from '@tensorflow/tfjs';
import type { AdaptingLearner, EpisodeTensors } from '../learner.js';
import { accuracyOf } from '../losses.js';
import { bodyStatistics } from '../network.js';
import {
  type Batch,
  disposeReplaced,
  HeadedModel,
  innerGradients,
  type MetaNetwork,
  predictAdapted,
} from './maml.js';
import { type ReptileOptionsInput, resolveReptileOptions } from './options.js';
import { crossEntropyTwice } from './second-order.js';

/** Adam with β1 = 0: second moments and the step count (for the bias correction). */
interface AdamState {
  v: tf.Tensor[];
  t: number;
}
const BETA2 = 0.999;
/** TF1's AdamOptimizer default, which the paper's code used. */
const EPSILON = 1e-8;

/** θ' after `steps` steps on `batch` from `params`; advances (and owns) `state`'s tensors. */
function innerTrain(
  model: HeadedModel,
  params: readonly tf.Tensor[],
  batch: Batch,
  opts: { steps: number; lr: number; state: AdamState | undefined },
): tf.Tensor[] {
  const { lr, state } = opts;
  let current = [...params];
  for (let s = 0; s < opts.steps; s++) {
    const out = tf.tidy(() => {
      const g = innerGradients(model, current, batch, 'all');
      if (!state) return { next: current.map((p, i) => tf.sub(p, tf.mul(g[i]!, lr))), v: [] };
      const v = state.v.map((m, i) =>
        tf.add(tf.mul(m, BETA2), tf.mul(tf.square(g[i]!), 1 - BETA2)),
      );
      const correction = 1 - BETA2 ** (state.t + 1);
      const next = current.map((p, i) => {
        const scale = tf.add(tf.sqrt(tf.div(v[i]!, correction)), EPSILON);
        return tf.sub(p, tf.mul(tf.div(g[i]!, scale), lr));
      });
      return { next, v };
    });
    disposeReplaced(current, out.next, params);
    current = out.next;
    if (state) {
      tf.dispose(state.v);
      state.v = out.v;
      state.t += 1;
    }
  }
  return current;
}

function taskBatch(e: EpisodeTensors, withQuery: boolean): Batch {
  if (!withQuery) return { x: e.support, labels: e.supportLabels, ways: e.ways };
  const labels = new Int32Array(e.supportLabels.length + e.queryLabels.length);
  labels.set(e.supportLabels);
  labels.set(e.queryLabels, e.supportLabels.length);
  return { x: tf.concat([e.support, e.query]), labels, ways: e.ways };
}

export function createReptile(
  network: MetaNetwork,
  options: ReptileOptionsInput = {},
): AdaptingLearner {
  const o = resolveReptileOptions(options);
  const model = new HeadedModel(network, o.maxWays, o.seed);
  const adam: AdamState | undefined =
    o.innerOptimizer === 'adam'
      ? { v: model.variables().map((v) => tf.zerosLike(v)), t: 0 }
      : undefined;
  let step = 0;
  /** ε of meta-step i (0-based): the paper's linear anneal to 0, or constant. */
  const epsilonAt = (i: number) =>
    o.totalSteps ? o.outerStepSize * Math.max(0, 1 - i / o.totalSteps) : o.outerStepSize;
  return {
    method: 'reptile',
    kind: 'adapting',
    async metaStep(episodes) {
      const epsilon = epsilonAt(step++);
      const vars = model.variables();
      let sums: tf.Tensor[] = vars.map((v) => tf.zerosLike(v));
      let loss = 0;
      let accuracy = 0;
      for (const e of episodes) {
        model.checkWays(e.ways, 'reptile');
        const batch = taskBatch(e, o.trainOnQuery);
        const fast = innerTrain(model, vars, batch, {
          steps: o.innerSteps,
          lr: o.innerLr,
          state: adam,
        });
        if (batch.x !== e.support) batch.x.dispose();
        // The query after adaptation; with trainOnQuery it was trained on, so this is optimistic.
        const [value, predicted] = tf.tidy(() => {
          const logits = model.logits(fast, e.query, e.ways);
          return [crossEntropyTwice(logits, e.queryLabels, e.ways), tf.argMax(logits, 1)];
        });
        loss += (await value!.data())[0]!;
        accuracy += accuracyOf(Int32Array.from(await predicted!.data()), e.queryLabels);
        const next = tf.tidy(() => sums.map((s, i) => tf.add(s, tf.sub(fast[i]!, vars[i]!))));
        tf.dispose([...sums, value!, predicted!]);
        disposeReplaced(fast, [], vars);
        sums = next;
      }
      tf.tidy(() => {
        vars.forEach((v, i) => {
          v.assign(tf.add(v, tf.mul(sums[i]!, epsilon / episodes.length)));
        });
      });
      tf.dispose(sums);
      return { loss: loss / episodes.length, accuracy: accuracy / episodes.length };
    },
    async predict(episode) {
      model.checkWays(episode.ways, 'reptile');
      return predictAdapted(model, episode, (vars, support) => {
        const state = adam && { v: adam.v.map((v) => tf.clone(v)), t: adam.t };
        const fast = innerTrain(model, vars, support, {
          steps: o.testInnerSteps,
          lr: o.innerLr,
          state,
        });
        if (state) tf.dispose(state.v);
        return fast;
      });
    },
    statisticVariables: () => bodyStatistics(network),
    metaVariables: () => model.variables(),
    async getTrainingState() {
      const slots = await Promise.all(
        (adam?.v ?? []).map(async (v) => ({
          shape: [...v.shape],
          values: Float32Array.from(await v.data()),
        })),
      );
      return { slots, counters: { step, adamSteps: adam?.t ?? 0 } };
    },
    async setTrainingState(state) {
      step = state.counters.step ?? 0;
      if (!adam) return;
      tf.dispose(adam.v);
      adam.v = state.slots.map((s) => tf.tensor(s.values, s.shape));
      adam.t = state.counters.adamSteps ?? 0;
    },
    describe: () => ({
      innerSteps: o.innerSteps,
      testInnerSteps: o.testInnerSteps,
      innerLr: o.innerLr,
      innerOptimizer:
        o.innerOptimizer === 'adam' ? `adam (β1 0, β2 ${BETA2}, kept across tasks)` : 'sgd',
      outerStepSize: o.outerStepSize,
      outerSchedule: o.totalSteps ? `linear to 0 over ${o.totalSteps} steps` : 'constant',
      trainOnQuery: o.trainOnQuery,
      maxWays: o.maxWays,
    }),
    dispose() {
      if (adam) tf.dispose(adam.v);
      model.dispose();
    },
  };
}
