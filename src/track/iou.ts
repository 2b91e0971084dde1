// Intersection over union of axis-aligned boxes: the overlap score that SORT (Bewley et al.
// 2016) associates by and that CLEAR MOT / IDF1 (MOTChallenge devkit) match ground truth by.

import { boxIou } from '../metrics/detection/iou.js';
import type { Box } from './types.js';

/** IoU in [0, 1]; 0 when either box is empty, so degenerate boxes never match anything. */
export function iou(a: Box, b: Box): number {
  return boxIou([a.x, a.y, a.w, a.h], [b.x, b.y, b.w, b.h]);
}

/** m[i][j] = iou(as[i], bs[j]). */
export function iouMatrix(as: readonly Box[], bs: readonly Box[]): number[][] {
  return as.map((a) => bs.map((b) => iou(a, b)));
}
