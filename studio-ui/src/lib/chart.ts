// The arithmetic of the small SVG line charts (training curves): data extents, "nice" axis ticks
// and SVG path strings. Pure, so the scaling is unit-tested apart from the drawing.

export interface Series {
  name: string;
  points: [number, number][];
  /** A fixed colour (e.g. one per run when comparing); else the chart's palette. */
  color?: string;
  /** Drawn dashed: validation curves, beside the solid training ones. */
  dashed?: boolean;
}

export interface Extent {
  min: number;
  max: number;
}

/** The extent of finite values; a single value is widened so that the axis has a size. */
export function extentOf(values: number[]): Extent | undefined {
  const finite = values.filter(Number.isFinite);
  if (finite.length === 0) return undefined;
  let min = Math.min(...finite);
  let max = Math.max(...finite);
  if (min === max) {
    const pad = min === 0 ? 1 : Math.abs(min) * 0.1;
    min -= pad;
    max += pad;
  }
  return { min, max };
}

/** About `count` round tick values (1, 2, 5 × 10^k steps) covering the extent. */
export function niceTicks(extent: Extent, count = 5): number[] {
  const span = extent.max - extent.min;
  const raw = span / Math.max(1, count);
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? 10 * magnitude;
  const first = Math.ceil(extent.min / step - 1e-9) * step;
  const ticks: number[] = [];
  for (let t = first; t <= extent.max + step * 1e-9; t += step)
    ticks.push(Number(t.toPrecision(12)));
  return ticks;
}

/** A linear map from the extent onto [from, to] (to < from for a y axis pointing up). */
export function scale(extent: Extent, from: number, to: number) {
  const k = (to - from) / (extent.max - extent.min);
  return (v: number) => from + (v - extent.min) * k;
}

/** The SVG path of a series; non-finite points break the line. */
export function linePath(
  points: [number, number][],
  sx: (v: number) => number,
  sy: (v: number) => number,
): string {
  let path = '';
  let pen = false;
  for (const [x, y] of points) {
    if (!Number.isFinite(x) || !Number.isFinite(y)) {
      pen = false;
      continue;
    }
    path += `${pen ? 'L' : 'M'}${sx(x).toFixed(1)},${sy(y).toFixed(1)}`;
    pen = true;
  }
  return path;
}

/** A tick label short enough for an axis. */
export function tickLabel(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1000 || a < 0.001) return v.toExponential(0);
  return String(Number(v.toPrecision(3)));
}
