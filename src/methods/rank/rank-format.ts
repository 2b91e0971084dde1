// How `visiontune rank` rows read as text: the columns, each row's cells, and the plain-text
// table the CLI prints. Shared by the HTML report so both show the same numbers.
import type { RankRow } from './run-rank.js';

/** Numeric columns first, then the names (long layer names last, so the table stays aligned). */
export function rankColumns(probe: boolean): string[] {
  return [
    '#',
    'logme',
    'hscore',
    ...(probe ? ['probe'] : []),
    'leep',
    'nce',
    'dim',
    'embed s',
    'size',
    'backbone',
    'layer',
  ];
}

const na = (v: number | null | undefined, digits: number) =>
  v === null || v === undefined ? 'n/a' : v.toFixed(digits);

export function rankCells(row: RankRow, index: number, probe: boolean): string[] {
  return [
    String(index + 1),
    row.logme.toFixed(3),
    row.hscore.toFixed(3),
    ...(probe ? [na(row.probe, 3)] : []),
    na(row.leep, 3),
    na(row.nce, 3),
    String(row.dim),
    `${row.embedSeconds.toFixed(1)}${row.cached ? '*' : ''}`,
    String(row.imageSize),
    row.backbone,
    row.layer,
  ];
}

/** The rows as an aligned table: numbers right-aligned, names left-aligned. */
export function formatRankTable(rows: readonly RankRow[]): string {
  const probe = rows.some((r) => r.probe !== undefined);
  const head = rankColumns(probe);
  const table = [head, ...rows.map((r, i) => rankCells(r, i, probe))];
  const widths = head.map((_, c) => Math.max(...table.map((r) => r[c]!.length)));
  const names = head.length - 2;
  return table
    .map((cells) =>
      cells
        .map((cell, c) => (c >= names ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
