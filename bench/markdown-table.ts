// Markdown tables for the README from a benchmark's JSON (the tables are printed by a script from
// the recorded output, never typed in by hand).

/** `header` and `rows` as a GitHub markdown table; the first column left-aligned, others right. */
export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]) {
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  const rule = header.map((_, i) => (i === 0 ? ':---' : '---:'));
  return [line(header), line(rule), ...rows.map(line)].join('\n');
}

/** `mean ± std` with the given digits (no ± for one value), of fractions shown as points. */
export function points(stat: { mean: number; std: number; n: number } | undefined, digits = 1) {
  if (!stat || !Number.isFinite(stat.mean)) return '—';
  const mean = (stat.mean * 100).toFixed(digits);
  return stat.n > 1 ? `${mean} ± ${(stat.std * 100).toFixed(digits)}` : mean;
}

/** A signed difference in points. */
export const signed = (value: number | undefined, digits = 1) =>
  value === undefined || !Number.isFinite(value)
    ? '—'
    : `${value >= 0 ? '+' : '−'}${Math.abs(value).toFixed(digits)}`;
