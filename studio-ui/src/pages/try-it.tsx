// Try a run's model in the page with visiontune/web (webcam or uploaded image). Placeholder.
import type { Project } from '../../../src/studio/api-types.js';

export function TryItPage(props: { project: Project; run: string }) {
  return <p>Trying {props.run} is not built yet.</p>;
}
