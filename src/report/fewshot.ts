// The few-shot run report: one self-contained HTML page (inline CSS and SVG, no scripts, a CSP
// that forbids every fetch) with the backbone, the class pools (listed, so the reader sees the
// meta-train and meta-test classes are disjoint), the evaluation protocol, a methods × shots
// table of mean ± 95% CI with each meta-learner's gain over its untrained network, the accuracy
// and meta-training charts, per-method settings and the run config. All user text goes through
// escapeHtml. `writeFewShotReport` is the Node edge: it writes `report.html` atomically.
import { badInput } from '../errors.js';
import { finite } from './charts.js';
import { fewShotAccuracySpec, isMetaTrained, metaTrainingSpec } from './fewshot-charts.js';
import type { FewShotMethodReport, FewShotReport, ShotAccuracy } from './fewshot-types.js';
import { escapeHtml, prettyJson } from './html-text.js';
import { chartFigures, type RenderReportOptions, renderPage } from './page.js';
import { chartRow, metricTile, pageHeader, section, summaryList } from './page-blocks.js';
import { folderWriter } from './write.js';

export const FEWSHOT_REPORT_FILE = 'report.html';

/** Chart keys, in page order; tests and links identify each figure by `data-chart`. */
export const FEWSHOT_CHART_KEYS = ['fewshot-accuracy', 'meta-training'] as const;
export type FewShotChartKey = (typeof FEWSHOT_CHART_KEYS)[number];

const ROLE_NAMES = { train: 'meta-train', val: 'meta-validation', test: 'meta-test' } as const;
const ROLES = ['train', 'val', 'test'] as const;

/** A fraction as a percentage with one decimal, e.g. 0.7134 -> `71.3`. */
const pct = (v: number): string => (v * 100).toFixed(1);

/** `71.3 ± 0.8%`, as few-shot papers (and the runner's log) write it. */
export function formatAccuracy(a: Pick<ShotAccuracy, 'mean' | 'ci95'>): string {
  if (!finite(a.mean)) return 'n/a';
  return finite(a.ci95) ? `${pct(a.mean)} ± ${pct(Math.abs(a.ci95))}%` : `${pct(a.mean)}%`;
}

/** Change in percentage points with an explicit sign: `+8.3 pts`, `−0.6 pts`. */
export function formatChange(delta: number): string {
  const sign = delta > 0 ? '+' : delta < 0 ? '−' : '±';
  return `${sign}${pct(Math.abs(delta))} pts`;
}

export type GainVerdict = 'gain' | 'loss' | 'within';

/**
 * Meta-trained versus untrained on the same episodes: `gain` or `loss` when the change exceeds
 * the two 95% half-widths added (the intervals do not overlap), else `within`. Conservative:
 * on shared episodes a paired test would call more changes real.
 */
export function compareToUntrained(
  after: ShotAccuracy,
  before: ShotAccuracy,
): { delta: number; margin: number; verdict: GainVerdict } {
  const delta = after.mean - before.mean;
  const margin = Math.abs(after.ci95 || 0) + Math.abs(before.ci95 || 0);
  const verdict = Math.abs(delta) > margin ? (delta > 0 ? 'gain' : 'loss') : 'within';
  return { delta, margin, verdict };
}

/** `42 s`, `5 min 12 s`, `2 h 03 min`; a dash for nothing measured. */
export function formatSeconds(s: number): string {
  if (!finite(s) || s < 0) return '—';
  if (s < 60) return `${s < 10 ? s.toFixed(1) : Math.round(s)} s`;
  const total = Math.round(s);
  if (total < 3600) return `${Math.floor(total / 60)} min ${total % 60} s`;
  const min = Math.floor((total % 3600) / 60);
  return `${Math.floor(total / 3600)} h ${String(min).padStart(2, '0')} min`;
}

/**
 * Throws a BAD_INPUT error when there is no method to report. Two methods with one name (the
 * same method run twice) get ` #2`, ` #3`… rather than failing a finished run: the table rows
 * and the chart series are keyed by name.
 */
function checkReport(r: FewShotReport): FewShotReport {
  if (r.methods.length === 0) {
    throw badInput(
      'few-shot report: no methods to report; evaluate at least one method before writing the report',
    );
  }
  const seen = new Map<string, number>();
  const methods = r.methods.map((m) => {
    const n = (seen.get(m.method) ?? 0) + 1;
    seen.set(m.method, n);
    return n === 1 ? m : { ...m, method: `${m.method} #${n}` };
  });
  return { ...r, methods };
}

