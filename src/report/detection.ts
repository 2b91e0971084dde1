// The detection run report: one self-contained HTML page (inline CSS and SVG, no scripts, a CSP
// that forbids every fetch) with the COCO headline metrics, the per-epoch losses and logged
// values, AP per class, the PR curves at IoU 0.5, sample images with their boxes drawn (as
// data: URLs) and the run config. All user text goes through escapeHtml. COCO writes -1 where
// a metric is undefined (no ground truth in that area range or class): the page shows "n/a".
// `writeDetectionReport` is the Node edge: it writes the page atomically.
import type { TopLevelSpec } from 'vega-lite';
import { writeFileAtomic } from '../engine/file-io.js';
import { badInput } from '../errors.js';
import type { DetectionMetrics } from '../metrics/detection/coco-eval.js';
import type { EpochRecord } from '../train/metrics-log.js';
import { version } from '../version.js';
import {
  apPerClassSpec,
  categoryNames,
  detectionLossSpec,
  epochMetricsSpec,
  prCurvesSpec,
} from './detection-charts.js';
import { dataUrl, type RenderReportOptions } from './html.js';
import { escapeHtml } from './html-text.js';
import { configSection, htmlDocument, navBar, notesSection, figure as pageFigure } from './page.js';

export interface DetectionSampleImage {
  /** Shown as the caption, e.g. the image's path. */
  name: string;
  /** Encoded JPEG or PNG with the boxes already drawn (see draw-boxes.ts). */
  image: Uint8Array;
}

export interface DetectionReport {
  title: string;
  /** The run's metrics log, one record per epoch; every numeric key is plotted. */
  history: readonly EpochRecord[];
  /** Category names; `categoryId` in the metrics indexes this. */
  categories: readonly string[];
  metrics: DetectionMetrics;
  samples: readonly DetectionSampleImage[];
  config?: Record<string, unknown>;
  notes?: readonly string[];
}

/** Chart keys, in page order; tests and links identify each figure by `data-chart`. */
export const DETECTION_CHART_KEYS = [
  'losses',
  'epoch-values',
  'ap-per-class',
  'pr-curves',
] as const;
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

function figure(key: DetectionChartKey, spec: TopLevelSpec | null, missing: string) {
  return pageFigure(key, spec, missing);
}

function header(r: DetectionReport): string {
  const m = r.metrics;
  const gt = m.perCategory.reduce((a, c) => a + Math.max(c.groundTruth, 0), 0);
  const rows: [string, string][] = [
    ['Categories', escapeHtml(`${r.categories.length}`)],
    ['Ground-truth boxes', escapeHtml(`${gt}`)],
    ['Epochs logged', escapeHtml(`${r.history.length}`)],
  ];
  const tiles = (['ap', 'ap50', 'ar100'] as const)
    .map((k) => {
      const row = HEADLINE.find((h) => h.key === k)!;
      return `<div class="metric"><div class="value">${escapeHtml(formatAp(m[k]))}</div><div class="name">${escapeHtml(row.name)}</div></div>`;
    })
    .join('');
  return `<header>
<h1>${escapeHtml(r.title)}</h1>
<dl class="summary">${rows.map(([k, v]) => `<dt>${k}</dt><dd>${v}</dd>`).join('')}</dl>
<div class="metrics" aria-label="headline metrics">${tiles}</div>
</header>`;
}

function headlineTable(m: DetectionMetrics): string {
  const rows = HEADLINE.map(
    (h) =>
      `<tr data-metric="${h.key}"><th scope="row">${escapeHtml(h.name)}</th><td class="num">${escapeHtml(formatAp(m[h.key]))}</td><td class="text dim">${escapeHtml(h.what)}</td></tr>`,
  ).join('\n');
  return `<table class="headline" data-chart="headline"><thead><tr><th>metric</th><th>%</th><th>measured at</th></tr></thead><tbody>
${rows}
</tbody></table>
<p class="dim">COCO protocol (pycocotools' COCOeval): AP averaged over IoU .50:.95 and 101 recall points, then over classes. n/a: no ground truth in that area range.</p>`;
}

