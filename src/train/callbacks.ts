// Named events of the training loop. A callback implements any subset; the loop awaits each in
// registration order, so a callback may write files or print before training goes on.
import type { EpochRecord } from './metrics-log.js';

export interface BatchInfo {
  epoch: number;
  /** Batch index within the epoch. */
  batch: number;
  /** Global optimizer step (0-based, before this batch's update). */
  step: number;
  size: number;
}

export interface Callback {
  /**
   * Resuming from the checkpoint of `epoch` (completed epochs): weights are restored, the
   * optimizer state not yet, so a callback that changes which weights train can match it first.
   */
  onResume?(info: { epoch: number }): void | Promise<void>;
  onTrainBegin?(info: { epochs: number; startEpoch: number }): void | Promise<void>;
  onEpochBegin?(info: { epoch: number }): void | Promise<void>;
  onBatchBegin?(info: BatchInfo): void | Promise<void>;
  onBatchEnd?(info: BatchInfo & { loss: number; lr: number }): void | Promise<void>;
  onEpochEnd?(record: EpochRecord): void | Promise<void>;
  onTrainEnd?(info: { history: EpochRecord[]; stopReason: string }): void | Promise<void>;
}

type EventName = keyof Callback;

/** Runs one event on every callback, in order. */
export async function emit<E extends EventName>(
  callbacks: readonly Callback[],
  event: E,
  info: Parameters<NonNullable<Callback[E]>>[0],
): Promise<void> {
  for (const cb of callbacks) {
    const handler = cb[event] as ((arg: typeof info) => void | Promise<void>) | undefined;
    if (handler) await handler.call(cb, info);
  }
}
