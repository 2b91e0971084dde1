// AdamW (Loshchilov & Hutter) with decoupled weight decay, following the update rule that
// torch.optim.AdamW documents, per parameter group and per parameter step count t:
//   p ← p − lr·wd·p;  m ← β1·m + (1 − β1)·g;  v ← β2·v + (1 − β2)·g²
//   p ← p − (lr / (1 − β1^t)) · m / (√v / √(1 − β2^t) + ε)
// ε sits outside the square root, as in PyTorch (and tf.train.adam). The step count is kept per
// variable, as PyTorch does, so a layer unfrozen late gets a fresh bias correction.
import * as tf from '@tensorflow/tfjs';
import { BaseGroupOptimizer, checkNumber, type OwnedVariable } from './group-optimizer.js';
import type { ParamGroup } from './types.js';

export interface AdamWOptions {
  beta1?: number;
  beta2?: number;
  eps?: number;
}

export class AdamW extends BaseGroupOptimizer {
  readonly kind = 'adamw';
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;

  constructor(groups: readonly ParamGroup[], options: AdamWOptions = {}) {
    super(groups, ['exp_avg', 'exp_avg_sq'], ['step']);
    this.beta1 = options.beta1 ?? 0.9;
    this.beta2 = options.beta2 ?? 0.999;
    this.eps = options.eps ?? 1e-8;
    checkNumber(this.beta1, 'beta1', 0, 0.999999);
    checkNumber(this.beta2, 'beta2', 0, 0.999999);
    checkNumber(this.eps, 'eps');
  }

  protected update(o: OwnedVariable, grad: tf.Tensor, lr: number, wd: number): void {
    const t = this.counter(o, 'step') + 1;
    const { beta1, beta2 } = this;
    tf.tidy(() => {
      const p = wd !== 0 ? tf.mul(o.variable, 1 - lr * wd) : o.variable;
      const m0 = this.slot(o, 'exp_avg');
      const v0 = this.slot(o, 'exp_avg_sq');
      const gm = tf.mul(grad, 1 - beta1);
      const gv = tf.mul(tf.square(grad), 1 - beta2);
      const m = m0 ? tf.add(tf.mul(m0, beta1), gm) : gm;
      const v = v0 ? tf.add(tf.mul(v0, beta2), gv) : gv;
      this.setSlot(o, 'exp_avg', m);
      this.setSlot(o, 'exp_avg_sq', v);
      const stepSize = lr / (1 - beta1 ** t);
      const denom = tf.add(tf.div(tf.sqrt(v), Math.sqrt(1 - beta2 ** t)), this.eps);
      o.write(tf.sub(p, tf.mul(tf.div(m, denom), stepSize)));
    });
    this.setCounter(o, 'step', t);
  }
}
