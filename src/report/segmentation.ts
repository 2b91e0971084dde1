// The semantic segmentation run report: one self-contained HTML page (inline CSS and SVG, no
// scripts, a CSP that forbids every fetch) with the headline metrics (mIoU and friends), the
// per-epoch losses and logged values, IoU per class, the pixel confusion matrix, sample
// image | ground truth | prediction strips (as data: URLs) and the run config. All user text
// goes through escapeHtml. A per-class ratio with a zero denominator is NaN in the metrics
// (see metrics/segmentation/confusion.ts): the page shows "n/a".
// `writeSegmentationReport` is the Node edge: it writes the page atomically.
import { vocColormap } from '../data/segmentation/voc-colormap.js';
import { badInput } from '../errors.js';
import type { SegmentationMetrics } from '../metrics/segmentation/confusion.js';
import { categoryNames } from './detection-charts.js';
import { escapeHtml } from './html-text.js';
import type { Palette } from './mask-images.js';
import { chartFigures, type RenderReportOptions } from './page.js';
import { chartRow, foldedTable, headRow } from './page-blocks.js';
import {
  epochValuesSpec,
  iouPerClassSpec,
  pixelConfusionSpec,
  segmentationLossSpec,
} from './segmentation-charts.js';
import {
  renderTaskPage,
  type SampleImage,
  type TaskReport,
  TRAINING_CHART_KEYS,
} from './task-page.js';
import { fileWriter } from './write.js';

/** `image`: encoded JPEG or PNG strip, image | ground truth | prediction (see maskTriplet). */
export type SegmentationSampleImage = SampleImage;

export interface SegmentationReport extends TaskReport {
  /** Class names; index `i` of every per-class array and of the confusion matrix. */
  classes: readonly string[];
  metrics: SegmentationMetrics;
  /** The split the metrics were computed on, for titles. Default `val`. */
  evaluatedOn?: string;
  /** The colours the sample strips were drawn with, for the legend. Default: the VOC colormap. */
  palette?: Palette;
}

/** Chart keys, in page order; tests and links identify each figure by `data-chart`. */
export const SEGMENTATION_CHART_KEYS = [
  ...TRAINING_CHART_KEYS,
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

const { figure } = chartFigures(SEGMENTATION_CHART_KEYS);

const rowSum = (row: readonly number[]) => row.reduce((a, b) => a + b, 0);

function perClassTable(r: SegmentationReport, name: (i: number) => string): string {
  const m = r.metrics;
  const pct = (v: number | undefined) => `<td class="num">${escapeHtml(formatPercent(v))}</td>`;
  const rows = r.classes.map(
    (_, i) =>
      `<tr><th scope="row">${escapeHtml(name(i))}</th>${pct(m.perClassIoU[i])}${pct(m.perClassAccuracy[i])}${pct(m.dice.perClass[i])}<td class="num">${escapeHtml(rowSum(m.confusion[i] ?? []))}</td></tr>`,
  );
  return foldedTable({
    summary: 'Per class as a table (%; n/a: undefined, the class is absent)',
    attrs: ' class="per-class" data-chart="per-class"',
    head: headRow(['class', 'IoU', 'accuracy', 'Dice', 'pixels in ground truth']),
    rows,
    // Open for a VOC-sized class list; collapsed when it would push the charts off screen.
    open: r.classes.length <= 30,
  });
}

function confusionTable(r: SegmentationReport, name: (i: number) => string): string {
  const head = r.classes.map((_, i) => `<th scope="col">${escapeHtml(name(i))}</th>`).join('');
  const rows = r.metrics.confusion.map(
    (row, i) =>
      `<tr><th scope="row">${escapeHtml(name(i))}</th>${row.map((v, j) => `<td class="num${i === j ? ' diag' : ''}">${escapeHtml(v)}</td>`).join('')}</tr>`,
  );
  return foldedTable({
    summary: 'Confusion matrix as a table (pixels; rows: ground truth, columns: predicted)',
    attrs: ' class="confusion" data-chart="confusion-table"',
    head: `<tr><th></th>${head}</tr>`,
    rows,
  });
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

const CSS = `
.scroll { max-height: 520px; }
td.diag { background: #e6f0fa; font-weight: 600; }
summary { cursor: pointer; color: #2a5db0; }
ul.legend { display: flex; flex-wrap: wrap; gap: 4px 14px; list-style: none; padding: 0; font-size: 12px; }
ul.legend .swatch { display: inline-block; width: 12px; height: 12px; margin-right: 4px; vertical-align: -2px; border: 1px solid #999; }
.samples { grid-template-columns: repeat(auto-fill, minmax(480px, 1fr)); }
figure.sample img { image-rendering: pixelated; }
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
  const [iouBars, confusion] = await Promise.all([
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
  const intro = `<p class="dim">Each strip: image | ground truth | prediction (image | prediction where there is no ground truth).</p>
${legend(r, name)}
`;
  return renderTaskPage({
    title: r.title,
    css: CSS,
    summary: [
      ['Classes', escapeHtml(`${r.classes.length}`)],
      ['Pixels evaluated', escapeHtml(`${m.count}`)],
      ['Evaluated on', escapeHtml(split)],
      ['Epochs logged', escapeHtml(`${r.history.length}`)],
    ],
    headline: {
      rows: SEGMENTATION_HEADLINE.map((h) => ({ ...h, value: formatPercent(h.value(m)) })),
      tiles: ['meanIoU', 'pixelAccuracy', 'meanDice'],
      heading: `Metrics (${escapeHtml(split)})`,
      whatHeading: 'definition',
      footnote:
        "mmsegmentation's conventions: ignored pixels are not counted; a class in neither ground truth nor prediction has no IoU or Dice (n/a) and is left out of the means.",
    },
    training: { losses: segmentationLossSpec(r.history), values: epochValuesSpec(r.history) },
    sections: [
      { id: 'per-class', heading: 'Per class', parts: [perClassTable(r, name), chartRow(iouBars)] },
      {
        id: 'confusion',
        heading: 'Confusion',
        parts: [chartRow(confusion), confusionTable(r, name)],
      },
    ],
    samples: {
      images: r.samples,
      alt: (n) => `image | ground truth | prediction for ${n}`,
      intro,
    },
    notes: r.notes,
    config: r.config,
    generator: options.generator,
  });
}

/** Renders the segmentation report and writes it to `file` atomically. Returns the path. */
export const writeSegmentationReport = fileWriter(renderSegmentationReport);
