// The parts of a run report drawn from held-out classification metrics: headline numbers,
// confusion matrix, per-class scores and the reliability diagram (empty bins left out).
import type { ClassificationMetrics } from '../../metrics/index.js';
import type { RunReport } from '../../report/types.js';

export function evaluationSections(
  metrics: ClassificationMetrics,
  classes: readonly string[],
): Pick<RunReport, 'final' | 'confusion' | 'perClass' | 'reliability'> {
  return {
    final: {
      accuracy: metrics.accuracy,
      balancedAccuracy: metrics.balancedAccuracy,
      macroF1: metrics.macroF1,
      ece: metrics.ece,
    },
    confusion: metrics.confusion,
    perClass: metrics.perClass.map((c, i) => ({
      label: classes[i]!,
      precision: c.precision,
      recall: c.recall,
      f1: c.f1,
      support: c.support,
    })),
    reliability: metrics.reliability.flatMap((b) =>
      b.count > 0
        ? [
            {
              lo: b.lower,
              hi: b.upper,
              confidence: b.meanConfidence as number,
              accuracy: b.accuracy as number,
              count: b.count,
            },
          ]
        : [],
    ),
  };
}
