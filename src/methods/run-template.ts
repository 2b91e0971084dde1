// The one sequence every end-to-end run follows — validate the input, open the data and its
// splits, build the model, fit it through the shared loop, evaluate, save the bundle (+ model
// card), write the report — with what the runs share: timing, progress lines, the out folder,
// atomic writes of the extra files, lr recording, disposal and the result's common fields. A task
// supplies only its steps.
import path from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import { type DeltaSaveOptions, type NewBundleMeta, saveBundle } from '../bundle/bundle.js';
import { mergeDeltaModel } from '../bundle/delta/merge.js';
import { currentGroup, WAIT_FOR_RANK_0_MS } from '../distributed/current.js';
import { writeFileAtomic } from '../engine/file-io.js';
import { ensureEngine } from '../engine/index.js';
import { claimOutDir } from '../guard/out-dir.js';
import { modelCardFromReport } from '../report/model-card.js';
import type { LrStep, RunReport } from '../report/types.js';
import { writeModelCard, writeReport } from '../report/write.js';
import type { Callback } from '../train/callbacks.js';
import { type FitConfig, type FitResult, fit, type TrainBatch } from '../train/loop.js';
import type { EpochRecord } from '../train/metrics-log.js';

export interface RunHooks {
  callbacks?: Callback[];
  /** Progress lines for people (the CLI prints them unless --json/--quiet). */
  log?: (line: string) => void;
}

/** The fields the template reads from every run configuration. */
export interface RunConfig {
  out: string;
  resume: boolean;
  /** Move what --out holds aside when visiontune did not write it there (guard/out-dir). */
  overwrite?: boolean;
}

/**
 * The owner kind (guard/owner.ts) of every run folder (train, adapt, detect/segment train,
 * distill, prune, few-shot meta-training): one kind, because they share one layout (checkpoints/,
 * metrics.jsonl, bundle/, report.html) that a fresh run replaces and --resume continues; the
 * claim is there to protect files visiontune did not write, not to tell runs apart.
 */
export const RUN_KIND = 'run';

/** What every task's opened data tells the template. */
export interface RunData {
  /** Images per split, as the result reports them. */
  splits: { train: number; val: number; test: number };
  /** Which images the final metrics are measured on. */
  evaluatedOn: string;
}

/**
 * Everything `fit()` needs but the out folder and resume flag (the template adds those, and the
 * hooks' callbacks after the plan's). The template frees the optimizer after fitting.
 */
export type FitPlan<B extends TrainBatch> = Omit<FitConfig<B>, 'outDir' | 'resume'> & {
  /** Frees what only training needed, beyond the optimizer. */
  release?: () => void;
  /**
   * Fits without the loop (a convex head solved to optimality): the template calls it instead
   * of fit(), with the out folder for its metrics.jsonl. A resumed run simply solves again.
   */
  solve?: (outDir: string | undefined) => Promise<FitResult>;
};

/** Fits a plan: by its `solve` when it has one, else by the training loop. */
export function runFitPlan<B extends TrainBatch>(
  plan: FitPlan<B>,
  run: Pick<FitConfig<B>, 'outDir' | 'resume' | 'callbacks'> = {},
): Promise<FitResult> {
  const { release: _release, solve, ...loop } = plan;
  return solve
    ? solve(run.outDir)
    : fit({ ...loop, ...run, callbacks: run.callbacks ?? loop.callbacks });
}

export interface Fitted {
  result: FitResult;
  /** Learning rate at every optimizer step, when the run saw all of them (not resumed). */
  lrSteps?: LrStep[];
}

/** A task's page: a classifier report (the template writes it and the model card), or a file the task wrote itself. */
export type RunPage = { report: RunReport } | { written: string };

/** What a step sees: the configuration, a progress log, and the earlier steps' results. */
export interface Step<C> {
  config: C;
  log: (line: string) => void;
}
export type Opened<C, D> = Step<C> & { data: D };
export type Built<C, D, M> = Opened<C, D> & { model: M };
export type Trained<C, D, M> = Built<C, D, M> & { fitted: Fitted };
export type Evaluated<C, D, M, E> = Trained<C, D, M> & { evaluation: E };
export type Saved<C, D, M, E> = Evaluated<C, D, M, E> & { bundleDir: string };

export interface RunTask<
  C extends RunConfig,
  D extends RunData,
  M,
  B extends TrainBatch,
  E extends { metrics: unknown },
  X,
> {
  /** The task's configuration schema: defaults filled in, a bad field an error naming it. */
  resolve(input: Record<string, unknown>): C;
  openData(step: Step<C>): Promise<D>;
  buildModel(step: Opened<C, D>): Promise<M>;
  fitPlan(step: Built<C, D, M>): FitPlan<B> | Promise<FitPlan<B>>;
  evaluate(step: Trained<C, D, M>): Promise<E>;
  /** The model saved as the bundle, and its metadata; with `delta` (a PEFT run), saved as a
   * delta bundle on that base (bundle/delta): only the weights the run changed; with `merge`
   * (`--merge`), saved standalone with its PEFT layers folded where they fold (LoRA). */
  bundle(step: Evaluated<C, D, M, E>): {
    model: tf.LayersModel;
    meta: NewBundleMeta;
    delta?: DeltaSaveOptions;
    merge?: boolean;
  };
  /** Extra files in the out folder: name -> contents (see `jsonFile`). */
  files?(step: Saved<C, D, M, E>): Record<string, string>;
  report(step: Saved<C, D, M, E>): Promise<RunPage>;
  /** The task's own result fields. */
  result(step: Saved<C, D, M, E> & { reportFile: string }): X;
  /** Frees the model's weights once everything is written (also when a step fails). */
  dispose?(step: Built<C, D, M>): void;
}

