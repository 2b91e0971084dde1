// COCO-style detection metrics, as pycocotools' COCOeval computes them (Lin et al. 2014; the
// evaluation protocol of cocodataset.org): per image and category, detections (best score first,
// at most maxDets) are matched greedily to the unmatched ground truth of highest IoU above each
// threshold; crowd regions and ground truth outside the area range are "ignored" — a detection
// matched to one is neither a true nor a false positive, and they do not count toward recall.
// Precision is made monotone (max to the right) and read at 101 recall points; AP is its mean
// over recall points (and categories, thresholds as the summary asks); AR is recall at maxDets.
import { type BBox, boxIou } from './iou.js';

export interface GroundTruth {
  imageId: string | number;
  categoryId: number;
  bbox: BBox;
  /** Segment area when known (COCO's `area`); default width × height. Decides small/medium/large. */
  area?: number;
  iscrowd?: boolean;
}

export interface DetectionResult {
  imageId: string | number;
  categoryId: number;
  bbox: BBox;
  score: number;
}

/** COCO's thresholds: IoU .50:.05:.95, recall 0:.01:1, max detections 1/10/100, area ranges. */
export const IOU_THRESHOLDS = Array.from({ length: 10 }, (_, i) => (50 + 5 * i) / 100);
export const RECALL_THRESHOLDS = Array.from({ length: 101 }, (_, i) => i / 100);
export const MAX_DETECTIONS = [1, 10, 100] as const;
export const AREA_RANGES = {
  all: [0, 1e10],
  small: [0, 32 ** 2],
  medium: [32 ** 2, 96 ** 2],
  large: [96 ** 2, 1e10],
} as const;
export type AreaRange = keyof typeof AREA_RANGES;
const AREAS = Object.keys(AREA_RANGES) as AreaRange[];

export interface DetectionMetrics {
  /** AP at IoU .50:.95, all areas, 100 detections: the COCO headline. */
  ap: number;
  ap50: number;
  ap75: number;
  apSmall: number;
  apMedium: number;
  apLarge: number;
  ar1: number;
  ar10: number;
  ar100: number;
  arSmall: number;
  arMedium: number;
  arLarge: number;
  /** Per category: AP (IoU .50:.95, all areas, 100 detections) and AP50; -1 when it has no ground truth. */
  perCategory: { categoryId: number; ap: number; ap50: number; groundTruth: number }[];
  /**
   * Interpolated precision at each of the 101 recall points at IoU 0.5 (all areas, 100
   * detections), per category: the PR curve; -1 for a category without ground truth.
   */
  prCurves50: { categoryId: number; precision: number[] }[];
}

interface ImageEval {
  /** Scores of the kept detections, best first. */
  scores: number[];
  /** [threshold][detection]: matched a ground truth that counts. */
  matched: boolean[][];
  /** [threshold][detection]: matched an ignored ground truth, or unmatched outside the area range. */
  ignored: boolean[][];
  /** Ground truth that counts toward recall. */
  counted: number;
}

const key = (imageId: string | number, categoryId: number) => `${imageId}\u0000${categoryId}`;
const areaOf = (g: GroundTruth) => g.area ?? g.bbox[2] * g.bbox[3];

function evaluateImage(
  gts: readonly GroundTruth[],
  dts: readonly DetectionResult[],
  range: readonly [number, number],
  maxDets: number,
): ImageEval {
  const ignoredGt = (g: GroundTruth) => !!g.iscrowd || areaOf(g) < range[0] || areaOf(g) > range[1];
  // Counted ground truth first, so a detection prefers it over an ignored one.
  const gt = [...gts].sort((a, b) => Number(ignoredGt(a)) - Number(ignoredGt(b)));
  const gtIgnored = gt.map(ignoredGt);
  const dt = [...dts].sort((a, b) => b.score - a.score).slice(0, maxDets);
  const ious = dt.map((d) => gt.map((g) => boxIou(d.bbox, g.bbox, !!g.iscrowd)));
  const matched: boolean[][] = [];
  const ignored: boolean[][] = [];
  for (const t of IOU_THRESHOLDS) {
    const taken = gt.map(() => false);
    const m = dt.map(() => false);
    const ig = dt.map(() => false);
    dt.forEach((d, di) => {
      let best = Math.min(t, 1 - 1e-10);
      let match = -1;
      for (let gi = 0; gi < gt.length; gi++) {
        if (taken[gi] && !gt[gi].iscrowd) continue;
        // Already matched counted ground truth: ignored ones (sorted last) cannot replace it.
        if (match > -1 && !gtIgnored[match] && gtIgnored[gi]) break;
        if (ious[di][gi] < best) continue;
        best = ious[di][gi];
        match = gi;
      }
      if (match > -1) {
        taken[match] = true;
        m[di] = !gtIgnored[match];
        ig[di] = gtIgnored[match];
      } else {
        const a = d.bbox[2] * d.bbox[3];
        ig[di] = a < range[0] || a > range[1];
      }
    });
    matched.push(m);
    ignored.push(ig);
  }
  return {
    scores: dt.map((d) => d.score),
    matched,
    ignored,
    counted: gtIgnored.filter((x) => !x).length,
  };
}

