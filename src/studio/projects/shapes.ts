// Boxes and polygons as the label editor sends them, checked before anything is written: a known
// class, finite numbers, and something left inside the image once clipped to it. Coordinates are
// clipped (an editor lets a corner slip past the edge); a shape entirely outside, or with no
// area, is refused with a message naming the field (`boxes[2].width`).
import { HttpError } from '../../serve/http-error.js';
import type { Box, Polygon } from '../api-types.js';

/** Shapes per image and points per polygon accepted at most (a runaway editor, not a real image). */
export const MAX_SHAPES = 2000;
export const MAX_POINTS = 10_000;

const bad = (field: string, why: string) => new HttpError(400, 'BAD_LABELS', `${field}: ${why}`);

function finite(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw bad(field, 'must be a number');
  return value;
}

function knownLabel(label: unknown, classes: readonly string[], field: string): string {
  if (typeof label !== 'string' || !classes.includes(label))
    throw bad(
      field,
      `${JSON.stringify(label)} is not a class of this project (${classes.join(', ')})`,
    );
  return label;
}

function list(value: unknown, field: string): unknown[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw bad(field, 'must be an array');
  if (value.length > MAX_SHAPES) throw bad(field, `more than ${MAX_SHAPES} shapes`);
  return value;
}

const clip = (v: number, max: number) => Math.min(max, Math.max(0, v));

/** The boxes of a request, clipped to a width×height image. */
export function checkBoxes(
  value: unknown,
  classes: readonly string[],
  width: number,
  height: number,
): Box[] {
  return list(value, 'boxes').map((raw, i) => {
    const field = `boxes[${i}]`;
    if (typeof raw !== 'object' || raw === null) throw bad(field, 'must be an object');
    const b = raw as Record<string, unknown>;
    const label = knownLabel(b.label, classes, `${field}.label`);
    const [x, y, w, h] = (['x', 'y', 'width', 'height'] as const).map((k) =>
      finite(b[k], `${field}.${k}`),
    ) as [number, number, number, number];
    if (!(w > 0)) throw bad(`${field}.width`, `must be positive (got ${w})`);
    if (!(h > 0)) throw bad(`${field}.height`, `must be positive (got ${h})`);
    const x0 = clip(x, width);
    const y0 = clip(y, height);
    const x1 = clip(x + w, width);
    const y1 = clip(y + h, height);
    if (!(x1 > x0 && y1 > y0))
      throw bad(field, `[${x}, ${y}, ${w}, ${h}] lies outside the ${width}×${height} image`);
    return { label, x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
  });
}

/** Twice the signed area of a polygon (shoelace). */
function doubleArea(points: readonly [number, number][]): number {
  let sum = 0;
  for (let i = 0; i < points.length; i++) {
    const [x0, y0] = points[i]!;
    const [x1, y1] = points[(i + 1) % points.length]!;
    sum += x0 * y1 - x1 * y0;
  }
  return sum;
}

/** The polygons of a request, their points clipped to a width×height image. */
export function checkPolygons(
  value: unknown,
  classes: readonly string[],
  width: number,
  height: number,
): Polygon[] {
  return list(value, 'polygons').map((raw, i) => {
    const field = `polygons[${i}]`;
    if (typeof raw !== 'object' || raw === null) throw bad(field, 'must be an object');
    const p = raw as Record<string, unknown>;
    const label = knownLabel(p.label, classes, `${field}.label`);
    if (!Array.isArray(p.points) || p.points.length < 3)
      throw bad(`${field}.points`, 'needs at least 3 points');
    if (p.points.length > MAX_POINTS) throw bad(`${field}.points`, `more than ${MAX_POINTS}`);
    const points = p.points.map((pt, j): [number, number] => {
      const where = `${field}.points[${j}]`;
      if (!Array.isArray(pt) || pt.length !== 2) throw bad(where, 'must be [x, y]');
      return [
        clip(finite(pt[0], `${where}[0]`), width),
        clip(finite(pt[1], `${where}[1]`), height),
      ];
    });
    if (doubleArea(points) === 0)
      throw bad(field, `has no area inside the ${width}×${height} image`);
    return { label, points };
  });
}

/**
 * An index mask of the polygons: 0 outside every polygon, else the class index of the last
 * polygon covering the pixel (later polygons paint over earlier ones). A pixel is inside when its
 * centre is, by the even-odd rule (a self-crossing outline leaves holes where it overlaps itself).
 */
export function rasterize(
  width: number,
  height: number,
  polygons: readonly { index: number; points: readonly [number, number][] }[],
): Uint8Array {
  const mask = new Uint8Array(width * height);
  for (const { index, points } of polygons) {
    const ys = points.map((p) => p[1]);
    const top = Math.max(0, Math.floor(Math.min(...ys)));
    const bottom = Math.min(height - 1, Math.ceil(Math.max(...ys)));
    for (let y = top; y <= bottom; y++) {
      const yc = y + 0.5;
      const xs: number[] = [];
      for (let i = 0; i < points.length; i++) {
        const [ax, ay] = points[i]!;
        const [bx, by] = points[(i + 1) % points.length]!;
        if (ay <= yc !== by <= yc) xs.push(ax + ((yc - ay) * (bx - ax)) / (by - ay));
      }
      xs.sort((a, b) => a - b);
      for (let k = 0; k + 1 < xs.length; k += 2) {
        // Pixels whose centre x + 0.5 lies in [xs[k], xs[k+1]).
        const from = Math.max(0, Math.ceil(xs[k]! - 0.5));
        const to = Math.min(width, Math.ceil(xs[k + 1]! - 0.5));
        mask.fill(index, y * width + from, y * width + Math.max(from, to));
      }
    }
  }
  return mask;
}
