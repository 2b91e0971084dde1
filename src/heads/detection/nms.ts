// Greedy non-maximum suppression on [x, y, w, h] boxes: visit boxes best score first and keep a
// box unless it overlaps an already kept one by IoU > iouThreshold (torchvision's convention:
// IoU exactly at the threshold survives). Plain arrays, not tensors: a detector leaves at most a
// few thousand candidates per image, and one sort plus O(n · kept) IoUs beats a kernel launch.
import { type BBox, boxIou } from '../../metrics/detection/iou.js';

export interface NmsOptions {
  iouThreshold: number;
  /** Stop after this many kept boxes (default: no limit). */
  maxOutput?: number;
}

export interface ScoredBox {
  bbox: BBox;
  score: number;
  category: number;
}

/**
 * Indices of the kept boxes, best score first; equal scores go lower index first, so the result
 * is deterministic. NaN scores are dropped (they have no place in a ranking).
 */
export function nms(
  boxes: readonly BBox[],
  scores: ArrayLike<number>,
  options: NmsOptions,
): number[] {
  if (boxes.length !== scores.length) {
    throw new RangeError(`nms: ${boxes.length} boxes but ${scores.length} scores`);
  }
  const maxOutput = options.maxOutput ?? Number.POSITIVE_INFINITY;
  const order: number[] = [];
  for (let i = 0; i < boxes.length; i++) if (!Number.isNaN(scores[i])) order.push(i);
  order.sort((a, b) => scores[b]! - scores[a]! || a - b);
  const kept: number[] = [];
  for (const i of order) {
    if (kept.length >= maxOutput) break;
    const box = boxes[i]!;
    let suppressed = false;
    // Newest kept first: overlapping boxes tend to have neighbouring scores, so a suppressor is
    // usually found early.
    for (let k = kept.length - 1; k >= 0; k--) {
      if (boxIou(box, boxes[kept[k]!]!) > options.iouThreshold) {
        suppressed = true;
        break;
      }
    }
    if (!suppressed) kept.push(i);
  }
  return kept;
}

/**
 * NMS within each category (a person may overlap a bicycle), then the best `maxPerImage` of all
 * categories by score; equal scores keep input order. Returns the kept detections themselves.
 */
export function classwiseNms<T extends ScoredBox>(
  dets: readonly T[],
  options: { iouThreshold: number; maxPerImage?: number },
): T[] {
  const maxPerImage = options.maxPerImage ?? Number.POSITIVE_INFINITY;
  const byCategory = new Map<number, number[]>();
  dets.forEach((d, i) => {
    const group = byCategory.get(d.category);
    if (group) group.push(i);
    else byCategory.set(d.category, [i]);
  });
  const survivors: number[] = [];
  for (const group of byCategory.values()) {
    // No category can contribute more than the image's cap, so stop each one there.
    const kept = nms(
      group.map((i) => dets[i]!.bbox),
      group.map((i) => dets[i]!.score),
      { iouThreshold: options.iouThreshold, maxOutput: maxPerImage },
    );
    for (const k of kept) survivors.push(group[k]!);
  }
  survivors.sort((a, b) => dets[b]!.score - dets[a]!.score || a - b);
  return survivors.slice(0, maxPerImage).map((i) => dets[i]!);
}
