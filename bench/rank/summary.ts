// What the ranking benchmark concludes for one set, from its candidates' scores: how well each
// score orders the candidates by their actual test accuracy (Kendall's τ-b and weighted τ), and
// how good `--layer auto`'s pick is next to the oracle (best test accuracy) and out_relu.
import { kendallTau, weightedTau } from '../../src/methods/rank/index.js';
import type { CandidateScores } from './candidate-scores.js';

export interface CandidateRow extends CandidateScores {
  backbone: string;
  size: number;
  /** A layer, or an 'a+b' pair. */
  layer: string;
  dim: number;
}

export const SCORES = ['logme', 'hScore', 'cvProbe'] as const;

export interface Correlations {
  candidates: number;
  kendall: Record<(typeof SCORES)[number], number>;
  weighted: Record<(typeof SCORES)[number], number>;
  /**
   * The test set's resolution: candidate pairs whose test accuracies differ by more than two
   * standard errors of the difference (binomial, `testImages`), and each score's concordance
   * (concordant − discordant) / pairs on those alone. Near the ceiling most pairs are a few test
   * images apart, and τ over all pairs then measures noise as much as the score.
   */
  resolved: { pairs: number; of: number; concordance: Record<(typeof SCORES)[number], number> };
  /**
   * Kendall's τ-b between the candidates' accuracies on the even- and on the odd-numbered test
   * images: how well the test set orders the candidates against itself (at half its size). Near
   * it, a score's τ with the test accuracy is limited by the test set, not the score. Absent for
   * runs stored before it was measured.
   */
  testSplitHalfTau?: number;
}

function resolvedPairs(
  rows: readonly CandidateRow[],
  testImages: number,
): Correlations['resolved'] {
  const pairs: [CandidateRow, CandidateRow][] = [];
  let of = 0;
  rows.forEach((a, i) => {
    for (const b of rows.slice(i + 1)) {
      of++;
      const [p, q] = [a.testAccuracy, b.testAccuracy];
      const se = Math.sqrt((p * (1 - p) + q * (1 - q)) / testImages);
      if (Math.abs(p - q) > 2 * se) pairs.push([a, b]);
    }
  });
  const concordance = Object.fromEntries(
    SCORES.map((s) => {
      const sum = pairs.reduce(
        (t, [a, b]) =>
          t + Math.sign(settled(a[s]) - settled(b[s])) * Math.sign(a.testAccuracy - b.testAccuracy),
        0,
      );
      return [s, pairs.length ? sum / pairs.length : Number.NaN];
    }),
  ) as Correlations['resolved']['concordance'];
  return { pairs: pairs.length, of, concordance };
}

/**
 * A score to 9 significant digits: values equal up to rounding error are ties (H-score is exactly
 * K − 1 for every layer at least as wide as the number of images; its float noise is no ranking).
 */
const settled = (v: number) => Number(v.toPrecision(9));

export function correlations(rows: readonly CandidateRow[], testImages: number): Correlations {
  const accuracy = rows.map((r) => r.testAccuracy);
  const of = (tau: typeof kendallTau) =>
    Object.fromEntries(
      SCORES.map((s) => [
        s,
        tau(
          rows.map((r) => settled(r[s])),
          accuracy,
        ),
      ]),
    ) as Correlations['kendall'];
  return {
    candidates: rows.length,
    kendall: of(kendallTau),
    weighted: of(weightedTau),
    resolved: resolvedPairs(rows, testImages),
    ...(rows.every((r) => r.testHalves)
      ? {
          testSplitHalfTau: kendallTau(
            rows.map((r) => r.testHalves[0]),
            rows.map((r) => r.testHalves[1]),
          ),
        }
      : {}),
  };
}

const best = (rows: readonly CandidateRow[], key: (r: CandidateRow) => number) =>
  rows.reduce((a, b) => (key(b) > key(a) ? b : a));

const brief = (r: CandidateRow | undefined) =>
  r && { size: r.size, layer: r.layer, testAccuracy: r.testAccuracy, logme: r.logme };

/**
 * Auto (best LogME: singles and pairs), the oracle (best test accuracy) and out_relu among `rows`
 * (one size, or all sizes: `--image-size auto` picks the size the same way).
 */
export function picks(rows: readonly CandidateRow[], defaultLayer: string) {
  const auto = best(rows, (r) => r.logme);
  const oracle = best(rows, (r) => r.testAccuracy);
  const singles = rows.filter((r) => !r.layer.includes('+'));
  const previous = rows.filter((r) => r.layer === defaultLayer);
  const previousBest = previous.length ? best(previous, (r) => r.logme) : undefined;
  return {
    auto: brief(auto),
    oracle: brief(oracle),
    oracleSingle: brief(best(singles, (r) => r.testAccuracy)),
    autoSingle: brief(best(singles, (r) => r.logme)),
    [defaultLayer]: brief(previousBest),
    /** The backbone's registry default (out_relu for mobilenet_v2, mixed10 for inception_v3). */
    previousDefault: brief(previousBest),
    autoBelowOracle: oracle.testAccuracy - auto.testAccuracy,
    autoGainOverDefault: previousBest ? auto.testAccuracy - previousBest.testAccuracy : null,
  };
}

/** The set's conclusions: over all sizes (`--image-size auto` picks among them) and per size. */
export function summarizeSet(
  rows: readonly CandidateRow[],
  testImages: number,
  defaultLayer: (backbone: string) => string,
) {
  const bySize = [...new Set(rows.map((r) => `${r.backbone}@${r.size}`))].map((key) => {
    const these = rows.filter((r) => `${r.backbone}@${r.size}` === key);
    return {
      candidate: key,
      ...correlations(these, testImages),
      ...picks(these, defaultLayer(these[0]!.backbone)),
    };
  });
  return {
    overall: { ...correlations(rows, testImages), ...picks(rows, defaultLayer(rows[0]!.backbone)) },
    bySize,
  };
}
