// Blocks the report pages are built from: the header with its summary and metric tiles,
// sections and rows of charts, tables that fold away. Arguments documented as HTML are
// inserted as they are: escape user text before passing it.
import { escapeHtml } from './html-text.js';

/** A headline number: the value large, its name under it. */
export function metricTile(value: string, name: string): string {
  return `<div class="metric"><div class="value">${escapeHtml(value)}</div><div class="name">${escapeHtml(name)}</div></div>`;
}

/** Name → value rows as a definition list; both are HTML. */
export function summaryList(rows: readonly [name: string, value: string][]): string {
  return `<dl class="summary">${rows.map(([k, v]) => `<dt>${k}</dt><dd>${v}</dd>`).join('')}</dl>`;
}

export interface HeaderParts {
  title: string;
  createdAt?: string;
  /** The summary rows (HTML). */
  rows: readonly [name: string, value: string][];
  /** Metric tiles (see metricTile). */
  tiles: readonly string[];
  /** What the tiles are, for screen readers. */
  tilesLabel?: string;
}

export function pageHeader(h: HeaderParts): string {
  const created =
    h.createdAt === undefined ? '' : `\n<p class="dim">created ${escapeHtml(h.createdAt)}</p>`;
  const label = h.tilesLabel ? ` aria-label="${escapeHtml(h.tilesLabel)}"` : '';
  return `<header>
<h1>${escapeHtml(h.title)}</h1>${created}
${summaryList(h.rows)}
<div class="metrics"${label}>${h.tiles.join('')}</div>
</header>`;
}

/** A page section with its heading; `heading` and `parts` are HTML, one part a line. */
export function section(id: string, heading: string, ...parts: string[]): string {
  return `<section id="${id}"><h2>${heading}</h2>
${parts.join('\n')}
</section>`;
}

/** Figures side by side, wrapping onto the next row when the page is narrow. */
export function chartRow(...figures: string[]): string {
  return `<div class="charts">${figures.join('')}</div>`;
}

/** A header row of column names (HTML). */
export function headRow(names: readonly string[]): string {
  return `<tr>${names.map((n) => `<th>${n}</th>`).join('')}</tr>`;
}

export interface FoldedTable {
  /** The line shown while folded (HTML). */
  summary: string;
  /** Attributes of the table element, with a leading space, e.g. ` class="confusion"`. */
  attrs?: string;
  /** The thead's rows (HTML). */
  head: string;
  /** The tbody's rows (HTML). */
  rows: readonly string[];
  open?: boolean;
}

/** A table behind a disclosure triangle, scrolling inside its box when it is large. */
export function foldedTable(t: FoldedTable): string {
  return `<details${t.open ? ' open' : ''}><summary>${t.summary}</summary>
<div class="scroll"><table${t.attrs ?? ''}><thead>${t.head}</thead><tbody>
${t.rows.join('\n')}
</tbody></table></div></details>`;
}
