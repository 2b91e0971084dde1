// The README's tables from a bench/rank JSON: rank correlation per set and score, and the layer
// `auto` picks per set and size next to the oracle and out_relu, with times.
// Usage: node --import tsx bench/rank/table.ts bench/results/rank-2026-12-07.json
import { readFile } from 'node:fs/promises';
import { runAsScript } from '../run-as-script.js';
import type { CandidateRow, Correlations } from './summary.js';

interface Pick {
  size: number;
  layer: string;
  testAccuracy: number;
}
interface Summary extends Correlations {
  candidate?: string;
  auto: Pick;
  oracle: Pick;
  previousDefault?: Pick;
  autoBelowOracle: number;
  autoGainOverDefault: number | null;
}
interface SetResult {
  set: string;
  origin: string;
  classes: number;
  train: number;
  test: number;
  overall: Summary;
  bySize: Summary[];
  candidates: CandidateRow[];
}

const pct = (v: number) => `${(v * 100).toFixed(1)}%`;
const pts = (v: number) => `${v >= 0 ? '+' : '−'}${Math.abs(v * 100).toFixed(1)}`;
// NaN (a constant score) is null in the JSON.
const tau = (v: number | null) => (v === null || Number.isNaN(v) ? '—' : v.toFixed(2));
const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;

/**
 * Single layers as a fixed default: mean test accuracy over every set × size, its mean gap to
 * that set × size's best single layer, and on how many it is at least as good as out_relu.
 */
function layerTable(sets: readonly SetResult[], shown = 6): string[] {
  const groups = sets.flatMap((s) =>
    [...new Set(s.candidates.map((c) => `${c.backbone}@${c.size}`))].map((key) =>
      s.candidates.filter((c) => `${c.backbone}@${c.size}` === key && !c.layer.includes('+')),
    ),
  );
  const layers = [...new Set(groups.flatMap((g) => g.map((c) => c.layer)))];
  const stats = layers.map((layer) => {
    const per = groups.flatMap((g) => {
      const row = g.find((c) => c.layer === layer);
      const best = Math.max(...g.map((c) => c.testAccuracy));
      const previous = g.find((c) => c.layer === 'out_relu');
      return row ? [{ accuracy: row.testAccuracy, gap: row.testAccuracy - best, previous }] : [];
    });
    return {
      layer,
      accuracy: mean(per.map((p) => p.accuracy)),
      gap: mean(per.map((p) => p.gap)),
      notBelow: per.filter((p) => !p.previous || p.accuracy >= p.previous.testAccuracy).length,
      of: per.length,
    };
  });
  stats.sort((a, b) => b.accuracy - a.accuracy);
  const kept = [
    ...stats.slice(0, shown),
    ...stats.filter((s, i) => i >= shown && s.layer === 'out_relu'),
  ];
  return [
    '| fixed layer (single) | mean test accuracy over set × size | mean gap to the best single layer | ≥ out_relu on |',
    '|---|---|---|---|',
    ...kept.map(
      (s) => `| \`${s.layer}\` | ${pct(s.accuracy)} | ${pts(s.gap)} | ${s.notBelow} / ${s.of} |`,
    ),
  ];
}

export function tables(sets: readonly SetResult[]): string {
  const lines = [
    '| set (classes, train / test) | candidates | τ LogME | τ H-score | τ CV probe | weighted τ LogME | weighted τ H-score | weighted τ CV probe | resolved pairs | LogME / H-score / CV probe on them | test split-half τ |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const s of sets) {
    const o = s.overall;
    lines.push(
      `| ${s.set} (${s.classes}, ${s.train} / ${s.test}) | ${o.candidates} | ` +
        `**${tau(o.kendall.logme)}** | ${tau(o.kendall.hScore)} | ${tau(o.kendall.cvProbe)} | ` +
        `${tau(o.weighted.logme)} | ${tau(o.weighted.hScore)} | ${tau(o.weighted.cvProbe)} | ` +
        `${o.resolved.pairs} / ${o.resolved.of} | ${tau(o.resolved.concordance.logme)} / ` +
        `${tau(o.resolved.concordance.hScore)} / ${tau(o.resolved.concordance.cvProbe)} | ` +
        `${o.testSplitHalfTau === undefined ? '—' : tau(o.testSplitHalfTau)} |`,
    );
  }
  lines.push(
    '',
    '| set @ size | auto picks (LogME) | auto | oracle (best candidate) | previous default (out_relu) | auto − oracle | auto − previous default | τ LogME | LogME s / candidate | CV probe s / candidate |',
    '|---|---|---|---|---|---|---|---|---|---|',
  );
  for (const s of sets) {
    const sizes =
      s.bySize.length > 1 ? [...s.bySize, { ...s.overall, candidate: 'size auto' }] : s.bySize;
    for (const b of sizes) {
      const rows = s.candidates.filter(
        (c) => b.candidate === 'size auto' || `${c.backbone}@${c.size}` === b.candidate,
      );
      const where = (p: Pick) => (b.candidate === 'size auto' ? `${p.layer} @${p.size}` : p.layer);
      lines.push(
        `| ${s.set} ${b.candidate === 'size auto' ? '(size auto)' : `@${b.auto.size}`} | ` +
          `\`${where(b.auto)}\` | **${pct(b.auto.testAccuracy)}** | ${pct(b.oracle.testAccuracy)} ` +
          `(\`${where(b.oracle)}\`) | ${b.previousDefault ? `${pct(b.previousDefault.testAccuracy)}${b.previousDefault.layer === 'out_relu' ? '' : ` (\`${b.previousDefault.layer}\`)`}` : '—'} | ` +
          `${pts(-b.autoBelowOracle)} | ${b.autoGainOverDefault === null ? '—' : pts(b.autoGainOverDefault)} | ` +
          `${tau(b.kendall.logme)} | ${mean(rows.map((r) => r.seconds.logme)).toFixed(2)} | ` +
          `${mean(rows.map((r) => r.seconds.cvProbe)).toFixed(1)} |`,
      );
    }
  }
  lines.push('', ...layerTable(sets));
  const overall = sets.map((s) => s.overall);
  lines.push(
    '',
    `Mean over sets (size auto): auto − oracle ${pts(-mean(overall.map((o) => o.autoBelowOracle)))} points; ` +
      `LogME τ min ${Math.min(...overall.map((o) => o.kendall.logme)).toFixed(2)}.`,
  );
  return lines.join('\n');
}

await runAsScript(import.meta.url, async () => {
  const json = JSON.parse(await readFile(process.argv[2]!, 'utf8'));
  console.log(tables(json.sets));
});
