// PCGrad, gradient surgery for multi-task learning (Yu, Kumar, Gupta, Levine, Hausman, Finn 2020,
// "Gradient Surgery for Multi-Task Learning", Algorithm 1): for each task i, its gradient g_i
// over the SHARED parameters is projected off every other task's gradient g_j it conflicts with
// (g_i^PC·g_j < 0: g_i^PC −= (g_i^PC·g_j)/‖g_j‖²·g_j), the others taken in random order; the
// update is Σ_i g_i^PC. Gradients that do not conflict pass unchanged, so without conflicts the
// update is the plain gradient of Σ_k terms. Parameters only one task's term depends on (its
// head) get that task's gradient alone; the weighting's own variables (uncertainty's s) get the
// gradient of the whole objective.
// The projections are done on the K×K Gram matrix G_ij = g_i·g_j (one matmul and one small read
// per step): every g_i^PC is a combination Σ_m C_im g_m, so each dot product g_i^PC·g_j is
// Σ_m C_im G_mj, and the update is Σ_k α_k g_k with α_k = Σ_i C_ik. Exactly the paper's
// sequence, in float64, without materialising K projected copies of the shared gradient.
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../../../util/rng.js';

/**
 * α with Σ_i g_i^PC = Σ_k α_k g_k, from the Gram matrix of the task gradients and, for each task
 * i, the order in which it is projected against the others (indices ≠ i).
 */
export function pcgradCoefficients(
  gram: readonly number[][],
  orders: readonly number[][],
): number[] {
  const k = gram.length;
  const alpha = new Array<number>(k).fill(0);
  for (let i = 0; i < k; i++) {
    const c = new Array<number>(k).fill(0);
    c[i] = 1;
    for (const j of orders[i]!) {
      if (j === i) continue;
      const normSq = gram[j]![j]!;
      let dot = 0;
      for (let m = 0; m < k; m++) dot += c[m]! * gram[m]![j]!;
      if (dot < 0 && normSq > 0) c[j]! -= dot / normSq;
    }
    for (let m = 0; m < k; m++) alpha[m]! += c[m]!;
  }
  return alpha;
}

/** For each task, the other tasks in a random order (the paper samples one per task and step). */
export function projectionOrders(tasks: number, rng: Rng): number[][] {
  return Array.from({ length: tasks }, (_, i) =>
    rng.shuffle(Array.from({ length: tasks }, (_, j) => j).filter((j) => j !== i)),
  );
}

export interface PcgradOptions {
  /** Draws the projection order; seed it per step so a resumed run repeats it. */
  rng: Rng;
  /** Variables never projected (the weighting's own): they get the summed gradient. */
  unshared?: ReadonlySet<string>;
}

/**
 * The update's gradients from each task's (perTask[k]: gradients of task k's term, a variable it
 * does not reach absent). Shared variables (reached by two tasks or more) go through PCGrad; the
 * rest get the sum of what they have. Returns new tensors; `perTask` is left for the caller.
 */
export function pcgradGradients(
  perTask: readonly tf.NamedTensorMap[],
  options: PcgradOptions,
): tf.NamedTensorMap {
  const reached = new Map<string, tf.Tensor[]>();
  for (const grads of perTask) {
    for (const [name, g] of Object.entries(grads)) {
      if (!reached.has(name)) reached.set(name, []);
      reached.get(name)!.push(g);
    }
  }
  const shared = [...reached].filter(
    ([name, gs]) => gs.length >= 2 && !options.unshared?.has(name),
  );
  const sharedNames = new Set(shared.map(([name]) => name));
  const out: tf.NamedTensorMap = {};
  for (const [name, gs] of reached) {
    if (!sharedNames.has(name)) out[name] = gs.length === 1 ? gs[0]!.clone() : tf.addN(gs);
  }
  if (shared.length === 0) return out;

  // Each task's gradient over every shared variable (zeros where it does not reach one).
  const gram = tf.tidy(() =>
    tf.addN(
      shared.map(([name, gs]) => {
        const zeros = tf.zerosLike(gs[0]!).reshape([-1]);
        const rows = tf.stack(perTask.map((grads) => grads[name]?.reshape([-1]) ?? zeros));
        return tf.matMul(rows, rows, false, true);
      }),
    ),
  );
  const k = perTask.length;
  const flat = gram.dataSync();
  gram.dispose();
  const matrix = Array.from({ length: k }, (_, i) => Array.from(flat.subarray(i * k, i * k + k)));
  const alpha = pcgradCoefficients(matrix, projectionOrders(k, options.rng));
  for (const [name] of shared) {
    out[name] = tf.tidy(() =>
      tf.addN(
        perTask.flatMap((grads, t) => (grads[name] ? [tf.mul(grads[name]!, alpha[t]!)] : [])),
      ),
    );
  }
  return out;
}
