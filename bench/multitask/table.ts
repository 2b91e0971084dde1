// The multi-task benchmark's README tables, printed from its JSON output:
//   node --import tsx bench/multitask/table.ts bench/results/multitask-<date>.json
// Per group: each task's main metric (points, mean ± std over seeds) for the single-task network
// and each weighting, with the difference to the single-task network; then parameters and the
// time of one pass for all tasks.
import { readFile } from 'node:fs/promises';
import { markdownTable, points, signed } from '../markdown-table.js';
import { runAsScript } from '../run-as-script.js';
import type { InferenceComparison } from './inference.js';

interface Stat {
  mean: number;
  std: number;
  n: number;
}
interface GroupSummary {
  tasks: Record<
    string,
    {
      metric: string;
      single?: Stat;
      multiTask: Record<string, Stat & { deltaPoints?: number }>;
    }
  >;
  variants: Record<string, { meanDeltaPoints: number; worstDeltaPoints: number }>;
  bestVariant?: string;
}

export function multiTaskTables(report: {
  summary: Record<string, GroupSummary>;
  inference: Record<string, InferenceComparison>;
}): string {
  const parts: string[] = [];
  for (const [group, summary] of Object.entries(report.summary)) {
    const variants = Object.keys(summary.variants);
    const rows = Object.entries(summary.tasks).map(([task, t]) => [
      `${task} (${t.metric})`,
      points(t.single),
      ...variants.map((v) => `${points(t.multiTask[v])} (${signed(t.multiTask[v]?.deltaPoints)})`),
    ]);
    rows.push([
      'mean Δ / worst Δ',
      '',
      ...variants.map(
        (v) =>
          `${signed(summary.variants[v]!.meanDeltaPoints)} / ${signed(summary.variants[v]!.worstDeltaPoints)}`,
      ),
    ]);
    parts.push(`**${group}**\n\n${markdownTable(['task', 'single-task', ...variants], rows)}`);
    const timing = report.inference[group];
    if (timing)
      parts.push(
        markdownTable(
          ['all tasks', 'parameters', `one batch of ${timing.batch} at ${timing.inputSize} px`],
          [
            [
              'single-task networks',
              `${(timing.singleTask.total / 1e6).toFixed(2)} M`,
              `${(timing.singleTask.medianSecondsSum * 1000).toFixed(0)} ms`,
            ],
            [
              'one multi-task network',
              `${(timing.multiTask.parameters / 1e6).toFixed(2)} M (${timing.parameterRatio.toFixed(2)}× fewer)`,
              `${(timing.multiTask.medianSeconds * 1000).toFixed(0)} ms (${timing.speedup.toFixed(2)}× faster)`,
            ],
          ],
        ),
      );
  }
  return parts.join('\n\n');
}

async function main(): Promise<void> {
  const file = process.argv[2];
  if (!file) throw new Error('usage: table.ts bench/results/multitask-<date>.json');
  console.log(multiTaskTables(JSON.parse(await readFile(file, 'utf8'))));
}

await runAsScript(import.meta.url, main);