/** Precision at the recall points and final recall for one threshold over images' results. */
function accumulate(
  evals: readonly ImageEval[],
  t: number,
): { precision: number[]; recall: number } | undefined {
  const counted = evals.reduce((n, e) => n + e.counted, 0);
  if (counted === 0) return undefined;
  const rows = evals.flatMap((e) =>
    e.scores.map((score, i) => ({ score, tp: e.matched[t][i], ignore: e.ignored[t][i] })),
  );
  // Stable sort by score, as pycocotools' mergesort: ties keep image order.
  const kept = rows.filter((r) => !r.ignore);
  kept.sort((a, b) => b.score - a.score);
  const rc: number[] = [];
  const pr: number[] = [];
  let tp = 0;
  let fp = 0;
  for (const r of kept) {
    if (r.tp) tp++;
    else fp++;
    rc.push(tp / counted);
    pr.push(tp / (tp + fp));
  }
  for (let i = pr.length - 2; i >= 0; i--) pr[i] = Math.max(pr[i], pr[i + 1]);
  const precision = RECALL_THRESHOLDS.map((r) => {
    // The first detection whose recall reaches r (searchsorted, side left).
    let lo = 0;
    let hi = rc.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (rc[mid] < r) lo = mid + 1;
      else hi = mid;
    }
    return lo < pr.length ? pr[lo] : 0;
  });
  return { precision, recall: rc.length ? rc[rc.length - 1] : 0 };
}

const mean = (xs: readonly number[]) =>
  xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : -1;

/**
 * COCO metrics of `detections` against `groundTruth`. Images are those with any ground truth or
 * detection (an image with none of either changes nothing); categories those with ground truth
 * or detections. Metrics without any counted ground truth are -1, as pycocotools reports them.
 */
export function evaluateDetections(
  groundTruth: readonly GroundTruth[],
  detections: readonly DetectionResult[],
): DetectionMetrics {
  const gtBy = new Map<string, GroundTruth[]>();
  const dtBy = new Map<string, DetectionResult[]>();
  for (const g of groundTruth)
    gtBy.set(key(g.imageId, g.categoryId), [...(gtBy.get(key(g.imageId, g.categoryId)) ?? []), g]);
  for (const d of detections)
    dtBy.set(key(d.imageId, d.categoryId), [...(dtBy.get(key(d.imageId, d.categoryId)) ?? []), d]);
  const images = [...new Set([...groundTruth, ...detections].map((x) => x.imageId))];
  const categories = [...new Set([...groundTruth, ...detections].map((x) => x.categoryId))].sort(
    (a, b) => a - b,
  );

  // results[area][maxDets][category][threshold]
  const results = new Map<string, ({ precision: number[]; recall: number } | undefined)[]>();
  const cell = (area: AreaRange, maxDets: number, c: number) => `${area}/${maxDets}/${c}`;
  for (const area of AREAS) {
    for (const maxDets of MAX_DETECTIONS) {
      for (const c of categories) {
        const evals = images.map((img) =>
          evaluateImage(
            gtBy.get(key(img, c)) ?? [],
            dtBy.get(key(img, c)) ?? [],
            AREA_RANGES[area],
            maxDets,
          ),
        );
        results.set(
          cell(area, maxDets, c),
          IOU_THRESHOLDS.map((_, t) => accumulate(evals, t)),
        );
      }
    }
  }

  const thresholdIndex = (iou?: number) =>
    iou === undefined
      ? IOU_THRESHOLDS.map((_, i) => i)
      : [IOU_THRESHOLDS.findIndex((t) => Math.abs(t - iou) < 1e-9)];
  const ap = (area: AreaRange, maxDets: number, iou?: number, only?: number) =>
    mean(
      (only === undefined ? categories : [only]).flatMap((c) =>
        thresholdIndex(iou).flatMap(
          (t) => results.get(cell(area, maxDets, c))![t]?.precision ?? [],
        ),
      ),
    );
  const ar = (area: AreaRange, maxDets: number) =>
    mean(
      categories.flatMap((c) =>
        IOU_THRESHOLDS.flatMap((_, t) => {
          const r = results.get(cell(area, maxDets, c))![t];
          return r ? [r.recall] : [];
        }),
      ),
    );
  return {
    ap: ap('all', 100),
    ap50: ap('all', 100, 0.5),
    ap75: ap('all', 100, 0.75),
    apSmall: ap('small', 100),
    apMedium: ap('medium', 100),
    apLarge: ap('large', 100),
    ar1: ar('all', 1),
    ar10: ar('all', 10),
    ar100: ar('all', 100),
    arSmall: ar('small', 100),
    arMedium: ar('medium', 100),
    arLarge: ar('large', 100),
    perCategory: categories.map((c) => ({
      categoryId: c,
      ap: ap('all', 100, undefined, c),
      ap50: ap('all', 100, 0.5, c),
      groundTruth: groundTruth.filter((g) => g.categoryId === c && !g.iscrowd).length,
    })),
    prCurves50: categories.map((c) => ({
      categoryId: c,
      precision: results.get(cell('all', 100, c))![0]?.precision ?? RECALL_THRESHOLDS.map(() => -1),
    })),
  };
}