export interface RunResult<C, D extends RunData, Mt> {
  config: C;
  bundleDir: string;
  reportFile: string;
  metrics: Mt;
  evaluatedOn: D['evaluatedOn'];
  splits: D['splits'];
  history: EpochRecord[];
  seconds: number;
}

/** A file's contents as the runs write JSON: indented, with a final newline. */
export const jsonFile = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

/** Records the learning rate of every optimizer step, for the report's learning-rate curve. */
function lrRecorder(): Callback & { steps: LrStep[] } {
  const steps: LrStep[] = [];
  return {
    steps,
    onBatchEnd: ({ step, lr }) => {
      steps.push({ step, lr });
    },
  };
}

async function fitWith<B extends TrainBatch>(
  plan: FitPlan<B>,
  config: RunConfig,
  hooks: RunHooks,
): Promise<Fitted> {
  const lr = lrRecorder();
  try {
    const result = await runFitPlan(plan, {
      outDir: config.out,
      resume: config.resume,
      callbacks: [lr, ...(plan.callbacks ?? []), ...(hooks.callbacks ?? [])],
    });
    // A resumed run saw only its own steps: its report falls back to the per-epoch curve.
    return { result, lrSteps: result.resumedFromEpoch === 0 ? lr.steps : undefined };
  } finally {
    plan.optimizer.dispose();
    plan.release?.();
  }
}

async function writePage(page: RunPage, out: string, bundleDir: string): Promise<string> {
  if ('written' in page) return page.written;
  const reportFile = await writeReport(out, page.report);
  await writeModelCard(bundleDir, modelCardFromReport(page.report, { bundleDir }));
  return reportFile;
}

export async function runTask<
  C extends RunConfig,
  D extends RunData,
  M,
  B extends TrainBatch,
  E extends { metrics: unknown },
  X,
>(
  task: RunTask<C, D, M, B, E, X>,
  input: object,
  hooks: RunHooks = {},
): Promise<RunResult<C, D, E['metrics']> & X> {
  const started = performance.now();
  // Resolving is idempotent: the CLI passes a configuration it has resolved already.
  const config = task.resolve(input as Record<string, unknown>);
  await ensureEngine();
  const log = (line: string) => hooks.log?.(line);
  const opened = { config, log, data: await task.openData({ config, log }) };
  // Claimed once the data is known good, before anything is written: refuses a file, an
  // unwritable path, foreign content and a second run into the same folder (exit 2). In a
  // data-parallel run rank 0 alone writes (claims, checkpoints, bundle, report).
  const writes = currentGroup()?.isMain ?? true;
  const claim = writes
    ? await claimOutDir(config.out, { kind: RUN_KIND, overwrite: config.overwrite })
    : undefined;
  if (claim?.movedAside) log(`moved what ${config.out} held to ${claim.movedAside}`);
  let built: Built<C, D, M> | undefined;
  try {
    built = { ...opened, model: await task.buildModel(opened) };
    return await trainAndSave(task, built, hooks, started);
  } finally {
    if (built) task.dispose?.(built);
    await claim?.release();
  }
}

async function trainAndSave<
  C extends RunConfig,
  D extends RunData,
  M,
  B extends TrainBatch,
  E extends { metrics: unknown },
  X,
>(
  task: RunTask<C, D, M, B, E, X>,
  built: Built<C, D, M>,
  hooks: RunHooks,
  started: number,
): Promise<RunResult<C, D, E['metrics']> & X> {
  const { config } = built;
  const fitted = await fitWith(await task.fitPlan(built), config, hooks);
  // The other ranks of a data-parallel run are done once trained: rank 0 evaluates and writes,
  // and they return its result (a rank 0 that fails ends their wait at once).
  const group = currentGroup();
  if (group && !group.isMain)
    return group.shareFromMain('run-result', unreachable, { waitMs: WAIT_FOR_RANK_0_MS });
  const result = await evaluateAndSave(task, { ...built, fitted }, started);
  return group ? group.shareFromMain('run-result', () => result) : result;
}

const unreachable = (): never => {
  throw new Error('only rank 0 produces the result');
};

async function evaluateAndSave<
  C extends RunConfig,
  D extends RunData,
  M,
  B extends TrainBatch,
  E extends { metrics: unknown },
  X,
>(
  task: RunTask<C, D, M, B, E, X>,
  trained: Trained<C, D, M>,
  started: number,
): Promise<RunResult<C, D, E['metrics']> & X> {
  const { config, fitted, data } = trained;
  const evaluated = { ...trained, evaluation: await task.evaluate(trained) };
  const bundle = task.bundle(evaluated);
  const bundleDir = path.join(config.out, 'bundle');
  const model = bundle.merge ? await mergeDeltaModel(bundle.model) : bundle.model;
  try {
    await saveBundle(bundleDir, model, bundle.meta, {
      overwrite: config.overwrite,
      what: `the bundle of --out ${config.out}`,
      delta: bundle.delta,
    });
  } finally {
    if (model !== bundle.model) model.dispose();
  }
  const saved = { ...evaluated, bundleDir };
  for (const [name, contents] of Object.entries(task.files?.(saved) ?? {}))
    await writeFileAtomic(path.join(config.out, name), contents);
  const reportFile = await writePage(await task.report(saved), config.out, bundleDir);
  return {
    config,
    bundleDir,
    reportFile,
    metrics: evaluated.evaluation.metrics,
    evaluatedOn: data.evaluatedOn,
    splits: data.splits,
    history: fitted.result.history,
    ...task.result({ ...saved, reportFile }),
    seconds: (performance.now() - started) / 1000,
  };
}
