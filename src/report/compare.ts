// The compare report: one self-contained HTML page (inline CSS and SVG, no scripts, a CSP
// that forbids every fetch) with a row per bundle — size, sparsity, storage dtype, throughput,
// accuracy, compression history — the two trade-off charts, and notes saying how each column
// was measured, so numbers copied out of it keep their conditions. `writeCompareReport` is the
// Node edge: it writes `compare.html` atomically.
import { badInput } from '../errors.js';
import type { CompareRow } from '../methods/compress/compare.js';
import {
  COMPARE_COLUMNS,
  formatMegabytes,
  formatPercent,
  formatRate,
  rowCells,
} from '../methods/compress/compare-format.js';
import { accuracyVsSizeSpec, accuracyVsSpeedSpec, type ComparePoint } from './compare-charts.js';
import { escapeHtml } from './html-text.js';
import { figure, type RenderReportOptions, renderPage } from './page.js';
import { chartRow, metricTile, pageHeader, section } from './page-blocks.js';
import { folderWriter } from './write.js';

export const COMPARE_REPORT_FILE = 'compare.html';
/** Chart keys, in page order; tests and links identify each figure by `data-chart`. */
export const COMPARE_CHART_KEYS = ['accuracy-size', 'accuracy-speed'] as const;

export interface CompareReport {
  title: string;
  createdAt: string;
  /** The labelled images every bundle was scored on. */
  data: { source: string; split: string; images: number; limitPerClass?: number; seed?: number };
  /** Conditions of the throughput measurement. */
  measurement: { backend: string; threads: number; batch: number; runs: number; warmup: number };
  rows: CompareRow[];
  /** Extra notes after the measurement notes. */
  notes?: string[];
  config?: unknown;
}

const CSS = `
.charts { display: flex; flex-wrap: wrap; gap: 16px; margin-top: 16px; }
table.compare { border-collapse: collapse; background: white; font-size: 13px; }
table.compare th, table.compare td { border: 1px solid #e3e3e3; padding: 4px 8px; }
table.compare td.num { text-align: right; font-variant-numeric: tabular-nums; }
table.compare td.path { color: #666; font-size: 12px; overflow-wrap: anywhere; max-width: 260px; }
`;

/** How each column was measured, in the order of the table. */
export function measurementNotes(r: CompareReport): string[] {
  const m = r.measurement;
  const d = r.data;
  const sizes = [...new Set(r.rows.map((x) => x.inputSize))].join(' / ');
  const subset =
    d.limitPerClass !== undefined
      ? `, at most ${d.limitPerClass} per class chosen with seed ${d.seed ?? 0}`
      : '';
  return [
    'params: model.countParams(), every weight including normalization statistics.',
    'nonzero and sparsity: the share of exactly-zero weights in conv and dense kernels; nonzero = params minus those zeros. Magnitude-pruned bundles are stored dense, so their zeros take as many bytes on disk and as much compute as any other weight: pruning shows in these columns, not in size or throughput. After a uint8 / uint16 quantization a pruned weight reads back as exactly zero only where the quantizer put zero on its grid.',
    'disk: bytes of every file in the bundle folder (1 MB = 10^6 bytes); weights: the weight files named in model.json alone.',
    "dtype: how weights are stored, from model.json's weightsManifest (the quantization dtype when quantized, mixes listed largest first). TensorFlow.js dequantizes to float32 on load, so quantization saves disk and download, not inference time.",
    `img/s: ${m.backend} backend, ${m.threads} thread${m.threads === 1 ? '' : 's'}; for each bundle a batch of ${m.batch} random ${sizes} px images (the same seed for every bundle), ${m.warmup} warm-up run${m.warmup === 1 ? '' : 's'} excluded, then the median of ${m.runs} timed runs of model.predict plus reading the result back; measured ${r.createdAt}.`,
    `accuracy and macro F1: ${d.images} images of ${d.source} (split ${d.split}${subset}), the same images for every bundle, each bundle's own preprocessing.`,
  ];
}

function header(r: CompareReport): string {
  const best = (key: (x: CompareRow) => number) =>
    r.rows.reduce((a, b) => (key(b) > key(a) ? b : a));
  const accurate = best((x) => x.accuracy);
  const smallest = best((x) => -x.diskBytes);
  const fastest = best((x) => x.throughput.imagesPerSecond);
  const { data, measurement: m } = r;
  return pageHeader({
    title: r.title,
    createdAt: r.createdAt,
    rows: [
      ['Bundles', `${r.rows.length}`],
      ['Data', escapeHtml(`${data.source} (${data.split}), ${data.images} images`)],
      ['Backend', escapeHtml(`${m.backend}, ${m.threads} thread(s), batch ${m.batch}`)],
    ],
    tiles: [
      metricTile(formatPercent(accurate.accuracy), `most accurate: ${accurate.name}`),
      metricTile(formatMegabytes(smallest.diskBytes), `smallest: ${smallest.name}`),
      metricTile(
        `${formatRate(fastest.throughput.imagesPerSecond)} img/s`,
        `fastest: ${fastest.name}`,
      ),
    ],
  });
}

function table(rows: readonly CompareRow[]): string {
  const textColumns = new Set<string>(['bundle', 'dtype', 'compression']);
  const head = `<tr>${COMPARE_COLUMNS.map((c) => `<th>${escapeHtml(c)}</th>`).join('')}<th>path</th></tr>`;
  const body = rows
    .map((r) => {
      const cells = rowCells(r)
        .map((cell, i) => {
          const cls = textColumns.has(COMPARE_COLUMNS[i]) ? '' : ' class="num"';
          return i === 0 ? `<th>${escapeHtml(cell)}</th>` : `<td${cls}>${escapeHtml(cell)}</td>`;
        })
        .join('');
      return `<tr data-bundle="${escapeHtml(r.name)}">${cells}<td class="path">${escapeHtml(r.bundle)}</td></tr>`;
    })
    .join('\n');
  return `<table class="compare" data-chart="results"><thead>${head}</thead><tbody>
${body}
</tbody></table>`;
}

export async function renderCompareReport(
  r: CompareReport,
  options: RenderReportOptions = {},
): Promise<string> {
  if (r.rows.length === 0) throw badInput('compare report: no bundles to report');
  const points: ComparePoint[] = r.rows.map((x) => ({
    name: x.name,
    accuracy: x.accuracy,
    diskBytes: x.diskBytes,
    imagesPerSecond: x.throughput.imagesPerSecond,
  }));
  const [size, speed] = await Promise.all([
    figure(COMPARE_CHART_KEYS[0], accuracyVsSizeSpec(points), 'No bundle has a measured size.'),
    figure(
      COMPARE_CHART_KEYS[1],
      accuracyVsSpeedSpec(points),
      'No bundle has a measured throughput.',
    ),
  ]);
  return renderPage({
    title: r.title,
    css: CSS,
    header: header(r),
    sections: [section('results', 'Bundles', table(r.rows), chartRow(size, speed))],
    notes: [...measurementNotes(r), ...(r.notes ?? [])],
    config: r.config,
    generator: options.generator,
  });
}

/** Renders the compare report and writes `<dir>/compare.html` atomically. Returns its path. */
export const writeCompareReport = folderWriter(COMPARE_REPORT_FILE, renderCompareReport);
