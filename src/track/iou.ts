// Intersection over union of axis-aligned boxes: the overlap score that SORT (Bewley et al.
// 2016) associates by and that CLEAR MOT / IDF1 (MOTChallenge devkit) match ground truth by.

import type { Box } from './types.js';

/** IoU in [0, 1]; 0 when either box is empty, so degenerate boxes never match anything. */
export function iou(a: Box, b: Box): number {
  const iw = Math.min(a.x + a.w, b.x + b.w) - Math.max(a.x, b.x);
  const ih = Math.min(a.y + a.h, b.y + b.h) - Math.max(a.y, b.y);
  if (iw <= 0 || ih <= 0) return 0;
  const inter = iw * ih;
  const union = a.w * a.h + b.w * b.h - inter;
  return union > 0 ? inter / union : 0;
}

/** m[i][j] = iou(as[i], bs[j]). */
export function iouMatrix(as: readonly Box[], bs: readonly Box[]): number[][] {
  return as.map((a) => bs.map((b) => iou(a, b)));
}
