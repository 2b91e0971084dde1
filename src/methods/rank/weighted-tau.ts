// Weighted Kendall's τ (Vigna, "A weighted correlation index for rankings with ties", WWW 2015),
// as scipy.stats.weightedtau computes it with its defaults and as TLlib / You et al. (LogME,
// 2021) report it: a swap near the top of the ranking costs more than one near the bottom.
// Each element gets the hyperbolic weight 1/(r + 1) of its rank r (0 = largest); a pair weighs
// the sum of its two elements' weights. The rank comes from decreasing (x, y), and the result is
// the mean of that and of the rank by decreasing (y, x). O(n²), fine for tens of candidates.

/** Rank of each element by decreasing x, ties broken by decreasing y (0 = first). */
function lexicographicRank(x: readonly number[], y: readonly number[]): number[] {
  const order = [...x.keys()].sort((a, b) => x[b]! - x[a]! || y[b]! - y[a]!);
  const rank = new Array<number>(x.length);
  order.forEach((element, r) => {
    rank[element] = r;
  });
  return rank;
}

/** τ with elements weighted by their rank by (x, y): scipy's weightedtau(x, y, rank=None). */
export function rankedWeightedTau(x: readonly number[], y: readonly number[]): number {
  const weight = lexicographicRank(x, y).map((r) => 1 / (r + 1));
  let total = 0;
  let tiedX = 0;
  let tiedY = 0;
  let tiedBoth = 0;
  let discordant = 0;
  for (let i = 0; i < x.length; i++)
    for (let j = i + 1; j < x.length; j++) {
      const w = weight[i]! + weight[j]!;
      const dx = Math.sign(x[i]! - x[j]!);
      const dy = Math.sign(y[i]! - y[j]!);
      total += w;
      if (dx === 0) tiedX += w;
      if (dy === 0) tiedY += w;
      if (dx === 0 && dy === 0) tiedBoth += w;
      if (dx * dy < 0) discordant += w;
    }
  // concordant − discordant = pairs tied in neither, less twice the discordant ones.
  const numerator = total - tiedX - tiedY + tiedBoth - 2 * discordant;
  const denominator = Math.sqrt(total - tiedX) * Math.sqrt(total - tiedY);
  return denominator === 0 ? Number.NaN : numerator / denominator;
}

/** Weighted τ of two score lists (scipy.stats.weightedtau(x, y) with its defaults). */
export function weightedTau(x: readonly number[], y: readonly number[]): number {
  if (x.length !== y.length) throw new RangeError(`${x.length} scores for ${y.length} accuracies`);
  return (rankedWeightedTau(x, y) + rankedWeightedTau(y, x)) / 2;
}
