// The options of every command that runs a trained bundle: which bundle, and in which engine
// (the runtime's --engine, shared with every frozen forward pass: cli/common.ts).
import { z } from 'zod';
import { opt } from '../../config/options.js';
import { frozenEngine } from '../../engine/frozen-engine.js';

/** --model; `kind` names the bundle in the help ('detector', 'segmenter'). */
export function bundleFields(kind: string) {
  return {
    model: opt(
      z.string().min(1),
      `${kind} bundle or run folder (or an exported .onnx, run in ONNX Runtime)`,
      { arg: 'dir' },
    ),
  };
}

/** How to open the bundle: in the runtime's engine, with its threads. */
export function openOptions(runtime: { engine?: string; threads?: number }) {
  return { engine: runtime.engine, threads: runtime.threads ?? frozenEngine().threads };
}
