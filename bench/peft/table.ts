// The PEFT benchmark's README table, printed from its JSON output:
//   node --import tsx bench/peft/table.ts bench/results/peft-<date>.json
// One row per method, one column group per set: test accuracy (points, mean ± std over seeds)
// and its difference to full fine-tuning; trainable parameters and stored bytes (as a share of
// full fine-tuning's bundle) do not depend on the set's images, so they are given once (the
// first set's; the head's size differs with the class count).
import { readFile } from 'node:fs/promises';
import { markdownTable, points, signed } from '../markdown-table.js';
import { runAsScript } from '../run-as-script.js';

interface MethodSummary {
  accuracy: { mean: number; std: number; n: number };
  trainableParams: number;
  storedBytes: number;
  storedOfFullFinetune?: number;
  pointsVsFullFinetune?: number;
}
interface SetSummary {
  methods: Record<string, MethodSummary>;
  bestPeft?: Best;
  bestPeftWithin5Percent?: Best;
}
interface Best {
  method: string;
  pointsVsFullFinetune?: number;
  storedOfFullFinetune?: number;
}

const count = (n: number) =>
  n >= 1e6 ? `${(n / 1e6).toFixed(2)} M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)} k` : `${n}`;

const stored = (m: MethodSummary) =>
  `${(m.storedBytes / 1e6).toFixed(2)} MB${m.storedOfFullFinetune === undefined ? '' : ` (${(m.storedOfFullFinetune * 100).toFixed(1)}%)`}`;

export function peftTable(summary: Record<string, SetSummary>): string {
  const sets = Object.keys(summary);
  const methods = [...new Set(sets.flatMap((s) => Object.keys(summary[s]!.methods)))];
  const first = summary[sets[0]!]!;
  const rows = methods.map((method) => {
    const own = first.methods[method];
    return [
      method,
      own ? count(own.trainableParams) : '—',
      own ? stored(own) : '—',
      ...sets.map((set) => {
        const m = summary[set]!.methods[method];
        return m
          ? `${points(m.accuracy)}${method === 'full' ? '' : ` (${signed(m.pointsVsFullFinetune)})`}`
          : '—';
      }),
    ];
  });
  const describe = (best: Best | undefined) =>
    best
      ? `${best.method} (${signed(best.pointsVsFullFinetune)} points, ${((best.storedOfFullFinetune ?? Number.NaN) * 100).toFixed(1)}% of the bytes)`
      : '—';
  const best = sets.map(
    (set) =>
      `${set}: best PEFT ${describe(summary[set]!.bestPeft)}; best storing ≤ 5% ${describe(summary[set]!.bestPeftWithin5Percent)}`,
  );
  return `${markdownTable(['method', 'trainable', 'stored (of full FT)', ...sets], rows)}\n\n${best.map((b) => `- ${b}`).join('\n')}`;
}

async function main(): Promise<void> {
  const file = process.argv[2];
  if (!file) throw new Error('usage: table.ts bench/results/peft-<date>.json');
  console.log(peftTable(JSON.parse(await readFile(file, 'utf8')).summary));
}

await runAsScript(import.meta.url, main);
