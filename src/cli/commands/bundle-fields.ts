// The options of every command that runs a trained bundle: which bundle (and, in a multi-task
// bundle, which task), and in which engine (the runtime's --engine, shared with every frozen
// forward pass: cli/common.ts).
import { z } from 'zod';
import { MULTI_LABEL_THRESHOLD } from '../../bundle/classify-output.js';
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
    task: opt(
      z.string().min(1).optional(),
      'multitask bundle: the task to run (its name in visiontune.json)',
      { arg: 'name' },
    ),
  };
}

/** --threshold: where a multi-label classifier's class counts as present. */
export const thresholdField = opt(
  z.number().gt(0).lt(1).default(MULTI_LABEL_THRESHOLD),
  'multi-label classifiers: the probability at or above which a class is present',
  { arg: 'p' },
);

/** How to open the bundle: in the runtime's engine, with its threads; the --task given. */
export function openOptions(
  runtime: { engine?: string; threads?: number },
  options: { task?: string } = {},
) {
  return {
    engine: runtime.engine,
    threads: runtime.threads ?? frozenEngine().threads,
    task: options.task,
  };
}
