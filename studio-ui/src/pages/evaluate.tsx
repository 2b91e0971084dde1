// A run's evaluation: report, confusion matrix, worst examples with relabelling. Placeholder.
import type { Project } from '../../../src/studio/api-types.js';

export function EvaluatePage(props: { project: Project; run: string }) {
  return <p>Evaluation of {props.run} is not built yet.</p>;
}
