// Which held-out predictions the evaluation page shows: a confusion-matrix cell's images, the worst
// examples (wrong predictions, most confident first: the likeliest label errors), and whether an
// image can be relabelled (only images inside the project; ids outside it are absolute paths).
import type { Prediction } from '../../../src/studio/api-types.js';

/** The predictions in cell [trueLabel][predicted] of the confusion matrix. */
export function cellPredictions(
  predictions: readonly Prediction[],
  trueLabel: string,
  predicted: string,
): Prediction[] {
  return predictions.filter((p) => p.label === trueLabel && p.predicted === predicted);
}

/** Wrong predictions, most confident first (ties: by id, for a stable grid). */
export function worstExamples(predictions: readonly Prediction[], limit = 24): Prediction[] {
  return predictions
    .filter((p) => p.label !== p.predicted)
    .sort((a, b) => b.confidence - a.confidence || a.id.localeCompare(b.id))
    .slice(0, limit);
}

/** An id the project owns (project-relative); absolute paths (POSIX or Windows) are outside it. */
export function isProjectImage(id: string): boolean {
  return !(id.startsWith('/') || /^[A-Za-z]:[\\/]/.test(id) || id.startsWith('\\\\'));
}

/** A fraction as a percentage with one decimal, e.g. 0.9234 → "92.3%". */
export function percent(value: number): string {
  return `${(value * 100).toFixed(1)}%`;
}

/** The accuracy of a confusion matrix (trace / total), or undefined when it is empty. */
export function accuracyOf(confusion: readonly (readonly number[])[]): number | undefined {
  let total = 0;
  let right = 0;
  confusion.forEach((row, i) => {
    row.forEach((n, j) => {
      total += n;
      if (i === j) right += n;
    });
  });
  return total > 0 ? right / total : undefined;
}
