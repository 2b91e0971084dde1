// The run report: one self-contained HTML page (inline CSS, inline SVG charts, thumbnails as
// data: URLs, no scripts). A Content-Security-Policy forbids every fetch, so a page that
// works once works offline. Every piece of user text (labels, ids, paths, config) goes through
// `escapeHtml`. Platform-free: no fs, no Buffer.
import { badInput } from '../errors.js';
import {
  discriminatorSpec,
  domainAccuracySpec,
  domainScatterSpec,
  TARGET_SERIES,
  transferLossSpec,
} from './adapt-charts.js';
import {
  accuracyCurveSpec,
  confusionSpec,
  f1BarsSpec,
  lossCurveSpec,
  lrCurveSpec,
  reliabilitySpec,
} from './charts.js';
import { dataUrl } from './data-url.js';
import { formatMetric, metricName } from './format.js';
import { escapeHtml } from './html-text.js';
import { chartFigures, type RenderReportOptions, renderPage } from './page.js';
import { chartRow, foldedTable, headRow, metricTile, pageHeader, section } from './page-blocks.js';
import type { AdaptationSummary, RunReport, WorstExample } from './types.js';

export { dataUrl, toBase64 } from './data-url.js';
export { escapeHtml, prettyJson } from './html-text.js';
export type { RenderReportOptions } from './page.js';

function checkShape(run: RunReport): void {
  const n = run.data.classes.length;
  if (run.confusion.length !== n || run.confusion.some((row) => row.length !== n)) {
    const cols = run.confusion.map((r) => r.length);
    throw badInput(
      `run report: confusion must be ${n}x${n} (data.classes has ${n} labels), got ${run.confusion.length} rows of [${[...new Set(cols)].join(', ')}] columns`,
    );
  }
  const a = run.adaptation;
  // Target accuracy without the flag would be drawn unmarked or silently dropped; neither is
  // acceptable for numbers that must never look like they chose the model.
  if (a && !a.targetLabelsGiven) {
    const epoch = a.epochs.find((e) => e.targetAccuracy !== undefined);
    if (epoch || a.sourceOnlyTargetAccuracy !== undefined) {
      throw badInput(
        `run report: adaptation.targetLabelsGiven is false but ${epoch ? `epoch ${epoch.epoch} has targetAccuracy` : 'sourceOnlyTargetAccuracy is set'}`,
      );
    }
  }
}

/** Chart keys, in page order. Tests and links identify each figure by `data-chart`. */
export const CHART_KEYS = [
  'loss',
  'accuracy',
  'lr',
  'domain-accuracy',
  'discriminator',
  'transfer-loss',
  'scatter-before',
  'scatter-after',
  'confusion',
  'f1',
  'reliability',
] as const;
export type ChartKey = (typeof CHART_KEYS)[number];

const { figure, optional: optionalFigure } = chartFigures(CHART_KEYS);

function header(run: RunReport): string {
  const { data, backbone, method } = run;
  const counts = `${data.classes.length} classes · train ${data.train} · val ${data.val} · test ${data.test}`;
  const weights = [backbone.weights, backbone.inputSize ? `${backbone.inputSize} px` : '']
    .filter(Boolean)
    .join(', ');
  const rows: [string, string][] = [
    ['Data', `${escapeHtml(data.name)} <span class="dim">(${escapeHtml(counts)})</span>`],
    [
      'Backbone',
      `${escapeHtml(backbone.name)}${weights ? ` <span class="dim">(${escapeHtml(weights)})</span>` : ''}`,
    ],
    [
      'Method',
      `${escapeHtml(method.name)}${method.summary ? ` <span class="dim">— ${escapeHtml(method.summary)}</span>` : ''}`,
    ],
    ['Evaluated on', escapeHtml(run.evaluatedOn ?? 'test')],
  ];
  const tiles = Object.entries(run.final)
    .filter((e): e is [string, number] => typeof e[1] === 'number')
    .map(([k, v]) => metricTile(formatMetric(k, v), metricName(k)));
  return pageHeader({
    title: run.title,
    createdAt: run.createdAt,
    rows,
    tiles,
    tilesLabel: 'final metrics',
  });
}

