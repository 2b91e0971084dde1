// The contract between the server and a task (classification, detection, segmentation): each
// image is prepared on its own as its request arrives (decode, resize, normalize: the same
// functions `predict`, `detect predict` and `segment predict` use), then prepared images from
// concurrent requests run together in one batch.
import type { RunnableBundle } from '../../bundle/batch-model.js';

export interface PredictParams {
  /** Classes per image (classification). */
  top: number;
}

export interface TaskRunner<P = unknown> {
  bundle: RunnableBundle;
  /** What GET /v1/models/:name says about the model besides its metadata. */
  describe(): Record<string, unknown>;
  /** One image to its batch item; throws a VisiontuneError for unreadable bytes. */
  prepare(bytes: Uint8Array, id: string, params: PredictParams): Promise<P>;
  /** One batch: a JSON result or an Error per item, in order. */
  run(items: P[]): Promise<(Record<string, unknown> | Error)[]>;
}

/** Prepared inputs of equal size stacked into one NHWC buffer. */
export function stack(inputs: readonly Float32Array[]): Float32Array {
  const size = inputs[0]?.length ?? 0;
  const out = new Float32Array(inputs.length * size);
  inputs.forEach((input, i) => {
    out.set(input, i * size);
  });
  return out;
}
