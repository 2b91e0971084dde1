// COCO instance annotations painted into one semantic label map: each annotation's polygons or RLE
// become a 0/1 mask, painted in order (later annotations win where they overlap) with its class
// index, and crowd regions with the ignore index (their pixels are not reliably one class).
import { badInput } from '../../errors.js';
import { type FillRule, fillPolygon } from './polygon.js';
import { decodeRle, type Rle } from './rle.js';
import { DEFAULT_IGNORE_INDEX, type LabelMap } from './types.js';

export interface CocoMaskAnnotation {
  id?: number | string;
  category_id: number;
  /** Polygons `[[x1, y1, x2, y2, ...], ...]` (their union), or RLE (plain or compressed counts). */
  segmentation: number[][] | Rle;
  iscrowd?: number | boolean;
}

export interface CocoToLabelMapOptions {
  /** Default 255. */
  ignoreIndex?: number;
  /** The value of pixels no annotation covers (default 0). */
  background?: number;
  /** Polygon fill rule (default 'evenodd'). */
  fillRule?: FillRule;
  /** Named in errors (the annotation file or image). */
  where?: string;
}

/** One annotation's 0/1 mask, row-major. */
export function annotationMask(
  segmentation: CocoMaskAnnotation['segmentation'],
  width: number,
  height: number,
  fillRule: FillRule = 'evenodd',
): Uint8Array {
  if (Array.isArray(segmentation)) {
    const mask = new Uint8Array(width * height);
    for (const polygon of segmentation) fillPolygon(mask, width, height, polygon, fillRule);
    return mask;
  }
  const [h, w] = segmentation.size;
  if (h !== height || w !== width)
    throw new Error(`RLE size ${w}×${h} differs from the image's ${width}×${height}`);
  return decodeRle(segmentation);
}

/** `categoryIndex`: COCO category_id → class index in the label map. */
export function cocoToLabelMap(
  annotations: readonly CocoMaskAnnotation[],
  categoryIndex: ReadonlyMap<number, number>,
  width: number,
  height: number,
  options: CocoToLabelMapOptions = {},
): LabelMap {
  const ignoreIndex = options.ignoreIndex ?? DEFAULT_IGNORE_INDEX;
  const data = new Uint8Array(width * height).fill(options.background ?? 0);
  const problems: string[] = [];
  for (const [i, a] of annotations.entries()) {
    const where = `${options.where ? `${options.where}: ` : ''}annotation ${a.id ?? `#${i}`}`;
    const cls = a.iscrowd ? ignoreIndex : categoryIndex.get(a.category_id);
    if (cls === undefined) {
      problems.push(`${where}: category_id ${a.category_id} has no class index`);
      continue;
    }
    let mask: Uint8Array;
    try {
      mask = annotationMask(a.segmentation, width, height, options.fillRule);
    } catch (err) {
      problems.push(`${where}: ${(err as Error).message}`);
      continue;
    }
    for (let p = 0; p < mask.length; p++) if (mask[p]) data[p] = cls;
  }
  if (problems.length > 0)
    throw badInput(
      `${options.where ?? 'COCO masks'}: ${problems.length} bad segmentation${problems.length === 1 ? '' : 's'}`,
      problems,
    );
  return { data, width, height };
}