/** Every K-shot setting of the protocol and of any result, ascending. */
function shotSettings(r: FewShotReport): number[] {
  const all = [
    ...r.evaluation.shots,
    ...r.methods.flatMap((m) => [...m.results, ...(m.untrained ?? [])].map((a) => a.shots)),
  ];
  return [...new Set(all.filter(finite))].sort((a, b) => a - b);
}

const atShots = (list: readonly ShotAccuracy[] | undefined, k: number) =>
  list?.find((a) => a.shots === k && finite(a.mean));

function protocolText(r: FewShotReport): string {
  const e = r.evaluation;
  const shots = e.shots.map((k) => `${k}-shot`).join(' / ');
  return `${e.ways}-way ${shots}, ${e.queries} queries per class, ${e.episodes} test episodes fixed by seed ${e.seed}`;
}

const { figure } = chartFigures(FEWSHOT_CHART_KEYS);

function header(r: FewShotReport): string {
  const b = r.backbone;
  const weights = [
    b.pretrained ? 'pretrained' : 'random init',
    finite(b.inputSize) ? `${b.inputSize} px` : '',
  ]
    .filter(Boolean)
    .join(', ');
  const blocks =
    b.trainableBlocks.length > 0
      ? b.trainableBlocks.map((x) => `<code>${escapeHtml(x)}</code>`).join(' ')
      : '<span class="dim">none: the backbone is frozen</span>';
  const rows: [string, string][] = [
    ['Backbone', `${escapeHtml(b.name)} <span class="dim">(${escapeHtml(weights)})</span>`],
    ...(b.layer === undefined
      ? []
      : [['Pooled layer', `<code>${escapeHtml(b.layer)}</code>`] as [string, string]]),
    ['Trainable blocks', blocks],
    ['Methods', r.methods.map((m) => escapeHtml(m.method)).join(', ')],
    ['Evaluation', escapeHtml(protocolText(r))],
  ];
  // Headline: the best method per K-shot setting.
  const tiles = shotSettings(r).map((k) => {
    const best = bestAt(r.methods, k);
    return best ? metricTile(formatAccuracy(best.result), `best ${k}-shot: ${best.method}`) : '';
  });
  return pageHeader({
    title: r.title,
    createdAt: r.createdAt,
    rows,
    tiles,
    tilesLabel: 'best method per setting',
  });
}

function bestAt(
  methods: readonly FewShotMethodReport[],
  k: number,
): { method: string; result: ShotAccuracy } | undefined {
  let best: { method: string; result: ShotAccuracy } | undefined;
  for (const m of methods) {
    const a = atShots(m.results, k);
    if (a && (!best || a.mean > best.result.mean)) best = { method: m.method, result: a };
  }
  return best;
}

function poolsSection(r: FewShotReport): string {
  const pools = [...r.pools].sort((a, b) => ROLES.indexOf(a.role) - ROLES.indexOf(b.role));
  const rows = pools
    .map(
      (p) =>
        `<tr data-role="${p.role}"><th scope="row">${ROLE_NAMES[p.role] ?? escapeHtml(p.role)}</th><td class="text">${escapeHtml(p.source)}</td><td>${p.classes.length}</td><td>${escapeHtml(p.images)}</td><td class="text classes">${p.classes.map((c) => `<span class="class">${escapeHtml(c)}</span>`).join(' ')}</td></tr>`,
    )
    .join('\n');
  const table = `<table class="pools"><thead><tr><th>pool</th><th>source</th><th>classes</th><th>images</th><th>class names</th></tr></thead><tbody>
${rows}
</tbody></table>`;
  return section('pools', 'Class pools', table, disjointness(r));
}

/** States that the pools share no class, or warns, naming the classes, when they do. */
function disjointness(r: FewShotReport): string {
  const byRole = (role: 'train' | 'val' | 'test') => r.pools.filter((p) => p.role === role);
  const names = (role: 'train' | 'val' | 'test') => new Set(byRole(role).flatMap((p) => p.classes));
  const sources = (role: 'train' | 'val' | 'test') => new Set(byRole(role).map((p) => p.source));
  const problems: string[] = [];
  const pairs = [
    ['train', 'test'],
    ['train', 'val'],
    ['val', 'test'],
  ] as const;
  for (const [a, b] of pairs) {
    const shared = [...names(a)].filter((c) => names(b).has(c));
    if (shared.length === 0) continue;
    const sameSource = [...sources(a)].some((s) => sources(b).has(s));
    const list = shared.map((c) => `<span class="class">${escapeHtml(c)}</span>`).join(' ');
    problems.push(
      sameSource
        ? `<p class="warn"><b>Not disjoint:</b> ${shared.length} class${shared.length === 1 ? '' : 'es'} of the ${ROLE_NAMES[b]} pool ${shared.length === 1 ? 'is' : 'are'} also in the ${ROLE_NAMES[a]} pool: ${list}. Accuracies on these classes do not measure learning new classes from few examples.</p>`
        : `<p class="warn">Class names shared by the ${ROLE_NAMES[a]} and ${ROLE_NAMES[b]} pools, which come from different sources: ${list}. Check they are different classes.</p>`,
    );
  }
  if (problems.length > 0) return problems.join('\n');
  const test = names('test').size;
  const train = names('train').size;
  if (test === 0) return '<p class="dim">No meta-test pool was listed.</p>';
  const val = names('val').size;
  const pools = val > 0 ? 'Meta-train, meta-validation and meta-test' : 'Meta-train and meta-test';
  return `<p class="disjoint">${pools} classes are disjoint: none of the ${test} meta-test classes was seen in meta-training (${train} classes)${val > 0 ? ` or meta-validation (${val})` : ''}. Every test episode asks for classes the network has never been trained on.</p>`;
}

