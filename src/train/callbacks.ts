// Named events of the training loop and the run context every event receives. A callback
// implements any subset; the loop awaits each in registration order, so a callback may write
// files or print before training goes on. Through the context (the second argument, as Keras's
// `self.model` / Lightning's `trainer`) a callback sees the model, optimizer and progress, and
// may stop the run with a typed reason.
import type * as tf from '@tensorflow/tfjs';
import type { EpochRecord } from './metrics-log.js';
import type { GroupOptimizer } from './optim/index.js';

export interface BatchInfo {
  epoch: number;
  /** Batch index within the epoch. */
  batch: number;
  /** Global optimizer step (0-based, before this batch's update). */
  step: number;
  size: number;
}

/**
 * Why `fit` returned. 'completed': every epoch ran; 'resumed-complete': a resumed run had nothing
 * left to do; 'early-stopping': the monitored metric stopped improving; the rest are requested
 * through `RunContext.stop`: 'time-budget' and 'cancelled' by the ready callbacks
 * (stop-callbacks.ts), 'callback' by any other.
 */
export type StopReason =
  | 'completed'
  | 'resumed-complete'
  | 'early-stopping'
  | 'time-budget'
  | 'cancelled'
  | 'callback';

/** The reasons a callback may give; the loop alone decides the others. */
export type RequestedStopReason = Exclude<StopReason, 'completed' | 'resumed-complete'>;

export interface StopRequest {
  reason: RequestedStopReason;
  /** For people: what ran out or who asked, e.g. "300 s budget used after 301.2 s". */
  detail?: string;
}

/**
 * The live run, passed to every event as its second argument. `stop` takes effect at the next
 * boundary: no further batch starts (the batch in progress finishes its update and onBatchEnd),
 * and a request made in onEpochEnd ends the run after that epoch. An epoch cut short writes no
 * record and no checkpoint, so the checkpoint of the last completed epoch stays the latest and
 * `resume` redoes the cut epoch from its start, exactly as an uninterrupted run would have.
 */
export interface RunContext {
  readonly model: tf.LayersModel;
  readonly optimizer: GroupOptimizer;
  /** Epochs the run is configured for. */
  readonly epochs: number;
  /** The epoch in progress (1-based), or the last completed one between epochs; 0 before any. */
  readonly epoch: number;
  /** Optimizer steps taken so far. */
  readonly step: number;
  /** The latest values: `{ loss, lr }` after a batch, the epoch's record after an epoch. */
  readonly logs: Readonly<Record<string, number | string | null>>;
  /** Completed epochs' records (restored ones included after a resume). */
  readonly history: readonly EpochRecord[];
  /** The first stop request, if any (later ones do not replace it). */
  readonly stopRequest: StopRequest | undefined;
  stop(reason?: RequestedStopReason, detail?: string): void;
}

export interface Callback {
  /**
   * Resuming from the checkpoint of `epoch` (completed epochs): weights are restored, the
   * optimizer state not yet, so a callback that changes which weights train can match it first.
   */
  onResume?(info: { epoch: number }, run: RunContext): void | Promise<void>;
  onTrainBegin?(
    info: { epochs: number; startEpoch: number },
    run: RunContext,
  ): void | Promise<void>;
  onEpochBegin?(info: { epoch: number }, run: RunContext): void | Promise<void>;
  onBatchBegin?(info: BatchInfo, run: RunContext): void | Promise<void>;
  onBatchEnd?(
    info: BatchInfo & { loss: number; lr: number },
    run: RunContext,
  ): void | Promise<void>;
  onEpochEnd?(record: EpochRecord, run: RunContext): void | Promise<void>;
  onTrainEnd?(
    info: { history: EpochRecord[]; stopReason: StopReason },
    run: RunContext,
  ): void | Promise<void>;
}

type EventName = keyof Callback;

/** Runs one event on every callback, in order. */
export async function emit<E extends EventName>(
  callbacks: readonly Callback[],
  event: E,
  info: Parameters<NonNullable<Callback[E]>>[0],
  run: RunContext,
): Promise<void> {
  for (const cb of callbacks) {
    const handler = cb[event] as
      | ((arg: typeof info, run: RunContext) => void | Promise<void>)
      | undefined;
    if (handler) await handler.call(cb, info, run);
  }
}

/** What the loop updates as it goes; the context reads it live. */
export interface RunProgress {
  epoch: number;
  step: number;
  logs: Record<string, number | string | null>;
  history: EpochRecord[];
}

/** A context over `progress` (read live) whose first stop request is kept. */
export function createRunContext(
  model: tf.LayersModel,
  optimizer: GroupOptimizer,
  epochs: number,
  progress: RunProgress,
): RunContext {
  let request: StopRequest | undefined;
  return {
    model,
    optimizer,
    epochs,
    get epoch() {
      return progress.epoch;
    },
    get step() {
      return progress.step;
    },
    get logs() {
      return progress.logs;
    },
    get history() {
      return progress.history;
    },
    get stopRequest() {
      return request;
    },
    stop(reason = 'callback', detail) {
      request ??= { reason, ...(detail === undefined ? {} : { detail }) };
    },
  };
}
