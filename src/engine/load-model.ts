// Loading a TF.js layers model from a folder (or model.json path) someone else may have written.
// file-io.ts validates the file before tfjs sees it; what tfjs-layers still refuses while
// building the model (a layer config it rejects, weights that do not fit the layers) is about the
// file's content too, and becomes BAD_INPUT naming the file. Other errors stay bugs.
import * as tf from '@tensorflow/tfjs';
import { badInput, VisiontuneError } from '../errors.js';
import { fileIO, modelJsonPath } from './file-io.js';

/** tfjs-layers' own error classes: thrown for what a config or weights say, not for its bugs. */
const CONTENT_ERRORS = new Set(['ValueError', 'NotImplementedError', 'AttributeError']);
/** Plain errors tfjs-layers throws for a weight whose shape is not its layer's (variables.js). */
const CONTENT_MESSAGES = [/^Shape mismatch: \[[\d,]*\] vs\. \[[\d,]*\]$/];

/** Whether `err` is tfjs-layers refusing the model's content. */
export function isModelContentError(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  return (
    CONTENT_ERRORS.has(err.constructor.name) || CONTENT_MESSAGES.some((m) => m.test(err.message))
  );
}

/** The model in `location` (a folder or its model.json), built with its weights. */
export async function loadModelFile(location: string): Promise<tf.LayersModel> {
  try {
    return await tf.loadLayersModel(fileIO(location));
  } catch (err) {
    if (err instanceof VisiontuneError || !isModelContentError(err)) throw err;
    const reason = (err as Error).message.split('\n')[0];
    throw badInput(`${modelJsonPath(location)}: the model cannot be built (${reason})`);
  }
}
