// lp-ft's model selection: the probe it starts from counts as epoch 0. Fine-tuning is kept only
// when its kept weights (the best epoch under early stopping, else the last) have a lower
// validation loss than the probe had; otherwise the probe's weights are restored, so lp-ft does
// not end below its own starting point on validation data. (Kumar et al. 2022 select by
// in-distribution validation too.) Without a validation split there is nothing to judge by.
import type { Callback } from '../../train/callbacks.js';
import type { EpochRecord } from '../../train/metrics-log.js';
import { restoreWeights, snapshotWeights } from '../../train/optim/index.js';
import type { Prepared } from './strategy.js';

/** The validation loss of the weights the loop keeps. */
function keptValLoss(history: readonly EpochRecord[], earlyStopping: boolean): number {
  const losses = history.map((r) => (r.val_loss as number) ?? Infinity);
  return earlyStopping ? Math.min(...losses) : (losses.at(-1) ?? Infinity);
}

/**
 * Measures the probe (the network's weights now) on the validation split and adds the guard to
 * the plan. `notes` receives the line saying which weights were kept.
 */
export async function keepProbeUnlessBeaten(
  prepared: Prepared,
  log: (line: string) => void,
): Promise<Prepared> {
  const { plan } = prepared;
  if (!plan.validate) return prepared;
  const probe = await snapshotWeights(plan.model);
  const probeLoss = (await plan.validate(0)).val_loss!;
  const notes: string[] = [];
  const guard: Callback = {
    onTrainEnd({ history }) {
      const tuned = keptValLoss(history, plan.earlyStopping !== undefined);
      const line =
        tuned < probeLoss
          ? `fine-tuning kept: validation loss ${tuned.toFixed(4)}, the probe's ${probeLoss.toFixed(4)}`
          : `fine-tuning did not lower the probe's validation loss (${tuned.toFixed(4)} vs ${probeLoss.toFixed(4)}): the probe's weights are kept`;
      if (tuned >= probeLoss) restoreWeights(plan.model, probe);
      notes.push(line);
      log(line);
    },
  };
  return {
    ...prepared,
    notes,
    plan: { ...plan, callbacks: [...(plan.callbacks ?? []), guard] },
  };
}
