// Ready callbacks that end a run early through RunContext.stop: a wall-clock budget and
// cancellation by an AbortSignal (a server or web app cancelling a job). Both stop at the next
// batch boundary; the checkpoint of the last completed epoch stays what `resume` continues.
import type { Callback, RunContext } from './callbacks.js';

export interface TimeBudgetOptions {
  /** Clock in seconds; injectable so tests need no real waiting. Default: performance.now(). */
  now?: () => number;
}

/**
 * Stops with 'time-budget' once `seconds` have passed since training began (resume included:
 * each call of fit has its own budget), checked after every batch.
 */
export function timeBudget(seconds: number, options: TimeBudgetOptions = {}): Callback {
  if (!(seconds > 0)) throw new RangeError(`time budget must be > 0 seconds, got ${seconds}`);
  const now = options.now ?? (() => performance.now() / 1000);
  let started = 0;
  const check = (run: RunContext) => {
    const used = now() - started;
    if (used >= seconds)
      run.stop('time-budget', `${seconds} s budget used after ${used.toFixed(1)} s`);
  };
  return {
    onTrainBegin: () => {
      started = now();
    },
    onBatchEnd: (_info, run) => check(run),
  };
}

/**
 * Stops with 'cancelled' once `signal` is aborted: before the first batch when it already is,
 * else after the batch in progress. The detail is the abort reason's message.
 */
export function cancelOn(signal: AbortSignal): Callback {
  const check = (run: RunContext) => {
    if (signal.aborted) run.stop('cancelled', describeReason(signal.reason));
  };
  return {
    onTrainBegin: (_info, run) => check(run),
    onEpochBegin: (_info, run) => check(run),
    onBatchEnd: (_info, run) => check(run),
  };
}

function describeReason(reason: unknown): string {
  if (reason instanceof Error) return reason.message;
  return reason === undefined ? 'aborted' : String(reason);
}
