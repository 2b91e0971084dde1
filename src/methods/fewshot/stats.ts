// Mean accuracy over episodes with its 95% confidence interval, as few-shot papers report it:
// mean ± 1.96 · s / √n, s the sample standard deviation of per-episode accuracies.

export interface MeanCI {
  mean: number;
  /** Half-width of the 95% interval. */
  ci95: number;
  std: number;
  n: number;
}

export function meanCI(values: ArrayLike<number>): MeanCI {
  const n = values.length;
  if (n === 0) return { mean: Number.NaN, ci95: Number.NaN, std: Number.NaN, n };
  let sum = 0;
  for (let i = 0; i < n; i++) sum += values[i]!;
  const mean = sum / n;
  let sq = 0;
  for (let i = 0; i < n; i++) sq += (values[i]! - mean) ** 2;
  const std = n > 1 ? Math.sqrt(sq / (n - 1)) : 0;
  return { mean, ci95: (1.96 * std) / Math.sqrt(n), std, n };
}

/** "71.3 ± 0.8%" */
export function formatMeanCI(m: MeanCI): string {
  return `${(m.mean * 100).toFixed(1)} ± ${(m.ci95 * 100).toFixed(1)}%`;
}
