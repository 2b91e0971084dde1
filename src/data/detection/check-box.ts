// What makes a box bad, the same for every format: not a number, no area, or reaching outside its
// image by more than a pixel (labelling tools round corners; within a pixel the box is clipped).
import type { BBox } from './types.js';

const TOLERANCE = 1;

/** The box clipped to the image, or why it is bad. */
export function checkBox(
  bbox: readonly number[],
  width: number,
  height: number,
): { bbox: BBox } | { reason: string } {
  if (bbox.length !== 4 || !bbox.every(Number.isFinite))
    return { reason: `box [${bbox.join(', ')}] is not four numbers` };
  const [x, y, w, h] = bbox;
  if (!(w > 0 && h > 0))
    return { reason: `box [${bbox.join(', ')}] has no area (width ${w}, height ${h})` };
  if (x < -TOLERANCE || y < -TOLERANCE || x + w > width + TOLERANCE || y + h > height + TOLERANCE)
    return { reason: `box [${bbox.join(', ')}] reaches outside the ${width}×${height} image` };
  const x0 = Math.max(0, x);
  const y0 = Math.max(0, y);
  return { bbox: [x0, y0, Math.min(width, x + w) - x0, Math.min(height, y + h) - y0] };
}