function protocolSection(r: FewShotReport): string {
  const e = r.evaluation;
  return `<p class="protocol" data-chart="protocol"><b>Protocol:</b> ${escapeHtml(protocolText(r))}; every method is evaluated on the same episodes. Accuracy is the mean over episodes ± the 95% confidence interval 1.96·s/√${escapeHtml(e.episodes)}, s the standard deviation of per-episode accuracy (each episode: ${escapeHtml(e.ways)} classes × ${escapeHtml(e.queries)} queries).</p>`;
}

function resultsTable(r: FewShotReport): string {
  const shots = shotSettings(r);
  const withBefore = r.methods.some((m) => (m.untrained?.length ?? 0) > 0);
  const span = withBefore ? 3 : 1;
  const best = new Map(shots.map((k) => [k, bestAt(r.methods, k)?.method]));
  const head1 = shots
    .map((k) => `<th scope="colgroup" colspan="${span}" class="shot">${k}-shot</th>`)
    .join('');
  const head2 = withBefore
    ? `<tr>${shots.map(() => '<th>accuracy</th><th>before meta-training</th><th>change</th>').join('')}</tr>`
    : '';
  const rowSpan = withBefore ? ' rowspan="2"' : '';
  const body = r.methods
    .map((m) => {
      const cells = shots.map((k) => {
        const a = atShots(m.results, k);
        const episodes =
          a && a.episodes !== r.evaluation.episodes
            ? ` <span class="dim">(${escapeHtml(a.episodes)} ep.)</span>`
            : '';
        const isBest = a && best.get(k) === m.method;
        const acc = a
          ? `<td class="acc${isBest ? ' best' : ''}">${escapeHtml(formatAccuracy(a))}${episodes}</td>`
          : '<td class="acc dim">—</td>';
        if (!withBefore) return acc;
        const u = atShots(m.untrained, k);
        if (!u) return `${acc}<td class="before dim">—</td><td class="change dim">—</td>`;
        const before = `<td class="before">${escapeHtml(formatAccuracy(u))}</td>`;
        if (!a) return `${acc}${before}<td class="change dim">—</td>`;
        const { delta, margin, verdict } = compareToUntrained(a, u);
        const flag = {
          gain: '✓ beyond the CIs',
          loss: '✗ worse beyond the CIs',
          within: 'within the CIs',
        }[verdict];
        const title = `change ${formatChange(delta)}; the two 95% half-widths add up to ${pct(margin)} pts`;
        return `${acc}${before}<td class="change ${verdict}" title="${escapeHtml(title)}">${escapeHtml(formatChange(delta))} <span class="flag">${flag}</span></td>`;
      });
      const time = isMetaTrained(m)
        ? `meta ${formatSeconds(m.metaSeconds)} · eval ${formatSeconds(m.evalSeconds)}`
        : `eval ${formatSeconds(m.evalSeconds)}`;
      return `<tr data-method="${escapeHtml(m.method)}"><th scope="row">${escapeHtml(m.method)}</th>${cells.join('')}<td class="time">${escapeHtml(time)}</td></tr>`;
    })
    .join('\n');
  const legend = withBefore
    ? `<p class="dim">Before meta-training: the same network and method before any outer step, on the same test episodes. The change is flagged ✓ when it exceeds both 95% half-widths added (the intervals do not overlap), a conservative check since both were measured on the same episodes. Bold: best mean per setting.</p>`
    : '<p class="dim">Bold: best mean per setting.</p>';
  return `<div class="scroll"><table class="results" data-chart="results"><thead><tr><th${rowSpan}>method</th>${head1}<th${rowSpan}>time</th></tr>${head2}</thead><tbody>
${body}
</tbody></table></div>
${legend}`;
}

