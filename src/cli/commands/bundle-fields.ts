// The options of every command that runs a trained bundle: which bundle, and in which engine.
import { z } from 'zod';
import { opt } from '../../config/options.js';
import { engineField } from '../common.js';

/** --model and --engine; `kind` names the bundle in the help ('detector', 'segmenter'). */
export function bundleFields(kind: string) {
  return {
    model: opt(
      z.string().min(1),
      `${kind} bundle or run folder (or, with --engine onnx, an exported .onnx)`,
      { arg: 'dir' },
    ),
    engine: engineField,
  };
}

/** How to open the bundle: in the engine chosen, with the runtime's threads. */
export function openOptions(config: { engine: string }, runtime: { threads?: number }) {
  return { engine: config.engine, threads: runtime.threads };
}