function confusionTable(run: RunReport): string {
  const classes = run.data.classes;
  const head = classes.map((c) => `<th scope="col">${escapeHtml(c)}</th>`).join('');
  const rows = run.confusion.map(
    (row, i) =>
      `<tr><th scope="row">${escapeHtml(classes[i])}</th>${row.map((v, j) => `<td${i === j ? ' class="diag"' : ''}>${escapeHtml(v)}</td>`).join('')}</tr>`,
  );
  return foldedTable({
    summary: 'Confusion matrix as a table (rows: true, columns: predicted)',
    attrs: ' class="confusion"',
    head: `<tr><th></th>${head}</tr>`,
    rows,
  });
}

function perClassTable(run: RunReport): string {
  const f = (v: number) => (Number.isFinite(v) ? v.toFixed(3) : escapeHtml(v));
  const rows = run.perClass.map(
    (c) =>
      `<tr><th scope="row">${escapeHtml(c.label)}</th><td>${f(c.precision)}</td><td>${f(c.recall)}</td><td>${f(c.f1)}</td><td>${escapeHtml(c.support)}</td></tr>`,
  );
  return foldedTable({
    summary: 'Per-class precision, recall, F1, support',
    head: headRow(['class', 'precision', 'recall', 'F1', 'support']),
    rows,
  });
}

function worstCard(w: WorstExample): string {
  const conf = Number.isFinite(w.confidence) ? `${(w.confidence * 100).toFixed(1)}%` : '?';
  const alt = `true ${w.trueLabel}, predicted ${w.predictedLabel} at ${conf}`;
  return `<figure class="example">
<img src="${dataUrl(w.png)}" alt="${escapeHtml(alt)}" width="128" height="128">
<figcaption><div class="true">true: <b>${escapeHtml(w.trueLabel)}</b></div><div class="pred">predicted: <b>${escapeHtml(w.predictedLabel)}</b> <span class="conf">${escapeHtml(conf)}</span></div><div class="id" title="${escapeHtml(w.id)}">${escapeHtml(w.id)}</div></figcaption>
</figure>`;
}

function worstSection(run: RunReport): string {
  const split = run.evaluatedOn ?? 'test';
  const body =
    run.worst.length > 0
      ? `<div class="grid">${run.worst.map(worstCard).join('\n')}</div>`
      : '<p class="dim">No misclassified examples were recorded.</p>';
  return `<section id="worst" data-chart="worst"><h2>Worst misclassified (${escapeHtml(split)})</h2>
<p class="dim">Most confidently wrong first; the percentage is the probability given to the predicted label.</p>
${body}</section>`;
}

const pad = (v: number) => (Number.isFinite(v) ? v.toFixed(2) : escapeHtml(v));

/** Proxy A-distance before → after and the change, in one row: the direction reads at a glance. */
function padTable(a: AdaptationSummary): string {
  if (!a.proxyADistance) return '<p class="dim">The proxy A-distance was not computed.</p>';
  const { before, after } = a.proxyADistance;
  const change = after - before;
  const sign = change > 0 ? '+' : change < 0 ? '−' : '±';
  return `<table class="adapt"><thead><tr><th></th><th>before</th><th>after</th><th>change</th></tr></thead><tbody>
<tr><th scope="row">Proxy A-distance</th><td>${pad(before)}</td><td>${pad(after)}</td><td>${sign}${pad(Math.abs(change))}</td></tr>
</tbody></table>
<p class="dim">Proxy A-distance between source and target features: 2(1 − 2ε), ε the test error of a linear classifier trained to tell the domains apart. 0 = indistinguishable, 2 = perfectly separable; lower after adaptation means more domain-invariant features (which alone does not guarantee the classes line up).</p>`;
}

