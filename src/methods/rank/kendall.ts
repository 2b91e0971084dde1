// Kendall's τ-b between two rankings (ties in either handled as in scipy.stats.kendalltau):
// how well a transferability score orders candidates the way their actual accuracy does.
// 1 = same order, −1 = reversed, 0 = unrelated. O(n²), fine for the tens of candidates ranked.

export function kendallTau(x: readonly number[], y: readonly number[]): number {
  if (x.length !== y.length) throw new RangeError(`${x.length} scores for ${y.length} accuracies`);
  let concordant = 0;
  let discordant = 0;
  let tiesX = 0;
  let tiesY = 0;
  for (let i = 0; i < x.length; i++)
    for (let j = i + 1; j < x.length; j++) {
      const dx = Math.sign(x[i]! - x[j]!);
      const dy = Math.sign(y[i]! - y[j]!);
      if (dx === 0 && dy === 0) continue;
      if (dx === 0) tiesX++;
      else if (dy === 0) tiesY++;
      else if (dx === dy) concordant++;
      else discordant++;
    }
  const denominator = Math.sqrt(
    (concordant + discordant + tiesX) * (concordant + discordant + tiesY),
  );
  return denominator === 0 ? Number.NaN : (concordant - discordant) / denominator;
}
