// What `compress distill` and `compress prune` print while and after they train: the per-epoch
// line (validation accuracy as a percentage) and percentages in the summary.
import type { Callback } from '../../train/callbacks.js';

export const percent = (v: number | undefined) =>
  v === undefined ? '—' : `${(v * 100).toFixed(1)}%`;

export function epochLine(epochs: number, info: (line: string) => void): Callback {
  return {
    onEpochEnd: (r) =>
      info(
        `epoch ${r.epoch}/${epochs}  loss ${Number(r.loss).toFixed(4)}` +
          (typeof r.val_accuracy === 'number' ? `  val ${percent(r.val_accuracy)}` : ''),
      ),
  };
}