function perClassTable(r: DetectionReport): string {
  const ids = r.metrics.perCategory.map((c) => c.categoryId);
  const name = categoryNames(r.categories, ids);
  const rows = r.metrics.perCategory
    .map(
      (c) =>
        `<tr><th scope="row">${escapeHtml(name(c.categoryId))}</th><td class="num">${escapeHtml(formatAp(c.ap))}</td><td class="num">${escapeHtml(formatAp(c.ap50))}</td><td class="num">${escapeHtml(c.groundTruth)}</td></tr>`,
    )
    .join('\n');
  return `<details><summary>AP per class as a table (%; n/a: no ground truth)</summary>
<div class="scroll"><table class="per-class" data-chart="per-class"><thead><tr><th>class</th><th>AP</th><th>AP50</th><th>ground truth</th></tr></thead><tbody>
${rows}
</tbody></table></div></details>`;
}

function samplesSection(samples: readonly DetectionSampleImage[]): string {
  const body =
    samples.length > 0
      ? `<div class="samples">${samples
          .map(
            (s) => `<figure class="sample">
<img src="${dataUrl(s.image)}" alt="${escapeHtml(`boxes on ${s.name}`)}">
<figcaption title="${escapeHtml(s.name)}">${escapeHtml(s.name)}</figcaption>
</figure>`,
          )
          .join('\n')}</div>`
      : '<p class="dim">No sample images were recorded.</p>';
  return `<section id="samples" data-chart="samples"><h2>Samples</h2>
${body}</section>`;
}

const CSS = `
.charts { display: flex; flex-wrap: wrap; gap: 16px; align-items: flex-start; margin-top: 16px; }
.scroll { overflow: auto; }
table { border-collapse: collapse; font-size: 13px; background: white; }
th, td { border: 1px solid #e3e3e3; padding: 4px 8px; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
td.text { text-align: left; }
details { margin-top: 12px; }
.samples { display: grid; grid-template-columns: repeat(auto-fill, minmax(260px, 1fr)); gap: 12px; }
figure.sample { background: white; border: 1px solid #e3e3e3; border-radius: 8px; padding: 8px; }
figure.sample img { display: block; max-width: 100%; height: auto; margin: 0 auto 6px; }
figure.sample figcaption { font-size: 12px; color: #555; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
`;

/** Renders the detection report page. Throws a BAD_INPUT error for metrics of the wrong shape. */
export async function renderDetectionReport(
  r: DetectionReport,
  options: RenderReportOptions = {},
): Promise<string> {
  check(r);
  const m = r.metrics;
  const valuesSpec = epochMetricsSpec(r.history);
  const [losses, values, apBars, pr] = await Promise.all([
    figure('losses', detectionLossSpec(r.history), 'No loss was logged.'),
    // Most runs log only losses: no empty figure for values that were never logged.
    valuesSpec ? figure('epoch-values', valuesSpec, '') : '',
    figure(
      'ap-per-class',
      apPerClassSpec(m.perCategory, r.categories),
      'No class has ground truth in the evaluated images.',
    ),
    figure(
      'pr-curves',
      prCurvesSpec(m.prCurves50, r.categories),
      'No class has ground truth in the evaluated images.',
    ),
  ]);
  const notes = notesSection(r.notes);
  const config = r.config === undefined ? '' : configSection(r.config);
  const nav = navBar(
    [
      ['metrics', 'Metrics'],
      ['training', 'Training'],
      ['per-class', 'Per class'],
      ['pr', 'PR curves'],
      ['samples', 'Samples'],
    ],
    { notes, config },
  );
  const body = `${header(r)}
${nav}
<section id="metrics"><h2>Metrics</h2>
${headlineTable(m)}
</section>
<section id="training"><h2>Training</h2>
<div class="charts">${losses}${values}</div>
</section>
<section id="per-class"><h2>Per class</h2>
<div class="charts">${apBars}</div>
${perClassTable(r)}
</section>
<section id="pr"><h2>PR curves</h2>
<div class="charts">${pr}</div>
</section>
${samplesSection(r.samples)}
${notes}
${config}`;
  return htmlDocument(r.title, CSS, body, options.generator);
}

/** Renders the detection report and writes it to `file` atomically. Returns the path. */
export async function writeDetectionReport(
  file: string,
  r: DetectionReport,
  options: RenderReportOptions = {},
): Promise<string> {
  const html = await renderDetectionReport(r, { generator: `visiontune ${version}`, ...options });
  await writeFileAtomic(file, html);
  return file;
}
