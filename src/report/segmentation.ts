// The semantic segmentation run report: one self-contained HTML page (inline CSS and SVG, no
// scripts, a CSP that forbids every fetch) with the headline metrics (mIoU and friends), the
// per-epoch losses and logged values, IoU per class, the pixel confusion matrix, sample
// image | ground truth | prediction strips (as data: URLs) and the run config. All user text
// goes through escapeHtml. A per-class ratio with a zero denominator is NaN in the metrics
// (see metrics/segmentation/confusion.ts): the page shows "n/a".
// `writeSegmentationReport` is the Node edge: it writes the page atomically.
import type { TopLevelSpec } from 'vega-lite';
import { vocColormap } from '../data/segmentation/voc-colormap.js';
import { writeFileAtomic } from '../engine/file-io.js';
import { badInput } from '../errors.js';
import type { SegmentationMetrics } from '../metrics/segmentation/confusion.js';
import type { EpochRecord } from '../train/metrics-log.js';
import { version } from '../version.js';
import { categoryNames } from './detection-charts.js';
import { dataUrl, type RenderReportOptions } from './html.js';
import { escapeHtml } from './html-text.js';
import type { Palette } from './mask-images.js';
import { configSection, htmlDocument, navBar, notesSection, figure as pageFigure } from './page.js';
import {
  epochValuesSpec,
  iouPerClassSpec,
  pixelConfusionSpec,
  segmentationLossSpec,
} from './segmentation-charts.js';

export interface SegmentationSampleImage {
  /** Shown as the caption, e.g. the image's path. */
  name: string;
  /** Encoded JPEG or PNG strip: image | ground truth | prediction (see maskTriplet). */
  image: Uint8Array;
}

export interface SegmentationReport {
  title: string;
  /** The run's metrics log, one record per epoch; every numeric key is plotted. */
  history: readonly EpochRecord[];
  /** Class names; index `i` of every per-class array and of the confusion matrix. */
  classes: readonly string[];
  metrics: SegmentationMetrics;
  samples: readonly SegmentationSampleImage[];
  /** The split the metrics were computed on, for titles. Default `val`. */
  evaluatedOn?: string;
  /** The colours the sample strips were drawn with, for the legend. Default: the VOC colormap. */
  palette?: Palette;
  config?: Record<string, unknown>;
  notes?: readonly string[];
}

/** Chart keys, in page order; tests and links identify each figure by `data-chart`. */
export const SEGMENTATION_CHART_KEYS = [
  'losses',
  'epoch-values',
  'iou-per-class',
  'confusion',
] as const;
export type SegmentationChartKey = (typeof SEGMENTATION_CHART_KEYS)[number];

export type SegmentationHeadlineKey =
  | 'meanIoU'
  | 'pixelAccuracy'
  | 'meanClassAccuracy'
  | 'meanDice'
  | 'frequencyWeightedIoU';

/** The headline rows, mIoU first as papers report it. */
export const SEGMENTATION_HEADLINE: readonly {
  key: SegmentationHeadlineKey;
  name: string;
  what: string;
  value: (m: SegmentationMetrics) => number;
}[] = [
  {
    key: 'meanIoU',
    name: 'mIoU',
    what: 'mean over classes of TP / (TP + FP + FN)',
    value: (m) => m.meanIoU,
  },
  {
    key: 'pixelAccuracy',
    name: 'pixel accuracy',
    what: 'correct pixels / labelled pixels',
    value: (m) => m.pixelAccuracy,
  },
  {
    key: 'meanClassAccuracy',
    name: 'mean class accuracy',
    what: 'mean over classes of per-class recall',
    value: (m) => m.meanClassAccuracy,
  },
  {
    key: 'meanDice',
    name: 'mean Dice',
    what: 'mean over classes of 2TP / (2TP + FP + FN)',
    value: (m) => m.dice.mean,
  },
  {
    key: 'frequencyWeightedIoU',
    name: 'frequency-weighted IoU',
    what: 'IoU weighted by each class’s share of the pixels',
    value: (m) => m.frequencyWeightedIoU,
  },
];

/** A ratio as a percentage with one decimal (`41.2`); `n/a` for NaN (undefined) or missing. */
export function formatPercent(v: number | undefined): string {
  return typeof v === 'number' && Number.isFinite(v) ? (v * 100).toFixed(1) : 'n/a';
}

