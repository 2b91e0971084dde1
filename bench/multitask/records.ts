// One benchmark run's record, its --resume key, and the summary per group: each task's
// single-task metric against each multi-task variant's.
import { mainMetricKey } from '../../src/methods/multitask/report.js';
import type { TaskSpecInput } from '../../src/methods/multitask/task-spec.js';

export const runKey = (r: Pick<RunRecord, 'group' | 'variant' | 'tasks' | 'seed'>) =>
  `${r.group}/${r.variant}/${r.tasks.join('+')}/s${r.seed}`;

export interface RunRecord {
  group: 'shared' | 'pair';
  /** `single` for a one-task network, else the multi-task variant's name. */
  variant: string;
  tasks: string[];
  seed: number;
  /** Per task: its headline metrics on the test images (the run's `<task>_<metric>`). */
  metrics: Record<string, Record<string, number>>;
  parameters: number;
  /** Training images (after the validation hold-out). */
  trainImages: number;
  /**
   * Wall time of the whole run (data, training, evaluation, bundle); of the training loop
   * (validation included); of the optimizer steps alone.
   */
  seconds: number;
  fitSeconds: number;
  stepSeconds: number;
  out: string;
}

/** Each task's main metric, as the run's report headlines it: what the comparison reads. */
export const mainOf = (task: TaskSpecInput) => mainMetricKey(task.kind);

function stats(values: number[]) {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const std = Math.sqrt(
    values.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, values.length - 1),
  );
  return { mean, std, n: values.length };
}

/**
 * Per group and task: the single-task network's main metric and each variant's (mean ± std over
 * seeds), the difference in points (×100), and per variant the mean difference over the tasks.
 */
export function summarize(runs: RunRecord[], specs: Record<string, TaskSpecInput[]>) {
  return Object.fromEntries(
    Object.entries(specs).map(([group, tasks]) => {
      const mine = runs.filter((r) => r.group === group);
      const variants = [...new Set(mine.map((r) => r.variant))].filter((v) => v !== 'single');
      const metricOf = (variant: string, task: TaskSpecInput) =>
        mine
          .filter((r) => r.variant === variant && r.tasks.includes(task.name))
          .map((r) => r.metrics[task.name]![mainOf(task)!])
          .filter((v): v is number => typeof v === 'number');
      const perTask = Object.fromEntries(
        tasks.map((task) => {
          const single = metricOf('single', task);
          const base = single.length > 0 ? stats(single) : undefined;
          return [
            task.name,
            {
              metric: mainOf(task),
              single: base,
              multiTask: Object.fromEntries(
                variants.map((v) => {
                  const s = stats(metricOf(v, task));
                  return [v, { ...s, deltaPoints: base ? (s.mean - base.mean) * 100 : undefined }];
                }),
              ),
            },
          ];
        }),
      );
      const meanDelta = Object.fromEntries(
        variants.map((v) => {
          const deltas = Object.values(perTask).map((t) => t.multiTask[v]!.deltaPoints ?? NaN);
          return [
            v,
            {
              meanDeltaPoints: deltas.reduce((a, b) => a + b, 0) / deltas.length,
              worstDeltaPoints: Math.min(...deltas),
            },
          ];
        }),
      );
      const ranked = Object.entries(meanDelta).sort(
        (a, b) => b[1].meanDeltaPoints - a[1].meanDeltaPoints,
      );
      return [group, { tasks: perTask, variants: meanDelta, bestVariant: ranked[0]?.[0] }];
    }),
  );
}
