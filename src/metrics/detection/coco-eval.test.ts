// COCO metrics on small cases computed by hand (the protocol of pycocotools' COCOeval): perfect
// predictions, a duplicate, a detection at IoU 0.6, missed ground truth, the 101-point
// interpolation, crowd regions, area ranges and the detection limit.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type DetectionResult, evaluateDetections, type GroundTruth } from './coco-eval.js';
import { boxIou } from './iou.js';

const gt = (
  imageId: number,
  bbox: GroundTruth['bbox'],
  extra: Partial<GroundTruth> = {},
): GroundTruth => ({
  imageId,
  categoryId: 1,
  bbox,
  ...extra,
});
const dt = (imageId: number, bbox: DetectionResult['bbox'], score: number): DetectionResult => ({
  imageId,
  categoryId: 1,
  bbox,
  score,
});
const close = (a: number, b: number, what: string) =>
  assert.ok(Math.abs(a - b) < 1e-12, `${what}: ${a} vs ${b}`);

test('IoU of boxes, and of a detection against a crowd region', () => {
  close(boxIou([0, 0, 10, 10], [5, 0, 10, 10]), 50 / 150, 'half overlap');
  close(boxIou([0, 0, 10, 10], [20, 20, 5, 5]), 0, 'disjoint');
  close(boxIou([2, 2, 4, 4], [0, 0, 100, 100], true), 1, 'inside a crowd');
});

test('perfect predictions score 1 everywhere there is ground truth, -1 where there is none', () => {
  const truth = [
    gt(1, [10, 10, 50, 50]),
    gt(1, [100, 100, 60, 40]),
    gt(2, [0, 0, 70, 70], { categoryId: 2 }),
  ];
  const dets = truth.map((g, i) => ({ ...g, score: 0.9 - i * 0.1 }));
  const m = evaluateDetections(truth, dets);
  for (const k of ['ap', 'ap50', 'ap75', 'apMedium', 'ar10', 'ar100', 'arMedium'] as const)
    close(m[k], 1, k);
  // One detection per image finds one of category 1's two boxes in image 1: (1/2 + 1) / 2.
  close(m.ar1, 0.75, 'ar1');
  close(m.apSmall, -1, 'no small ground truth');
  close(m.apLarge, -1, 'no large ground truth');
  assert.deepEqual(
    m.perCategory.map((c) => [c.categoryId, c.ap, c.groundTruth]),
    [
      [1, 1, 2],
      [2, 1, 1],
    ],
  );
  assert.ok(m.prCurves50[0].precision.every((p) => p === 1));
});

test('a duplicate detection is a false positive', () => {
  // Image 1: the box and a lower-scored duplicate; image 2: one box. By score: TP, FP, TP.
  // recall .5 .5 1, precision 1 .5 .667 -> interpolated 1 .667 .667: 51 recall points at 1,
  // 50 at 2/3.
  const truth = [gt(1, [0, 0, 40, 40]), gt(2, [0, 0, 40, 40])];
  const dets = [dt(1, [0, 0, 40, 40], 0.9), dt(1, [0, 0, 40, 40], 0.8), dt(2, [0, 0, 40, 40], 0.7)];
  const m = evaluateDetections(truth, dets);
  close(m.ap50, (51 + (50 * 2) / 3) / 101, 'AP50');
  close(m.ap, m.ap50, 'exact boxes: the same at every threshold');
  close(m.ar100, 1, 'both found');
  close(evaluateDetections(truth, [dets[0], dets[2]]).ap, 1, 'without the duplicate');
});

test('a detection at IoU 0.6 counts at thresholds up to 0.6 only', () => {
  const truth = [gt(1, [0, 0, 100, 100])];
  const dets = [dt(1, [0, 0, 100, 60], 0.9)]; // IoU 6000 / 10000
  const m = evaluateDetections(truth, dets);
  close(m.ap50, 1, 'AP50');
  close(m.ap75, 0, 'AP75');
  close(m.ap, 3 / 10, 'true at .50 .55 .60 of the ten thresholds');
  close(m.ar100, 3 / 10, 'recall likewise');
});

test('unmatched ground truth lowers recall and AP', () => {
  const truth = [gt(1, [0, 0, 40, 40]), gt(1, [50, 50, 40, 40])];
  const m = evaluateDetections(truth, [dt(1, [0, 0, 40, 40], 0.9)]);
  close(m.ar100, 0.5, 'AR100');
  close(m.ap, 51 / 101, 'precision 1 up to recall .5, then 0');
});

test('101-point interpolation on a hand-worked ranking', () => {
  // Three ground truth boxes; by score TP FP TP FP: recall 1/3 1/3 2/3 2/3, precision 1 1/2 2/3 1/2,
  // interpolated 1 2/3 2/3 1/2. Recall points 0..0.33 read 1 (34), 0.34..0.66 read 2/3 (33),
  // above 2/3 nothing (0).
  const truth = [gt(1, [0, 0, 40, 40]), gt(1, [100, 0, 40, 40]), gt(1, [200, 0, 40, 40])];
  const dets = [
    dt(1, [0, 0, 40, 40], 0.9),
    dt(1, [300, 300, 40, 40], 0.8),
    dt(1, [100, 0, 40, 40], 0.7),
    dt(1, [400, 400, 40, 40], 0.6),
  ];
  const m = evaluateDetections(truth, dets);
  close(m.ap50, (34 + (33 * 2) / 3) / 101, 'AP50');
  const curve = m.prCurves50[0].precision;
  close(curve[33], 1, 'recall .33');
  close(curve[34], 2 / 3, 'recall .34');
  close(curve[66], 2 / 3, 'recall .66');
  close(curve[67], 0, 'recall .67');
});

test('a crowd region: detections inside it are ignored, and it does not count toward recall', () => {
  const truth = [gt(1, [0, 0, 40, 40]), gt(1, [100, 0, 300, 300], { iscrowd: true })];
  const dets = [
    dt(1, [150, 50, 30, 30], 0.95),
    dt(1, [160, 60, 30, 30], 0.94),
    dt(1, [0, 0, 40, 40], 0.9),
  ];
  const m = evaluateDetections(truth, dets);
  close(m.ap, 1, 'crowd detections are neither true nor false positives');
  close(m.ar100, 1, 'one box counts toward recall');
  const asBox = evaluateDetections([truth[0], { ...truth[1], iscrowd: false }], dets);
  assert.ok(asBox.ap < 1, 'the same region as an ordinary box makes them false positives');
});

test('area ranges and the detection limit', () => {
  const truth = [gt(1, [0, 0, 20, 20]), gt(1, [50, 50, 20, 20])]; // small: area 400 < 32²
  const dets = [dt(1, [0, 0, 20, 20], 0.9), dt(1, [50, 50, 20, 20], 0.8)];
  const m = evaluateDetections(truth, dets);
  close(m.apSmall, 1, 'small');
  close(m.apMedium, -1, 'no medium ground truth');
  close(m.ar1, 0.5, 'one detection per image finds one of two');
  close(m.ar10, 1, 'ten find both');
  // COCO's `area` (segment area) decides the range when given.
  const seg = evaluateDetections(
    [gt(1, [0, 0, 100, 100], { area: 500 })],
    [dt(1, [0, 0, 100, 100], 0.9)],
  );
  close(seg.apSmall, 1, 'by segment area');
  close(seg.apLarge, -1, 'not by box area');
});
