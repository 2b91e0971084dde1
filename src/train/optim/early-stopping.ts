// Early stopping as Keras' EarlyStopping callback documents it: an epoch improves when the
// monitored value beats the best by more than `minDelta`; after `patience` epochs in a row
// without improvement, stop. It remembers the best value and epoch, so the loop knows when to
// snapshot weights (`improved`) and which epoch's weights to restore at the end. State is a plain
// JSON object for checkpoints.
import { badInput } from '../../errors.js';

export interface EarlyStoppingOptions {
  /** Metric name, e.g. 'val_loss'. */
  monitor: string;
  mode?: 'min' | 'max';
  patience?: number;
  minDelta?: number;
}

export interface EarlyStoppingState {
  options: Required<EarlyStoppingOptions>;
  best: number | null;
  bestEpoch: number | null;
  /** Epochs since the last improvement. */
  wait: number;
  stopped: boolean;
}

export interface EarlyStoppingDecision {
  /** This epoch is the new best: snapshot its weights. */
  improved: boolean;
  stop: boolean;
  best: number | null;
  bestEpoch: number | null;
}

export class EarlyStopping {
  private state: EarlyStoppingState;

  constructor(options: EarlyStoppingOptions) {
    const o: Required<EarlyStoppingOptions> = { mode: 'min', patience: 0, minDelta: 0, ...options };
    if (!(Number.isInteger(o.patience) && o.patience >= 0)) {
      throw badInput(`EarlyStopping: patience must be an integer >= 0, got ${o.patience}`);
    }
    if (!(o.minDelta >= 0))
      throw badInput(`EarlyStopping: minDelta must be >= 0, got ${o.minDelta}`);
    if (o.mode !== 'min' && o.mode !== 'max') throw badInput(`EarlyStopping: bad mode ${o.mode}`);
    this.state = { options: o, best: null, bestEpoch: null, wait: 0, stopped: false };
  }

  get best(): number | null {
    return this.state.best;
  }

  get bestEpoch(): number | null {
    return this.state.bestEpoch;
  }

  get stopped(): boolean {
    return this.state.stopped;
  }

  /**
   * Feeds the metrics of `epoch` (the monitored one is read by name, or pass the number itself).
   * A NaN value never improves.
   */
  update(epoch: number, metrics: number | Record<string, number>): EarlyStoppingDecision {
    const s = this.state;
    const o = s.options;
    const value = typeof metrics === 'number' ? metrics : metrics[o.monitor];
    if (typeof value !== 'number') {
      throw badInput(
        `EarlyStopping: metric ${o.monitor} is not among ${Object.keys(metrics as object)}`,
      );
    }
    const improved =
      !Number.isNaN(value) &&
      (s.best === null ||
        (o.mode === 'min' ? value < s.best - o.minDelta : value > s.best + o.minDelta));
    if (improved) {
      s.best = value;
      s.bestEpoch = epoch;
      s.wait = 0;
    } else {
      s.wait++;
      if (s.wait >= o.patience) s.stopped = true;
    }
    return { improved, stop: s.stopped, best: s.best, bestEpoch: s.bestEpoch };
  }

  toJSON(): EarlyStoppingState {
    return structuredClone(this.state);
  }

  static fromJSON(state: EarlyStoppingState): EarlyStopping {
    const e = new EarlyStopping(state.options);
    e.state = structuredClone(state);
    return e;
  }
}
