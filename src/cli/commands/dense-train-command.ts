// `detect train` and `segment train` are one command shape: options from the task's run
// configuration (with --config), a progress line per epoch, the run's result as JSON or as a
// headline, the metrics and the files written.
import type { Command } from 'commander';
import type { z } from 'zod';
import type { Callback } from '../../train/callbacks.js';
import type { ConfigLayer } from '../../util/merge-layers.js';
import { defineCommand } from '../define-command.js';
import type { FlagOverrides } from '../schema-options.js';
import { epochProgress } from './epoch-progress.js';

interface DenseRunResult {
  bundleDir: string;
  reportFile: string;
  evaluatedOn: string;
  splits: { train: number; val: number; test: number };
  skipped: unknown;
  seconds: number;
  metrics: unknown;
  config: unknown;
}

export interface DenseTrainSpec<S extends z.ZodObject, C, R extends DenseRunResult> {
  description: string;
  options: S;
  what: string;
  resolve: (...layers: ConfigLayer[]) => C;
  flags?: FlagOverrides;
  train: (config: C, hooks: { log: (line: string) => void; callbacks: Callback[] }) => Promise<R>;
  /** The validation metric of the epoch lines: its key in the epoch record, and its label. */
  progress: { key: string; label: string };
  /** Result fields beyond the common ones (e.g. the detections file), after the report. */
  files?: (result: R) => Record<string, string>;
  /** The first line of the text result, and the metrics as people read them. */
  headline: (config: C, result: R) => string;
  formatMetrics: (result: R) => string;
}

export function denseTrainCommand<
  S extends z.ZodObject,
  C extends { epochs: number },
  R extends DenseRunResult,
>(parent: Command, spec: DenseTrainSpec<S, C, R>): Command {
  return defineCommand<S, C>(parent, {
    name: 'train',
    description: spec.description,
    options: spec.options,
    what: spec.what,
    configFile: true,
    distributed: true,
    resolve: spec.resolve,
    flags: spec.flags,
    async run(config, { out }) {
      const { key, label } = spec.progress;
      const result = await spec.train(config, {
        log: (line) => out.info(line),
        callbacks: [epochProgress(out, config.epochs, key, label)],
      });
      out.result(
        {
          bundle: result.bundleDir,
          report: result.reportFile,
          ...spec.files?.(result),
          evaluatedOn: result.evaluatedOn,
          splits: result.splits,
          skipped: result.skipped,
          seconds: result.seconds,
          metrics: result.metrics,
          config: result.config,
        },
        () =>
          [
            spec.headline(config, result),
            spec.formatMetrics(result),
            `bundle: ${result.bundleDir}`,
            `report: ${result.reportFile}`,
          ].join('\n'),
      );
    },
  });
}
