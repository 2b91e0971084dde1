// The detection run report: one self-contained HTML page (inline CSS and SVG, no scripts, a CSP
// that forbids every fetch) with the COCO headline metrics, the per-epoch losses and logged
// values, AP per class, the PR curves at IoU 0.5, sample images with their boxes drawn (as
// data: URLs) and the run config. All user text goes through escapeHtml. COCO writes -1 where
// a metric is undefined (no ground truth in that area range or class): the page shows "n/a".
// `writeDetectionReport` is the Node edge: it writes the page atomically.
import { badInput } from '../errors.js';
import type { DetectionMetrics } from '../metrics/detection/coco-eval.js';
import {
  apPerClassSpec,
  categoryNames,
  detectionLossSpec,
  epochMetricsSpec,
  prCurvesSpec,
} from './detection-charts.js';
import { escapeHtml } from './html-text.js';
import { chartFigures, type RenderReportOptions } from './page.js';
import { chartRow, foldedTable, headRow } from './page-blocks.js';
import {
  renderTaskPage,
  type SampleImage,
  type TaskReport,
  TRAINING_CHART_KEYS,
} from './task-page.js';
import { fileWriter } from './write.js';

/** `image`: encoded JPEG or PNG with the boxes already drawn (see draw-boxes.ts). */
export type DetectionSampleImage = SampleImage;

export interface DetectionReport extends TaskReport {
  /** Category names; `categoryId` in the metrics indexes this. */
  categories: readonly string[];
  metrics: DetectionMetrics;
}

/** Chart keys, in page order; tests and links identify each figure by `data-chart`. */
export const DETECTION_CHART_KEYS = [...TRAINING_CHART_KEYS, 'ap-per-class', 'pr-curves'] as const;
export type DetectionChartKey = (typeof DETECTION_CHART_KEYS)[number];

/** The scalar COCO metrics. */
export type HeadlineKey = Exclude<keyof DetectionMetrics, 'perCategory' | 'prCurves50'>;

/** The headline rows, in pycocotools' summary order, with the names papers use. */
export const HEADLINE: readonly { key: HeadlineKey; name: string; what: string }[] = [
  { key: 'ap', name: 'AP', what: 'IoU .50:.95, all areas, 100 detections' },
  { key: 'ap50', name: 'AP50', what: 'IoU .50' },
  { key: 'ap75', name: 'AP75', what: 'IoU .75' },
  { key: 'apSmall', name: 'APs', what: 'small objects (area < 32²)' },
  { key: 'apMedium', name: 'APm', what: 'medium objects (32² to 96²)' },
  { key: 'apLarge', name: 'APl', what: 'large objects (area > 96²)' },
  { key: 'ar1', name: 'AR1', what: 'recall with 1 detection per image' },
  { key: 'ar10', name: 'AR10', what: 'recall with 10 detections per image' },
  { key: 'ar100', name: 'AR100', what: 'recall with 100 detections per image' },
  { key: 'arSmall', name: 'ARs', what: 'recall, small objects' },
  { key: 'arMedium', name: 'ARm', what: 'recall, medium objects' },
  { key: 'arLarge', name: 'ARl', what: 'recall, large objects' },
];

/** A COCO metric as a percentage with one decimal (`41.2`); `n/a` for COCO's -1 or missing. */
export function formatAp(v: number | undefined): string {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? (v * 100).toFixed(1) : 'n/a';
}

function check(r: DetectionReport): void {
  const m = r.metrics as Partial<DetectionMetrics> | undefined;
  if (!m || !Array.isArray(m.perCategory) || !Array.isArray(m.prCurves50)) {
    throw badInput(
      'detection report: metrics must be the result of the COCO evaluation (with perCategory and prCurves50)',
    );
  }
  const bad = r.samples.find((s) => !(s.image instanceof Uint8Array));
  if (bad) throw badInput(`detection report: sample ${bad.name} has no encoded image bytes`);
}

const { figure } = chartFigures(DETECTION_CHART_KEYS);

function perClassTable(r: DetectionReport): string {
  const ids = r.metrics.perCategory.map((c) => c.categoryId);
  const name = categoryNames(r.categories, ids);
  const rows = r.metrics.perCategory.map(
    (c) =>
      `<tr><th scope="row">${escapeHtml(name(c.categoryId))}</th><td class="num">${escapeHtml(formatAp(c.ap))}</td><td class="num">${escapeHtml(formatAp(c.ap50))}</td><td class="num">${escapeHtml(c.groundTruth)}</td></tr>`,
  );
  return foldedTable({
    summary: 'AP per class as a table (%; n/a: no ground truth)',
    attrs: ' class="per-class" data-chart="per-class"',
    head: headRow(['class', 'AP', 'AP50', 'ground truth']),
    rows,
  });
}

/** Renders the detection report page. Throws a BAD_INPUT error for metrics of the wrong shape. */
export async function renderDetectionReport(
  r: DetectionReport,
  options: RenderReportOptions = {},
): Promise<string> {
  check(r);
  const m = r.metrics;
  const gt = m.perCategory.reduce((a, c) => a + Math.max(c.groundTruth, 0), 0);
  const none = 'No class has ground truth in the evaluated images.';
  const [apBars, pr] = await Promise.all([
    figure('ap-per-class', apPerClassSpec(m.perCategory, r.categories), none),
    figure('pr-curves', prCurvesSpec(m.prCurves50, r.categories), none),
  ]);
  return renderTaskPage({
    title: r.title,
    css: '',
    summary: [
      ['Categories', escapeHtml(`${r.categories.length}`)],
      ['Ground-truth boxes', escapeHtml(`${gt}`)],
      ['Epochs logged', escapeHtml(`${r.history.length}`)],
    ],
    headline: {
      rows: HEADLINE.map((h) => ({ ...h, value: formatAp(m[h.key]) })),
      tiles: ['ap', 'ap50', 'ar100'],
      heading: 'Metrics',
      whatHeading: 'measured at',
      footnote:
        "COCO protocol (pycocotools' COCOeval): AP averaged over IoU .50:.95 and 101 recall points, then over classes. n/a: no ground truth in that area range.",
    },
    training: { losses: detectionLossSpec(r.history), values: epochMetricsSpec(r.history) },
    sections: [
      { id: 'per-class', heading: 'Per class', parts: [chartRow(apBars), perClassTable(r)] },
      { id: 'pr', heading: 'PR curves', parts: [chartRow(pr)] },
    ],
    samples: { images: r.samples, alt: (name) => `boxes on ${name}` },
    notes: r.notes,
    config: r.config,
    generator: options.generator,
  });
}

/** Renders the detection report and writes it to `file` atomically. Returns the path. */
export const writeDetectionReport = fileWriter(renderDetectionReport);
