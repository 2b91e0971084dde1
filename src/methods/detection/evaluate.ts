// Detections against a data set's boxes, in the shapes COCO evaluation and COCO results files use.
import path from 'node:path';
import type { DetectionSample } from '../../data/detection/types.js';
import {
  type DetectionMetrics,
  type DetectionResult,
  evaluateDetections,
  type GroundTruth,
} from '../../metrics/detection/coco-eval.js';
import type { FoundBox } from './detect-samples.js';

/** Ground truth of the images; VOC's `difficult` boxes are ignored like crowd regions. */
export function groundTruthOf(samples: readonly DetectionSample[]): GroundTruth[] {
  return samples.flatMap((s) =>
    s.boxes.map((b) => ({
      imageId: s.id,
      categoryId: b.category,
      bbox: b.bbox,
      iscrowd: b.iscrowd === true || b.difficult === true,
    })),
  );
}

export function resultsOf(found: ReadonlyMap<DetectionSample, FoundBox[]>): DetectionResult[] {
  return [...found].flatMap(([s, boxes]) =>
    boxes.map((b) => ({ imageId: s.id, categoryId: b.category, bbox: b.bbox, score: b.score })),
  );
}

/** COCO metrics over the images that were read (images skipped under skipBad do not count). */
export function evaluateFound(found: ReadonlyMap<DetectionSample, FoundBox[]>): DetectionMetrics {
  return evaluateDetections(groundTruthOf([...found.keys()]), resultsOf(found));
}

/** A COCO results file's rows: the annotation file's image and category ids where known. */
export function cocoResults(
  found: ReadonlyMap<DetectionSample, FoundBox[]>,
  categoryIds?: readonly number[],
): { image_id: number | string; category_id: number; bbox: number[]; score: number }[] {
  const round = (v: number) => Math.round(v * 100) / 100;
  return [...found].flatMap(([s, boxes]) =>
    boxes.map((b) => ({
      image_id: s.sourceId ?? path.basename(s.id, path.extname(s.id)),
      category_id: categoryIds?.[b.category] ?? b.category + 1,
      bbox: b.bbox.map(round),
      score: Math.round(b.score * 1e4) / 1e4,
    })),
  );
}

/** The headline numbers, for bundle metadata and JSON output. */
export function headline(m: DetectionMetrics): Record<string, number> {
  const { perCategory: _p, prCurves50: _c, ...numbers } = m;
  return numbers;
}