function check(r: SegmentationReport): void {
  const m = r.metrics as Partial<SegmentationMetrics> | undefined;
  if (
    !m ||
    !Array.isArray(m.perClassIoU) ||
    !Array.isArray(m.perClassAccuracy) ||
    !Array.isArray(m.dice?.perClass) ||
    !Array.isArray(m.confusion)
  ) {
    throw badInput(
      'segmentation report: metrics must be the result of SegmentationAccumulator.metrics()',
    );
  }
  const n = r.classes.length;
  if (m.perClassIoU.length !== n || m.confusion.length !== n) {
    throw badInput(
      `segmentation report: ${n} class names but metrics for ${m.perClassIoU.length} classes`,
    );
  }
  const bad = r.samples.find((s) => !(s.image instanceof Uint8Array));
  if (bad) throw badInput(`segmentation report: sample ${bad.name} has no encoded image bytes`);
}

function figure(
  key: SegmentationChartKey,
  spec: TopLevelSpec | null,
  missing: string,
  caption = '',
) {
  return pageFigure(key, spec, missing, caption);
}

const rowSum = (row: readonly number[]) => row.reduce((a, b) => a + b, 0);

function header(r: SegmentationReport): string {
  const m = r.metrics;
  const rows: [string, string][] = [
    ['Classes', escapeHtml(`${r.classes.length}`)],
    ['Pixels evaluated', escapeHtml(`${m.count}`)],
    ['Evaluated on', escapeHtml(r.evaluatedOn ?? 'val')],
    ['Epochs logged', escapeHtml(`${r.history.length}`)],
  ];
  const tiles = SEGMENTATION_HEADLINE.filter((h) =>
    ['meanIoU', 'pixelAccuracy', 'meanDice'].includes(h.key),
  )
    .map(
      (h) =>
        `<div class="metric"><div class="value">${escapeHtml(formatPercent(h.value(m)))}</div><div class="name">${escapeHtml(h.name)}</div></div>`,
    )
    .join('');
  return `<header>
<h1>${escapeHtml(r.title)}</h1>
<dl class="summary">${rows.map(([k, v]) => `<dt>${k}</dt><dd>${v}</dd>`).join('')}</dl>
<div class="metrics" aria-label="headline metrics">${tiles}</div>
</header>`;
}

function headlineTable(m: SegmentationMetrics): string {
  const rows = SEGMENTATION_HEADLINE.map(
    (h) =>
      `<tr data-metric="${h.key}"><th scope="row">${escapeHtml(h.name)}</th><td class="num">${escapeHtml(formatPercent(h.value(m)))}</td><td class="text dim">${escapeHtml(h.what)}</td></tr>`,
  ).join('\n');
  return `<table class="headline" data-chart="headline"><thead><tr><th>metric</th><th>%</th><th>definition</th></tr></thead><tbody>
${rows}
</tbody></table>
<p class="dim">mmsegmentation's conventions: ignored pixels are not counted; a class in neither ground truth nor prediction has no IoU or Dice (n/a) and is left out of the means.</p>`;
}

function perClassTable(r: SegmentationReport, name: (i: number) => string): string {
  const m = r.metrics;
  const rows = r.classes
    .map(
      (_, i) =>
        `<tr><th scope="row">${escapeHtml(name(i))}</th><td class="num">${escapeHtml(formatPercent(m.perClassIoU[i]))}</td><td class="num">${escapeHtml(formatPercent(m.perClassAccuracy[i]))}</td><td class="num">${escapeHtml(formatPercent(m.dice.perClass[i]))}</td><td class="num">${escapeHtml(rowSum(m.confusion[i] ?? []))}</td></tr>`,
    )
    .join('\n');
  // Open for a VOC-sized class list; collapsed when it would push the charts off screen.
  return `<details${r.classes.length <= 30 ? ' open' : ''}><summary>Per class as a table (%; n/a: undefined, the class is absent)</summary>
<div class="scroll"><table class="per-class" data-chart="per-class"><thead><tr><th>class</th><th>IoU</th><th>accuracy</th><th>Dice</th><th>pixels in ground truth</th></tr></thead><tbody>
${rows}
</tbody></table></div></details>`;
}

function confusionTable(r: SegmentationReport, name: (i: number) => string): string {
  const head = r.classes.map((_, i) => `<th scope="col">${escapeHtml(name(i))}</th>`).join('');
  const body = r.metrics.confusion
    .map(
      (row, i) =>
        `<tr><th scope="row">${escapeHtml(name(i))}</th>${row.map((v, j) => `<td class="num${i === j ? ' diag' : ''}">${escapeHtml(v)}</td>`).join('')}</tr>`,
    )
    .join('\n');
  return `<details><summary>Confusion matrix as a table (pixels; rows: ground truth, columns: predicted)</summary>
<div class="scroll"><table class="confusion" data-chart="confusion-table"><thead><tr><th></th>${head}</tr></thead><tbody>
${body}
</tbody></table></div></details>`;
}

