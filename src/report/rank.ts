// The rank report: one self-contained HTML page (inline CSS and SVG, no scripts, a CSP that
// forbids every fetch) with the recommendation, the scores per layer of each backbone as charts,
// and every candidate in a table, best first. `writeRankReport` is the Node edge: it writes
// `report.html` atomically.
import { rankCells, rankColumns } from '../methods/rank/rank-format.js';
import type { RankResult } from '../methods/rank/run-rank.js';
import { escapeHtml } from './html-text.js';
import { figure, type RenderReportOptions, renderPage } from './page.js';
import { chartRow, headRow, metricTile, pageHeader, section } from './page-blocks.js';
import { layerScoreSpec } from './rank-charts.js';
import { folderWriter, REPORT_FILE } from './write.js';

export interface RankReport {
  title: string;
  createdAt: string;
  result: RankResult;
  config?: unknown;
}

const CSS = `
.charts { display: flex; flex-wrap: wrap; gap: 16px; margin-top: 16px; }
table.rank { border-collapse: collapse; background: white; font-size: 13px; }
table.rank th, table.rank td { border: 1px solid #e3e3e3; padding: 3px 8px; }
table.rank td.num { text-align: right; font-variant-numeric: tabular-nums; }
p.recommendation { font-size: 15px; }
`;

function table(result: RankResult): string {
  const probe = result.rows.some((r) => r.probe !== undefined);
  const columns = rankColumns(probe);
  const names = columns.length - 2;
  const rows = result.rows.map((r, i) => {
    const cells = rankCells(r, i, probe)
      .map((cell, c) => `<td${c < names ? ' class="num"' : ''}>${escapeHtml(cell)}</td>`)
      .join('');
    return `<tr>${cells}</tr>`;
  });
  return `<table class="rank" data-chart="candidates"><thead>${headRow(columns.map(escapeHtml))}</thead><tbody>
${rows.join('\n')}
</tbody></table>`;
}

export async function renderRankReport(
  r: RankReport,
  options: RenderReportOptions = {},
): Promise<string> {
  const { result } = r;
  const best = result.best;
  const backbones = [...new Set(result.rows.map((x) => x.backbone))];
  const charts = await Promise.all(
    backbones.flatMap((b, i) =>
      (['logme', 'hscore'] as const).map((score) =>
        figure(
          `${score}-${i}`,
          layerScoreSpec(result.rows, b, score),
          `No single-layer scores for ${b}.`,
        ),
      ),
    ),
  );
  return renderPage({
    title: r.title,
    css: CSS,
    header: pageHeader({
      title: r.title,
      createdAt: r.createdAt,
      rows: [
        ['Data', escapeHtml(`${result.data}, ${result.classes.length} classes`)],
        ['Scored on', `${result.images} training images`],
        ['Candidates', `${result.rows.length}`],
      ],
      tiles: [
        metricTile(best.logme.toFixed(3), 'best LogME'),
        metricTile(`${best.imageSize} px`, `size: ${best.backbone}`),
        metricTile(best.layer, 'layer'),
      ],
    }),
    nav: [
      ['scores', 'Scores per layer'],
      ['candidates', 'Candidates'],
    ],
    sections: [
      section(
        'scores',
        'Scores per layer',
        `<p class="recommendation">${escapeHtml(result.recommendation)}</p>`,
        chartRow(...charts),
      ),
      section('candidates', 'Candidates, best LogME first', table(result)),
    ],
    notes: [
      'LogME (You et al. 2021) of each layer’s pooled, standardized features: the default score, as --layer auto computes it. H-score: the Ledoit–Wolf shrinkage form (Ibrahim et al. 2022) of the same features.',
      'embed s: one forward pass of the scored images through the backbone at that size, pooling every candidate layer at once (the same time for each of its layers); * marks a pass served from the embedding cache.',
      ...result.notes,
    ],
    config: r.config,
    generator: options.generator,
  });
}

/** Renders the rank report and writes `<dir>/report.html` atomically. Returns its path. */
export const writeRankReport = folderWriter(REPORT_FILE, renderRankReport);
