// How long a benchmark run's training loop took, and how much of it the optimizer steps alone
// (a callback for train/trainMultiTask): the step time per image of a short run, scaled to a
// longer one, estimates how long that one will take.
import type { Callback } from '../src/train/callbacks.js';

/** How long the training loop ran, and how much of it the optimizer steps took. */
export function fitTimer() {
  let began = 0;
  let ended = 0;
  let batchBegan = 0;
  let epochBegan = 0;
  const timer = {
    stepSeconds: 0,
    /** Each epoch's seconds (validation included): the first also pays the warm-up. */
    epochSeconds: [] as number[],
    fitSeconds: () => (ended - began) / 1000,
    callback: {
      onTrainBegin: () => {
        began = performance.now();
      },
      onEpochBegin: () => {
        epochBegan = performance.now();
      },
      onEpochEnd: () => {
        timer.epochSeconds.push((performance.now() - epochBegan) / 1000);
      },
      onBatchBegin: () => {
        batchBegan = performance.now();
      },
      onBatchEnd: () => {
        timer.stepSeconds += (performance.now() - batchBegan) / 1000;
      },
      onTrainEnd: () => {
        ended = performance.now();
      },
    } satisfies Callback,
  };
  return timer;
}
