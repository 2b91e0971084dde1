// Box geometry: boxes ([x, y, w, h] in pixels) moved, clipped and mirrored with their image. A box
// is dropped when mostly outside the new image (less than `minVisible` of its area left, or a side
// under 2 px, as YOLOv5's random_perspective drops them).
import type { BBox, BoxAnnotation } from '../detection/types.js';

const MIN_SIDE = 2;

/**
 * Boxes moved by x' = x·scale + dx (same for y), clipped to width × height; a box keeping less
 * than `minVisible` of its (scaled) area or a side under 2 px is dropped.
 */
export function moveBoxes(
  boxes: readonly BoxAnnotation[],
  t: { scale: number; dx: number; dy: number },
  width: number,
  height: number,
  minVisible = 0.5,
): BoxAnnotation[] {
  return boxes.flatMap((b) => {
    const [x, y, w, h] = b.bbox;
    const x0 = x * t.scale + t.dx;
    const y0 = y * t.scale + t.dy;
    const x1 = x0 + w * t.scale;
    const y1 = y0 + h * t.scale;
    const cx0 = Math.max(0, x0);
    const cy0 = Math.max(0, y0);
    const cw = Math.min(width, x1) - cx0;
    const ch = Math.min(height, y1) - cy0;
    if (cw < MIN_SIDE || ch < MIN_SIDE) return [];
    if ((cw * ch) / ((x1 - x0) * (y1 - y0)) < minVisible) return [];
    return [{ ...b, bbox: [cx0, cy0, cw, ch] as BBox }];
  });
}

/** Boxes scaled per axis (a resize whose rounded sides make the two scales differ slightly). */
export function scaleBoxes(boxes: readonly BoxAnnotation[], sx: number, sy: number) {
  return boxes.map((b) => ({
    ...b,
    bbox: [b.bbox[0] * sx, b.bbox[1] * sy, b.bbox[2] * sx, b.bbox[3] * sy] as BBox,
  }));
}

/** Boxes shifted by (dx, dy), unclipped (a letterbox keeps every box inside the image). */
export function shiftBoxes(boxes: readonly BoxAnnotation[], dx: number, dy: number) {
  return boxes.map((b) => ({
    ...b,
    bbox: [b.bbox[0] + dx, b.bbox[1] + dy, b.bbox[2], b.bbox[3]] as BBox,
  }));
}

/** Boxes mirrored left-right in an image `width` pixels wide. */
export function flipBoxes(boxes: readonly BoxAnnotation[], width: number): BoxAnnotation[] {
  return boxes.map((b) => ({
    ...b,
    bbox: [width - b.bbox[0] - b.bbox[2], b.bbox[1], b.bbox[2], b.bbox[3]] as BBox,
  }));
}
