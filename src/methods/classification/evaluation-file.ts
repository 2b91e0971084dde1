// evaluation.json of a classifier run: every held-out image with its true label, the predicted
// one and the confidence, plus the confusion matrix; what the studio shows and relabels from.
// `train` and `adapt` write it beside report.html (the run template's extra files).
import type { ClassifierEvaluation } from './run-outputs.js';

export const EVALUATION_FILE = 'evaluation.json';

export interface EvaluationFile {
  evaluatedOn: 'test' | 'val';
  labels: string[];
  /** confusion[true][predicted] */
  confusion: number[][];
  predictions: { id: string; label: string; predicted: string; confidence: number }[];
}

export function evaluationFile(
  evaluation: ClassifierEvaluation,
  labels: readonly string[],
  evaluatedOn: 'test' | 'val',
): EvaluationFile {
  const { samples, probabilities } = evaluation;
  const classes = labels.length;
  const predictions = samples.map((sample, i) => {
    const row = probabilities.subarray(i * classes, (i + 1) * classes);
    let predicted = 0;
    for (let c = 1; c < classes; c++) if (row[c]! > row[predicted]!) predicted = c;
    return {
      id: sample.id,
      label: labels[sample.label]!,
      predicted: labels[predicted]!,
      confidence: row[predicted]!,
    };
  });
  return {
    evaluatedOn,
    labels: [...labels],
    confusion: evaluation.metrics.confusion,
    predictions,
  };
}