function settingValue(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || v === null || v === undefined) {
    return String(v);
  }
  return prettyJson(v).replace(/\s*\n\s*/g, ' ');
}

function methodSection(r: FewShotReport, m: FewShotMethodReport): string {
  const rows: [string, string][] = Object.entries(m.settings).map(([k, v]) => [
    escapeHtml(k),
    `<code>${escapeHtml(settingValue(v))}</code>`,
  ]);
  if (isMetaTrained(m)) {
    const steps = m.history.length > 0 ? Math.max(...m.history.map((p) => p.step)) : undefined;
    const parts = [
      finite(steps) ? `${steps} outer steps` : 'no learning curve logged',
      formatSeconds(m.metaSeconds),
    ];
    if (finite(m.bestStep)) parts.push(`kept step ${m.bestStep} by meta-validation`);
    rows.push(['meta-training', escapeHtml(parts.join(', '))]);
  } else {
    rows.push(['meta-training', '<span class="dim">none: evaluated as is</span>']);
  }
  rows.push([
    'evaluation',
    escapeHtml(`${formatSeconds(m.evalSeconds)} for ${r.evaluation.episodes} episodes per setting`),
  ]);
  return `<div class="method" data-method="${escapeHtml(m.method)}"><h3>${escapeHtml(m.method)}</h3>
${summaryList(rows)}</div>`;
}

const CSS = `
h3 { margin: 0 0 6px; font-size: 16px; }
.charts { display: flex; flex-wrap: wrap; gap: 16px; align-items: flex-start; margin-top: 16px; }
.scroll { overflow: auto; }
table { border-collapse: collapse; font-size: 13px; background: white; }
th, td { border: 1px solid #e3e3e3; padding: 4px 8px; text-align: right; }
th.shot { text-align: center; }
td.text { text-align: left; }
td.classes { max-width: 640px; }
span.class { display: inline-block; background: #eef2f7; border-radius: 4px; padding: 0 5px; margin: 1px 0; font-size: 12px; }
table.results td.acc { white-space: nowrap; }
table.results td.best { font-weight: 700; }
table.results td.before { color: #666; white-space: nowrap; }
table.results td.change { white-space: nowrap; }
td.change.gain .flag { color: #1a7f37; }
td.change.loss .flag { color: #b22222; }
td.change.within .flag { color: #777; }
td.change .flag { font-size: 11px; }
td.time { color: #666; font-size: 12px; white-space: nowrap; }
p.protocol, p.disjoint, p.warn { background: white; border: 1px solid #e3e3e3; border-radius: 4px; padding: 8px 12px; }
p.protocol { border-left: 4px solid #2a5db0; }
p.disjoint { border-left: 4px solid #1a7f37; }
p.warn { border-left: 4px solid #b22222; background: #fff5f5; }
.methods { display: grid; grid-template-columns: repeat(auto-fill, minmax(300px, 1fr)); gap: 12px; }
.method { background: white; border: 1px solid #e3e3e3; border-radius: 8px; padding: 10px 14px; font-size: 13px; }
.method dl.summary { margin: 4px 0; }
`;

/**
 * Renders the few-shot report page. Throws a BAD_INPUT error when there is no method to report.
 */
export async function renderFewShotReport(
  r: FewShotReport,
  options: RenderReportOptions = {},
): Promise<string> {
  r = checkReport(r);
  const anyMeta = r.methods.some(isMetaTrained);
  const [accuracy, meta] = await Promise.all([
    figure(
      'fewshot-accuracy',
      fewShotAccuracySpec(r.methods, r.evaluation.ways),
      'No test accuracy was recorded.',
    ),
    figure(
      'meta-training',
      metaTrainingSpec(r.methods),
      anyMeta
        ? 'No meta-training learning curve was recorded.'
        : 'No method was meta-trained: every method was evaluated as is.',
    ),
  ]);
  return renderPage({
    title: r.title,
    css: CSS,
    header: header(r),
    nav: [
      ['pools', 'Pools'],
      ['results', 'Results'],
      ['meta-training', 'Meta-training'],
      ['methods', 'Methods'],
    ],
    sections: [
      poolsSection(r),
      section('results', 'Results', protocolSection(r), resultsTable(r), chartRow(accuracy)),
      section('meta-training', 'Meta-training', chartRow(meta)),
      section(
        'methods',
        'Methods',
        `<div class="methods">${r.methods.map((m) => methodSection(r, m)).join('\n')}</div>`,
      ),
    ],
    notes: r.notes,
    config: r.config,
    generator: options.generator,
  });
}

/** Renders the few-shot report and writes `<dir>/report.html` atomically. Returns its path. */
export const writeFewShotReport = folderWriter(FEWSHOT_REPORT_FILE, renderFewShotReport);
