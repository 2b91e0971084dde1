// Labelling one image: boxes (detection) or polygons (segmentation). Placeholder until it lands.
import type { Project } from '../../../src/studio/api-types.js';

export function LabelPage(props: { project: Project; imageId: string; onDone(): void }) {
  return <p>Labelling {props.imageId} is not built yet.</p>;
}
