// Side-by-side configuration of two runs: every field of either, marked where they differ. Pure.

export interface DiffRow {
  key: string;
  a: string;
  b: string;
  differs: boolean;
}

/** A value as one line of text (objects and arrays as JSON); absent as an em dash. */
export function showValue(value: unknown): string {
  if (value === undefined) return '—';
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
}

/** One row per field of either config, sorted by name; `onlyDiffering` keeps the differing ones. */
export function diffConfigs(
  a: Record<string, unknown>,
  b: Record<string, unknown>,
  onlyDiffering = false,
): DiffRow[] {
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  const rows = keys.map((key) => {
    const av = showValue(a[key]);
    const bv = showValue(b[key]);
    return { key, a: av, b: bv, differs: av !== bv };
  });
  return onlyDiffering ? rows.filter((r) => r.differs) : rows;
}