async function adaptationSection(a: AdaptationSummary): Promise<string> {
  const scatter = a.scatter;
  const [accuracy, discriminator, transfer, before, after] = await Promise.all([
    figure('domain-accuracy', domainAccuracySpec(a), 'No per-epoch domain accuracy was recorded.'),
    // Non-adversarial methods have no discriminator and some log no transfer loss: no figure.
    optionalFigure('discriminator', discriminatorSpec(a.epochs)),
    optionalFigure('transfer-loss', transferLossSpec(a.epochs)),
    scatter
      ? figure(
          'scatter-before',
          domainScatterSpec(scatter.before, 'before', a.proxyADistance?.before),
          'No features before adaptation.',
        )
      : '',
    scatter
      ? figure(
          'scatter-after',
          domainScatterSpec(scatter.after, 'after', a.proxyADistance?.after),
          'No features after adaptation.',
        )
      : '',
  ]);
  const target = a.targetLabelsGiven
    ? `Target labels were given: target accuracy is drawn dashed as “${escapeHtml(TARGET_SERIES)}”, for reference only. It was not used for model selection.`
    : 'No target labels were given, so no target accuracy is shown.';
  const baseline =
    a.targetLabelsGiven &&
    typeof a.sourceOnlyTargetAccuracy === 'number' &&
    Number.isFinite(a.sourceOnlyTargetAccuracy)
      ? `<p>Source-only model on the target: <b>${escapeHtml(formatMetric('accuracy', a.sourceOnlyTargetAccuracy))}</b> accuracy <span class="dim">(the baseline adaptation has to beat; not used for selection)</span>.</p>`
      : '';
  return `<section id="adaptation" data-chart="adaptation"><h2>Adaptation (${escapeHtml(a.method)})</h2>
<p class="selection"><b>Model selection:</b> ${escapeHtml(a.selection)}</p>
<p class="dim">${target}</p>
${baseline}
${padTable(a)}
${chartRow(accuracy, discriminator, transfer)}
${scatter ? chartRow(before, after) : ''}
</section>`;
}

const CSS = `
.charts { display: flex; flex-wrap: wrap; gap: 16px; align-items: flex-start; }
figure.chart figcaption { font-size: 12px; color: #666; margin-top: 4px; }
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(150px, 1fr)); gap: 12px; }
figure.example { background: white; border: 1px solid #e3e3e3; border-radius: 8px; padding: 8px; font-size: 12px; }
figure.example img { display: block; width: 128px; height: 128px; object-fit: contain; margin: 0 auto 6px; image-rendering: pixelated; background: #eee; }
figure.example .pred b { color: #b22222; }
figure.example .true b { color: #1a7f37; }
figure.example .conf { color: #555; }
figure.example .id { color: #888; font-size: 11px; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
details { margin: 10px 0; }
summary { cursor: pointer; color: #2a5db0; }
.scroll { overflow: auto; max-height: 480px; }
table { border-collapse: collapse; font-size: 12px; background: white; }
th, td { border: 1px solid #e3e3e3; padding: 2px 6px; text-align: right; }
td.diag { background: #e6f0fa; font-weight: 600; }
p.selection { background: white; border: 1px solid #e3e3e3; border-left: 4px solid #2a5db0; border-radius: 4px; padding: 8px 12px; }
table.adapt { font-size: 14px; margin: 8px 0; }
table.adapt td, table.adapt th { padding: 4px 10px; }
`;

/** Renders the whole report page. Throws a BAD_INPUT error when the shapes disagree. */
export async function renderReport(
  run: RunReport,
  options: RenderReportOptions = {},
): Promise<string> {
  checkShape(run);
  const split = run.evaluatedOn ?? 'test';
  const n = run.data.classes.length;
  const [loss, accuracy, lr, confusion, f1, reliability] = await Promise.all([
    figure('loss', lossCurveSpec(run.history), 'No loss was recorded.'),
    figure('accuracy', accuracyCurveSpec(run.history), 'No accuracy was recorded.'),
    figure('lr', lrCurveSpec(run.history, run.lrSteps), 'No learning rate was recorded.'),
    figure(
      'confusion',
      confusionSpec(run.confusion, run.data.classes, split),
      '',
      n > 40 ? 'Too many classes to print counts in the cells; see the table below.' : '',
    ),
    figure('f1', f1BarsSpec(run.perClass, split), 'No per-class metrics were recorded.'),
    run.reliability
      ? figure('reliability', reliabilitySpec(run.reliability, split), 'No calibration bins.')
      : Promise.resolve(''),
  ]);
  const adaptation = run.adaptation ? await adaptationSection(run.adaptation) : '';
  return renderPage({
    title: run.title,
    css: CSS,
    header: header(run),
    nav: [
      ['training', 'Training'],
      ...(adaptation ? [['adaptation', 'Adaptation'] as const] : []),
      ['evaluation', 'Evaluation'],
      ['worst', 'Worst examples'],
    ],
    sections: [
      section('training', 'Training', chartRow(loss, accuracy, lr)),
      adaptation,
      section(
        'evaluation',
        `Evaluation (${escapeHtml(split)})`,
        chartRow(confusion, f1, reliability),
        confusionTable(run),
        perClassTable(run),
      ),
      worstSection(run),
    ],
    notes: run.notes,
    config: run.config,
    generator: options.generator,
  });
}
