// SGD with momentum / Nesterov and coupled (L2) weight decay, following the update rule that
// torch.optim.SGD documents, per parameter group:
//   g ← g + wd·p;  b ← g on the first step, else b ← μ·b + (1 − τ)·g;
//   g ← g + μ·b (Nesterov) or g ← b;  p ← p − lr·g
// so hyper-parameters and results transfer from PyTorch recipes unchanged.
import * as tf from '@tensorflow/tfjs';
import { badInput } from '../../errors.js';
import { BaseGroupOptimizer, checkNumber, type OwnedVariable } from './group-optimizer.js';
import type { ParamGroup } from './types.js';

export interface SGDOptions {
  /** μ; 0 turns momentum (and its buffers) off. */
  momentum?: number;
  /** τ; must be 0 with Nesterov. */
  dampening?: number;
  nesterov?: boolean;
}

export class SGD extends BaseGroupOptimizer {
  readonly kind = 'sgd';
  readonly momentum: number;
  readonly dampening: number;
  readonly nesterov: boolean;

  constructor(groups: readonly ParamGroup[], options: SGDOptions = {}) {
    super(groups, ['momentum_buffer']);
    this.momentum = options.momentum ?? 0;
    this.dampening = options.dampening ?? 0;
    this.nesterov = options.nesterov ?? false;
    checkNumber(this.momentum, 'momentum');
    checkNumber(this.dampening, 'dampening', 0, 1);
    if (this.nesterov && (this.momentum <= 0 || this.dampening !== 0)) {
      throw badInput('optimizer: Nesterov momentum needs momentum > 0 and dampening 0');
    }
  }

  protected update(o: OwnedVariable, grad: tf.Tensor, lr: number, wd: number): void {
    tf.tidy(() => {
      const p = o.variable;
      let g = wd !== 0 ? tf.add(grad, tf.mul(p, wd)) : grad;
      if (this.momentum !== 0) {
        const prev = this.slot(o, 'momentum_buffer');
        const buf = prev ? tf.add(tf.mul(prev, this.momentum), tf.mul(g, 1 - this.dampening)) : g;
        this.setSlot(o, 'momentum_buffer', buf);
        g = this.nesterov ? tf.add(g, tf.mul(buf, this.momentum)) : buf;
      }
      o.write(tf.sub(p, tf.mul(g, lr)));
    });
  }
}
