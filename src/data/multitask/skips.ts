// What each task's data set left out under skipBad, in one shape: the dense openers list
// `{ where, reason }`, the classification sources keep a SkipReport; tasks report SkipReports.
import type { SkipReport } from '../types.js';
import { SKIP_EXAMPLES } from '../validate.js';

/** A list of problems as a SkipReport (undefined when empty). */
export function skipReportOf(
  list: readonly { where: string; reason: string }[],
): SkipReport | undefined {
  if (list.length === 0) return undefined;
  return {
    count: list.length,
    examples: list.slice(0, SKIP_EXAMPLES).map((s) => `${s.where}: ${s.reason}`),
  };
}
