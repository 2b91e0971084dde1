// ReduceLROnPlateau as torch.optim.lr_scheduler documents it: after more than `patience` epochs
// without improvement (relative or absolute `threshold`), lr ← max(lr·factor, minLr), then
// `cooldown` epochs during which bad epochs are not counted; a reduction smaller than `eps` is
// skipped. It owns the current lr (the loop passes `lr` as the base lr) and its whole state is a
// plain JSON object, so a checkpoint can carry it and a resumed run reduces at the same epochs.
import { badInput } from '../../errors.js';

export interface PlateauOptions {
  /** Starting lr. */
  lr: number;
  mode?: 'min' | 'max';
  factor?: number;
  patience?: number;
  threshold?: number;
  thresholdMode?: 'rel' | 'abs';
  cooldown?: number;
  minLr?: number;
  eps?: number;
}

export interface PlateauState {
  options: Required<PlateauOptions>;
  lr: number;
  /** Best metric so far; null before the first epoch (JSON has no Infinity). */
  best: number | null;
  numBadEpochs: number;
  cooldownCounter: number;
  epochs: number;
}

export class ReduceLROnPlateau {
  private state: PlateauState;

  constructor(options: PlateauOptions) {
    const o: Required<PlateauOptions> = {
      mode: 'min',
      factor: 0.1,
      patience: 10,
      threshold: 1e-4,
      thresholdMode: 'rel',
      cooldown: 0,
      minLr: 0,
      eps: 1e-8,
      ...options,
    };
    const bad = (field: string) => badInput(`ReduceLROnPlateau: bad ${field}`);
    if (!(o.lr >= 0)) throw bad(`lr ${o.lr}`);
    if (!(o.factor > 0 && o.factor < 1)) throw bad(`factor ${o.factor} (must be in (0, 1))`);
    if (!(Number.isInteger(o.patience) && o.patience >= 0)) throw bad(`patience ${o.patience}`);
    if (!(Number.isInteger(o.cooldown) && o.cooldown >= 0)) throw bad(`cooldown ${o.cooldown}`);
    if (!(o.threshold >= 0)) throw bad(`threshold ${o.threshold}`);
    if (!(o.minLr >= 0)) throw bad(`minLr ${o.minLr}`);
    if (o.mode !== 'min' && o.mode !== 'max') throw bad(`mode ${o.mode}`);
    if (o.thresholdMode !== 'rel' && o.thresholdMode !== 'abs') {
      throw bad(`thresholdMode ${o.thresholdMode}`);
    }
    this.state = {
      options: o,
      lr: o.lr,
      best: null,
      numBadEpochs: 0,
      cooldownCounter: 0,
      epochs: 0,
    };
  }

  get lr(): number {
    return this.state.lr;
  }

  get best(): number | null {
    return this.state.best;
  }

  private isBetter(a: number, best: number | null): boolean {
    if (best === null) return !Number.isNaN(a); // best starts at ±Infinity in torch
    const { mode, thresholdMode, threshold } = this.state.options;
    if (mode === 'min') {
      return thresholdMode === 'rel' ? a < best * (1 - threshold) : a < best - threshold;
    }
    return thresholdMode === 'rel' ? a > best * (1 + threshold) : a > best + threshold;
  }

  /** Feeds one epoch's metric; returns the lr to use from now on and whether it just dropped. */
  step(metric: number): { lr: number; reduced: boolean } {
    const s = this.state;
    const o = s.options;
    s.epochs++;
    if (this.isBetter(metric, s.best)) {
      s.best = metric;
      s.numBadEpochs = 0;
    } else {
      s.numBadEpochs++;
    }
    if (s.cooldownCounter > 0) {
      s.cooldownCounter--;
      s.numBadEpochs = 0;
    }
    let reduced = false;
    if (s.numBadEpochs > o.patience) {
      const next = Math.max(s.lr * o.factor, o.minLr);
      if (s.lr - next > o.eps) {
        s.lr = next;
        reduced = true;
      }
      s.cooldownCounter = o.cooldown;
      s.numBadEpochs = 0;
    }
    return { lr: s.lr, reduced };
  }

  toJSON(): PlateauState {
    return structuredClone(this.state);
  }

  static fromJSON(state: PlateauState): ReduceLROnPlateau {
    const p = new ReduceLROnPlateau(state.options);
    p.state = structuredClone(state);
    return p;
  }
}
