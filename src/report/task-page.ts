// The page layout the per-epoch task reports (detection, segmentation) share: a header with the
// headline metrics as tiles, the Metrics table, the Training curves, the task's own sections,
// the sample images, then notes and config. Each task's module supplies only its numbers,
// tables and charts.
import type { TopLevelSpec } from 'vega-lite';
import type { EpochRecord } from '../train/metrics-log.js';
import { dataUrl } from './data-url.js';
import { escapeHtml } from './html-text.js';
import { chartFigures, renderPage } from './page.js';
import { chartRow, headRow, metricTile, pageHeader, section } from './page-blocks.js';

export interface HeadlineRow {
  key: string;
  name: string;
  /** Already formatted as a percentage (or n/a). */
  value: string;
  what: string;
}

/** The headline metrics, one row each with what it measures; `whatHeading` and `footnote` are HTML. */
function headlineTable(
  rows: readonly HeadlineRow[],
  whatHeading: string,
  footnote: string,
): string {
  const body = rows
    .map(
      (h) =>
        `<tr data-metric="${h.key}"><th scope="row">${escapeHtml(h.name)}</th><td class="num">${escapeHtml(h.value)}</td><td class="text dim">${escapeHtml(h.what)}</td></tr>`,
    )
    .join('\n');
  return `<table class="headline" data-chart="headline"><thead>${headRow(['metric', '%', whatHeading])}</thead><tbody>
${body}
</tbody></table>
<p class="dim">${footnote}</p>`;
}

export interface SampleImage {
  /** Shown as the caption, e.g. the image's path. */
  name: string;
  /** Encoded JPEG or PNG. */
  image: Uint8Array;
}

/** The Samples section: each image with its name, after `intro` (HTML); a sentence when none. */
function samplesSection(
  samples: readonly SampleImage[],
  alt: (name: string) => string,
  intro = '',
): string {
  const figures = samples
    .map(
      (s) => `<figure class="sample">
<img src="${dataUrl(s.image)}" alt="${escapeHtml(alt(s.name))}">
<figcaption title="${escapeHtml(s.name)}">${escapeHtml(s.name)}</figcaption>
</figure>`,
    )
    .join('\n');
  const body =
    samples.length > 0
      ? `${intro}<div class="samples">${figures}</div>`
      : '<p class="dim">No sample images were recorded.</p>';
  return `<section id="samples" data-chart="samples"><h2>Samples</h2>
${body}</section>`;
}

/**
 * The Training section of a page whose log has one record per epoch: the losses and, beside
 * them, the other logged values. Most runs log only losses: then no empty second figure.
 */
async function epochTrainingSection(
  losses: TopLevelSpec | null,
  values: TopLevelSpec | null,
): Promise<string> {
  const { figure, optional } = chartFigures(TRAINING_CHART_KEYS);
  const figures = await Promise.all([
    figure('losses', losses, 'No loss was logged.'),
    optional('epoch-values', values),
  ]);
  return section('training', 'Training', chartRow(...figures));
}

/** Styles of the task pages: chart rows, number tables, sample gallery. */
const TASK_PAGE_CSS = `
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

/** What every per-epoch task report carries besides its metrics. */
export interface TaskReport {
  title: string;
  /** The run's metrics log, one record per epoch; every numeric key is plotted. */
  history: readonly EpochRecord[];
  samples: readonly SampleImage[];
  config?: Record<string, unknown>;
  notes?: readonly string[];
}

/** The Training section's chart keys, first on every task page. */
export const TRAINING_CHART_KEYS = ['losses', 'epoch-values'] as const;

export interface TaskPage {
  title: string;
  /** The task's own styles, after TASK_PAGE_CSS. */
  css: string;
  /** The header's summary rows (HTML). */
  summary: readonly [name: string, value: string][];
  headline: {
    rows: readonly HeadlineRow[];
    /** The keys of the rows shown as tiles in the header, in row order. */
    tiles: readonly string[];
    /** The Metrics section's heading (HTML), e.g. `Metrics (val)`. */
    heading: string;
    /** The third column's heading and the note under the table (HTML). */
    whatHeading: string;
    footnote: string;
  };
  /** The Training section's charts. */
  training: { losses: TopLevelSpec | null; values: TopLevelSpec | null };
  /** The task's sections between Training and Samples; the nav links them by heading. */
  sections: readonly { id: string; heading: string; parts: readonly string[] }[];
  samples: { images: readonly SampleImage[]; alt: (name: string) => string; intro?: string };
  notes?: readonly string[];
  config?: unknown;
  generator?: string;
}

export async function renderTaskPage(p: TaskPage): Promise<string> {
  const { rows, tiles, heading, whatHeading, footnote } = p.headline;
  const header = pageHeader({
    title: p.title,
    rows: p.summary,
    tiles: rows.filter((h) => tiles.includes(h.key)).map((h) => metricTile(h.value, h.name)),
    tilesLabel: 'headline metrics',
  });
  return renderPage({
    title: p.title,
    css: `${TASK_PAGE_CSS}${p.css}`,
    header,
    nav: [
      ['metrics', 'Metrics'],
      ['training', 'Training'],
      ...p.sections.map((s) => [s.id, s.heading] as const),
      ['samples', 'Samples'],
    ],
    sections: [
      section('metrics', heading, headlineTable(rows, whatHeading, footnote)),
      await epochTrainingSection(p.training.losses, p.training.values),
      ...p.sections.map((s) => section(s.id, s.heading, ...s.parts)),
      samplesSection(p.samples.images, p.samples.alt, p.samples.intro),
    ],
    notes: p.notes,
    config: p.config,
    generator: p.generator,
  });
}
