// The line a training command prints after each epoch: the loss, and one validation metric.
import type { Callback } from '../../train/callbacks.js';
import type { Output } from '../output.js';

/** `key` is the metric's name in the epoch record, `label` how the line shows it. */
export function epochProgress(
  out: Output,
  epochs: number,
  key: string,
  label: string,
  digits = 3,
): Callback {
  return {
    onEpochEnd: (r) => {
      const value = r[key];
      out.info(
        `epoch ${r.epoch}/${epochs}  loss ${Number(r.loss).toFixed(4)}` +
          (typeof value === 'number' ? `  ${label} ${value.toFixed(digits)}` : ''),
      );
    },
  };
}
