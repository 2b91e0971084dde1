// Whether second-order MAML can run, and a cross-entropy that second order can go through.
//
// Differentiating through an inner-loop gradient needs every op that computing the inner gradient
// put on the tape, between the weights and the result, to be differentiable once more. Two things
// stop that in tfjs 4.22, and backprop reports neither up front:
// - kernels without a registered gradient: Conv2DBackpropFilter,
//   DepthwiseConv2dNativeBackpropInput/Filter, the comparison in Relu6's gradient, and our fused
//   torch gradient kernels (VisiontuneBatchNormTrainingGrad, VisiontuneReluGrad). Backprop throws
//   at the first one.
// - ops whose gradient uses their own saved output (Exp, Tanh, Sigmoid, Softmax, LogSoftmax,
//   tfjs#3252): the engine tapes the copy it saves *before* the op itself, so tfjs's one forward
//   pass over the tape never connects the copy to the weights, and the second-order terms through
//   it are silently dropped (or "Cannot compute gradient" when nothing else connects).
// This walks the gradient tape itself and names both kinds. Why the tape and not tf.profile: a
// profile lists every kernel run, including kernels inside custom-gradient ops (FusedConv2D
// inside fusedConv2d's customGrad) and kernels off the path — false blockers both.
import * as tf from '@tensorflow/tfjs';
import { episodeCrossEntropy } from '../losses.js';

/** What tfjs records per op while a gradient tape is on (tfjs-core's TapeNode). */
interface TapeNode {
  kernelName: string;
  inputs: Record<string, tf.Tensor | null | undefined>;
  outputs: tf.Tensor[];
  gradient?: unknown;
}

export interface SecondOrderReport {
  /** Kernels on the path with no registered gradient. */
  noGradient: string[];
  /** Ops on the path whose gradient reads their saved output (tfjs#3252). */
  savedOutput: string[];
}

const inputsOf = (node: TapeNode) => Object.values(node.inputs).filter((t) => t != null);

/** The order-independent path params → y, and the blockers on it. */
function analyseTape(tape: readonly TapeNode[], params: readonly tf.Tensor[], y: tf.Tensor) {
  const producer = new Map<number, number>();
  tape.forEach((node, i) => {
    for (const out of node.outputs) producer.set(out.id, i);
  });
  // Nodes that depend on params, to a fixed point (a saved copy may come before its source).
  const fromParams = new Set(params.map((p) => p.id));
  const reached = new Set<number>();
  for (let changed = true; changed; ) {
    changed = false;
    tape.forEach((node, i) => {
      if (reached.has(i) || !inputsOf(node).some((t) => fromParams.has(t.id))) return;
      reached.add(i);
      changed = true;
      for (const out of node.outputs) fromParams.add(out.id);
    });
  }
  const onPath = new Set<number>();
  const pending = [y.id];
  while (pending.length > 0) {
    const at = producer.get(pending.pop()!);
    if (at === undefined || !reached.has(at) || onPath.has(at)) continue;
    onPath.add(at);
    for (const t of inputsOf(tape[at]!)) pending.push(t.id);
  }
  const noGradient = new Set<string>();
  const savedOutput = new Set<string>();
  for (const i of onPath) {
    const node = tape[i]!;
    if (!node.gradient) noGradient.add(node.kernelName);
    // An input made by a later node: tfjs's ordered pass cannot see this edge.
    for (const t of inputsOf(node)) {
      const from = producer.get(t.id);
      if (from !== undefined && from > i) savedOutput.add(tape[from]!.kernelName || '(custom op)');
    }
  }
  return { noGradient: [...noGradient].sort(), savedOutput: [...savedOutput].sort() };
}

/**
 * What stops a gradient of `innerGradient()` with respect to `params` on the current backend.
 * `innerGradient` computes gradients of an inner loss (e.g. with tf.grads); it runs once, inside
 * an outer gradient scope so that its backprop ops are taped, as in second-order MAML. Its side
 * effects (BatchNorm moving averages) are the caller's to undo.
 */
export function secondOrderReport(
  params: readonly tf.Tensor[],
  innerGradient: () => tf.Tensor[],
): SecondOrderReport {
  let report: SecondOrderReport = { noGradient: [], savedOutput: [] };
  const engine = tf.engine();
  tf.tidy(() => {
    // f returns a constant, so nothing is differentiated (allowNoGradients): we only read the tape.
    const { value } = engine.gradients(
      () => {
        const grads = innerGradient();
        const y = tf.addN(grads.map((g) => tf.sum(g)));
        report = analyseTape(engine.state.activeTape as unknown as TapeNode[], params, y);
        return tf.scalar(0);
      },
      [...params],
      undefined,
      true,
    );
    value.dispose();
  });
  return report;
}

/** Sorted unique names of everything that blocks second order; empty: it is possible. */
export function secondOrderBlockers(
  params: readonly tf.Tensor[],
  innerGradient: () => tf.Tensor[],
): string[] {
  const { noGradient, savedOutput } = secondOrderReport(params, innerGradient);
  return [...new Set([...noGradient, ...savedOutput])].sort();
}

/** One line for an error message. */
export function describeBlockers(report: SecondOrderReport): string {
  const parts: string[] = [];
  if (report.noGradient.length)
    parts.push(`kernels without a gradient in tfjs: ${report.noGradient.join(', ')}`);
  if (report.savedOutput.length)
    parts.push(
      `ops whose gradient reuses their output, which tfjs cannot differentiate again (tfjs#3252): ${report.savedOutput.join(', ')}`,
    );
  return parts.join('; ');
}

// log-softmax whose gradient reads only its saved *input*: the softmax in the gradient is
// recomputed (and taped) from the logits, so a second derivative sees it. tf.logSoftmax saves its
// output, and second order through it is silently lost (see the header).
const logSoftmaxTwice = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const [logits, save] = args as [tf.Tensor, tf.GradSaveFunc];
  save([logits]);
  return {
    value: tf.logSoftmax(logits),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
      tf.sub(dy, tf.mul(tf.sum(dy, -1, true), tf.softmax(saved[0]!))),
  };
});

/** losses.ts's episodeCrossEntropy, differentiable twice in tfjs (for second-order methods). */
export function crossEntropyTwice(
  logits: tf.Tensor2D,
  labels: Int32Array,
  ways: number,
): tf.Scalar {
  return episodeCrossEntropy(logits, labels, ways, logSoftmaxTwice);
}