/** Class colours as the strips draw them, so a reader can tell which colour is which class. */
function legend(r: SegmentationReport, name: (i: number) => string): string {
  const palette = r.palette ?? vocColormap();
  const fallback = vocColormap();
  const items = r.classes
    .map((_, i) => {
      const [cr, cg, cb] = palette[i] ?? fallback[i] ?? [0, 0, 0];
      return `<li><span class="swatch" style="background: rgb(${cr}, ${cg}, ${cb})"></span>${escapeHtml(name(i))}</li>`;
    })
    .join('');
  return `<ul class="legend" data-chart="legend">${items}</ul>`;
}

function samplesSection(r: SegmentationReport, name: (i: number) => string): string {
  const body =
    r.samples.length > 0
      ? `<p class="dim">Each strip: image | ground truth | prediction (image | prediction where there is no ground truth).</p>
${legend(r, name)}
<div class="samples">${r.samples
          .map(
            (s) => `<figure class="sample">
<img src="${dataUrl(s.image)}" alt="${escapeHtml(`image | ground truth | prediction for ${s.name}`)}">
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
.scroll { overflow: auto; max-height: 520px; }
table { border-collapse: collapse; font-size: 13px; background: white; }
th, td { border: 1px solid #e3e3e3; padding: 4px 8px; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
td.text { text-align: left; }
td.diag { background: #e6f0fa; font-weight: 600; }
details { margin-top: 12px; }
summary { cursor: pointer; color: #2a5db0; }
ul.legend { display: flex; flex-wrap: wrap; gap: 4px 14px; list-style: none; padding: 0; font-size: 12px; }
ul.legend .swatch { display: inline-block; width: 12px; height: 12px; margin-right: 4px; vertical-align: -2px; border: 1px solid #999; }
.samples { display: grid; grid-template-columns: repeat(auto-fill, minmax(480px, 1fr)); gap: 12px; }
figure.sample { background: white; border: 1px solid #e3e3e3; border-radius: 8px; padding: 8px; }
figure.sample img { display: block; max-width: 100%; height: auto; margin: 0 auto 6px; image-rendering: pixelated; }
figure.sample figcaption { font-size: 12px; color: #555; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
`;

/** Renders the segmentation report page. Throws a BAD_INPUT error for metrics of the wrong shape. */
export async function renderSegmentationReport(
  r: SegmentationReport,
  options: RenderReportOptions = {},
): Promise<string> {
  check(r);
  const m = r.metrics;
  const split = r.evaluatedOn ?? 'val';
  const name = categoryNames(
    r.classes,
    r.classes.map((_, i) => i),
  );
  const names = r.classes.map((_, i) => name(i));
  const valuesSpec = epochValuesSpec(r.history);
  const [losses, values, iouBars, confusion] = await Promise.all([
    figure('losses', segmentationLossSpec(r.history), 'No loss was logged.'),
    // A run may log only losses: no empty figure for values that were never logged.
    valuesSpec ? figure('epoch-values', valuesSpec, '') : '',
    figure(
      'iou-per-class',
      iouPerClassSpec(r.classes, m.perClassIoU),
      'No class is in the ground truth or the predictions.',
    ),
    figure(
      'confusion',
      pixelConfusionSpec(m.confusion, names, split),
      '',
      names.length > 40
        ? 'Too many classes to print counts in the cells; see the table below.'
        : '',
    ),
  ]);
  const notes = notesSection(r.notes);
  const config = r.config === undefined ? '' : configSection(r.config);
  const nav = navBar(
    [
      ['metrics', 'Metrics'],
      ['training', 'Training'],
      ['per-class', 'Per class'],
      ['confusion', 'Confusion'],
      ['samples', 'Samples'],
    ],
    { notes, config },
  );
  const body = `${header(r)}
${nav}
<section id="metrics"><h2>Metrics (${escapeHtml(split)})</h2>
${headlineTable(m)}
</section>
<section id="training"><h2>Training</h2>
<div class="charts">${losses}${values}</div>
</section>
<section id="per-class"><h2>Per class</h2>
${perClassTable(r, name)}
<div class="charts">${iouBars}</div>
</section>
<section id="confusion"><h2>Confusion</h2>
<div class="charts">${confusion}</div>
${confusionTable(r, name)}
</section>
${samplesSection(r, name)}
${notes}
${config}`;
  return htmlDocument(r.title, CSS, body, options.generator);
}

/** Renders the segmentation report and writes it to `file` atomically. Returns the path. */
export async function writeSegmentationReport(
  file: string,
  r: SegmentationReport,
  options: RenderReportOptions = {},
): Promise<string> {
  const html = await renderSegmentationReport(r, {
    generator: `visiontune ${version}`,
    ...options,
  });
  await writeFileAtomic(file, html);
  return file;
}
