// One rule for square input sizes, so every family rejects a bad size with the same message.
import { badUsage } from '../errors.js';
import type { PretrainedConfig } from './types.js';

/** Largest square input a model file may declare (16× the largest common backbone's): a file from
 * someone else cannot make visiontune build tensors for an absurd size. */
export const MAX_INPUT_SIZE = 4096;

/** The size to build at: `requested` or the native size; badUsage below the body's minimum. */
export function resolveInputSize(
  name: string,
  config: PretrainedConfig,
  requested?: number,
): number {
  const size = requested ?? config.inputSize;
  if (!Number.isInteger(size) || size < config.minInputSize) {
    throw badUsage(
      `inputSize: ${name} needs a whole number >= ${config.minInputSize} (got ${requested})`,
    );
  }
  return size;
}
