// Polygon rasterization for COCO masks: a pixel is inside when its centre (x + 0.5, y + 0.5) is,
// by a scanline fill per row. A centre exactly on an edge counts on the left/top side only
// (half-open spans), so two polygons sharing an edge never both claim a pixel.

export type FillRule = 'evenodd' | 'nonzero';

/** Sets `mask[y * width + x] = 1` for each pixel inside the polygon `[x1, y1, x2, y2, ...]`. */
export function fillPolygon(
  mask: Uint8Array,
  width: number,
  height: number,
  points: readonly number[],
  rule: FillRule = 'evenodd',
): void {
  const n = Math.floor(points.length / 2);
  if (n < 3) return;
  const crossings: { x: number; dir: number }[] = [];
  for (let y = 0; y < height; y++) {
    const yc = y + 0.5;
    crossings.length = 0;
    for (let i = 0; i < n; i++) {
      const x1 = points[2 * i]!;
      const y1 = points[2 * i + 1]!;
      const j = (i + 1) % n;
      const x2 = points[2 * j]!;
      const y2 = points[2 * j + 1]!;
      // Half-open in y: a vertex on the scanline is counted once, horizontal edges never.
      if (y1 <= yc && yc < y2)
        crossings.push({ x: x1 + ((yc - y1) * (x2 - x1)) / (y2 - y1), dir: 1 });
      else if (y2 <= yc && yc < y1)
        crossings.push({ x: x1 + ((yc - y1) * (x2 - x1)) / (y2 - y1), dir: -1 });
    }
    crossings.sort((a, b) => a.x - b.x);
    let winding = 0;
    for (let k = 0; k + 1 < crossings.length; k++) {
      winding += crossings[k]!.dir;
      const inside = rule === 'evenodd' ? k % 2 === 0 : winding !== 0;
      if (inside) fillSpan(mask, width, y, crossings[k]!.x, crossings[k + 1]!.x);
    }
  }
}

/** Pixels whose centre lies in [xa, xb). */
function fillSpan(mask: Uint8Array, width: number, y: number, xa: number, xb: number): void {
  const from = Math.max(0, Math.ceil(xa - 0.5));
  const to = Math.min(width, Math.ceil(xb - 0.5));
  for (let x = from; x < to; x++) mask[y * width + x] = 1;
}
