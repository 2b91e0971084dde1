// Labelling geometry, platform-free: the displayed image ↔ image pixels transform (labels are
// stored in image pixels so they do not depend on zoom or window size), box dragging (draw, move,
// resize by a handle) clamped to the image, and hit tests for boxes and polygon points.

export type Point = [number, number];

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Where the image is shown: its client rect, and its size in pixels. */
export interface View {
  left: number;
  top: number;
  /** Displayed size in CSS pixels. */
  width: number;
  height: number;
  /** The image's own size in pixels. */
  imageWidth: number;
  imageHeight: number;
}

const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));

/** A client (mouse) position as image pixels, clamped to the image. */
export function toImage(view: View, clientX: number, clientY: number): Point {
  const x = ((clientX - view.left) / view.width) * view.imageWidth;
  const y = ((clientY - view.top) / view.height) * view.imageHeight;
  return [clamp(x, 0, view.imageWidth), clamp(y, 0, view.imageHeight)];
}

/** Image pixels per displayed CSS pixel (hit tolerances are given on screen). */
export const imagePerScreen = (view: View) => view.imageWidth / view.width;

/** The rectangle spanned by two corners, in any order. */
export function spanRect(a: Point, b: Point): Rect {
  return {
    x: Math.min(a[0], b[0]),
    y: Math.min(a[1], b[1]),
    width: Math.abs(a[0] - b[0]),
    height: Math.abs(a[1] - b[1]),
  };
}

/** Rounded to 0.1 px: what is saved (the server stores JSON; no float noise). */
export function roundRect<T extends Rect>(r: T): T {
  const round = (v: number) => Math.round(v * 10) / 10;
  return { ...r, x: round(r.x), y: round(r.y), width: round(r.width), height: round(r.height) };
}

export type Handle = 'nw' | 'n' | 'ne' | 'e' | 'se' | 's' | 'sw' | 'w';
export const HANDLES: Handle[] = ['nw', 'n', 'ne', 'e', 'se', 's', 'sw', 'w'];

/** A handle's position on a rect (corners and edge midpoints). */
export function handlePoint(r: Rect, handle: Handle): Point {
  const x = handle.includes('w') ? r.x : handle.includes('e') ? r.x + r.width : r.x + r.width / 2;
  const y = handle.includes('n') ? r.y : handle.includes('s') ? r.y + r.height : r.y + r.height / 2;
  return [x, y];
}

/** `r` moved by (dx, dy), kept inside the image. */
export function moveRect<T extends Rect>(r: T, dx: number, dy: number, w: number, h: number): T {
  return {
    ...r,
    x: clamp(r.x + dx, 0, Math.max(0, w - r.width)),
    y: clamp(r.y + dy, 0, Math.max(0, h - r.height)),
  };
}

/** `r` with the edges of `handle` dragged to `p` (image pixels); flips when dragged past. */
export function resizeRect<T extends Rect>(r: T, handle: Handle, p: Point): T {
  let [x0, y0, x1, y1] = [r.x, r.y, r.x + r.width, r.y + r.height];
  if (handle.includes('w')) x0 = p[0];
  if (handle.includes('e')) x1 = p[0];
  if (handle.includes('n')) y0 = p[1];
  if (handle.includes('s')) y1 = p[1];
  return { ...r, ...spanRect([x0, y0], [x1, y1]) };
}

export type BoxHit = { index: number; handle: Handle | 'move' };

/**
 * What a press at `p` grabs: a handle of the selected box first (within `tolerance` image px),
 * then the topmost (last drawn) box containing `p`, else null.
 */
export function hitBoxes(
  boxes: readonly Rect[],
  p: Point,
  tolerance: number,
  selected?: number,
): BoxHit | null {
  const near = (q: Point) =>
    Math.abs(q[0] - p[0]) <= tolerance && Math.abs(q[1] - p[1]) <= tolerance;
  if (selected !== undefined && boxes[selected]) {
    const handle = HANDLES.find((h) => near(handlePoint(boxes[selected]!, h)));
    if (handle) return { index: selected, handle };
  }
  for (let i = boxes.length - 1; i >= 0; i--) {
    const b = boxes[i]!;
    if (p[0] >= b.x && p[0] <= b.x + b.width && p[1] >= b.y && p[1] <= b.y + b.height)
      return { index: i, handle: 'move' };
  }
  return null;
}

/** Whether `p` lies inside the polygon (even-odd rule). */
export function insidePolygon(points: readonly Point[], p: Point): boolean {
  let inside = false;
  for (let i = 0, j = points.length - 1; i < points.length; j = i++) {
    const [xi, yi] = points[i]!;
    const [xj, yj] = points[j]!;
    if (yi > p[1] !== yj > p[1] && p[0] < ((xj - xi) * (p[1] - yi)) / (yj - yi) + xi)
      inside = !inside;
  }
  return inside;
}

export type PolygonHit = { index: number; point?: number };

/** A vertex within `tolerance` (topmost polygon first), else the topmost polygon containing `p`. */
export function hitPolygons(
  polygons: readonly { points: readonly Point[] }[],
  p: Point,
  tolerance: number,
): PolygonHit | null {
  for (let i = polygons.length - 1; i >= 0; i--) {
    const point = polygons[i]!.points.findIndex(
      (q) => Math.hypot(q[0] - p[0], q[1] - p[1]) <= tolerance,
    );
    if (point >= 0) return { index: i, point };
  }
  for (let i = polygons.length - 1; i >= 0; i--)
    if (insidePolygon(polygons[i]!.points, p)) return { index: i };
  return null;
}

/** Whether a click at `p` closes a polygon being drawn (on its first point, 3+ points). */
export function closesPolygon(points: readonly Point[], p: Point, tolerance: number): boolean {
  const first = points[0];
  return (
    points.length >= 3 &&
    first !== undefined &&
    Math.hypot(first[0] - p[0], first[1] - p[1]) <= tolerance
  );
}

/** Midpoints of a closed polygon's edges (edge i runs from point i to point i + 1). */
export function edgeMidpoints(points: readonly Point[]): Point[] {
  return points.map((a, i) => {
    const b = points[(i + 1) % points.length]!;
    return [(a[0] + b[0]) / 2, (a[1] + b[1]) / 2];
  });
}

/** `points` with `p` inserted after point `edge` (on edge `edge`). */
export function insertPoint(points: readonly Point[], edge: number, p: Point): Point[] {
  return [...points.slice(0, edge + 1), p, ...points.slice(edge + 1)];
}

/** `points` moved by (dx, dy), kept inside the image as a whole. */
export function movePoints(
  points: readonly Point[],
  dx: number,
  dy: number,
  width: number,
  height: number,
): Point[] {
  const xs = points.map((q) => q[0]);
  const ys = points.map((q) => q[1]);
  const mx = clamp(dx, -Math.min(...xs), width - Math.max(...xs));
  const my = clamp(dy, -Math.min(...ys), height - Math.max(...ys));
  return points.map(([x, y]) => [x + mx, y + my]);
}
