import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { VisiontuneError } from '../errors.js';
import type { CompareRow } from '../methods/compress/compare.js';
import { type CompareReport, renderCompareReport, writeCompareReport } from './compare.js';
import { escapeHtml } from './html-text.js';

function row(name: string, o: Partial<CompareRow>): CompareRow {
  const runMs = [10, 11, 12];
  return {
    bundle: `runs/${name}`,
    name,
    backbone: 'mobilenet_v2',
    inputSize: 96,
    params: 2_300_000,
    kernelParams: 2_200_000,
    zeroKernelParams: 0,
    nonzeroParams: 2_300_000,
    sparsity: 0,
    diskBytes: 9_300_000,
    weightsBytes: 9_200_000,
    weightDtype: 'float32',
    throughput: {
      imagesPerSecond: 32_000 / 11,
      minImagesPerSecond: 32_000 / 12,
      maxImagesPerSecond: 32_000 / 10,
      medianMs: 11,
      runMs,
      batch: 32,
      runs: 3,
      warmup: 2,
      inputSize: 96,
    },
    accuracy: 0.9,
    macroF1: 0.89,
    evaluated: 500,
    compression: [],
    compressionText: '—',
    ...o,
  };
}

const report: CompareReport = {
  title: 'Compare <light> & co',
  createdAt: '2026-01-01T00:00:00.000Z',
  data: { source: 'fashion-mnist', split: 'test', images: 500, limitPerClass: 50, seed: 0 },
  measurement: { backend: 'wasm', threads: 1, batch: 32, runs: 3, warmup: 2 },
  rows: [
    row('base', {}),
    row('pruned <50%>', {
      zeroKernelParams: 1_100_000,
      nonzeroParams: 1_200_000,
      sparsity: 0.5,
      accuracy: 0.89,
      compressionText: 'prune-magnitude sparsity 50.0% ← runs/base',
    }),
    row('uint8', {
      diskBytes: 2_400_000,
      weightsBytes: 2_300_000,
      weightDtype: 'uint8',
      accuracy: 0.885,
      compressionText: 'quantize uint8 ← runs/base',
    }),
  ],
  notes: ['an extra <note>'],
  config: { bundles: ['runs/base'] },
};

const html = await renderCompareReport(report, { generator: 'visiontune test' });

/** Everything in the page a browser would try to fetch: attribute URLs and CSS url()s. */
function fetchedRefs(page: string): string[] {
  const refs: string[] = [];
  for (const [tag] of page.matchAll(/<[a-zA-Z][^>]*>/g)) {
    for (const m of tag.matchAll(
      /\s(?:src|href|xlink:href|srcset|action|poster|data)\s*=\s*("([^"]*)"|'([^']*)'|([^\s>]+))/gi,
    )) {
      const value = m[2] ?? m[3] ?? m[4] ?? '';
      if (!value.startsWith('data:') && !value.startsWith('#')) refs.push(`${tag.slice(0, 60)}…`);
    }
  }
  for (const m of page.matchAll(/url\(\s*['"]?([^'")]*)/g)) {
    if (!m[1].startsWith('#') && !m[1].startsWith('data:')) refs.push(m[0]);
  }
  return refs;
}

/** The cells of one table row, tags stripped. */
function cells(name: string): string[] {
  const start = html.indexOf(`data-bundle="${escapeHtml(name)}"`);
  assert.ok(start >= 0, `no row for ${name}`);
  const tr = html.slice(start, html.indexOf('</tr>', start));
  return [...tr.matchAll(/<t[hd][^>]*>(.*?)<\/t[hd]>/g)].map((m) => m[1].replace(/<[^>]+>/g, ''));
}

test('both trade-off charts are inline SVGs, identified by their aria labels', () => {
  for (const [key, label] of [
    ['accuracy-size', 'Accuracy against size on disk: one labelled point per bundle, 3 bundles'],
    ['accuracy-speed', 'Accuracy against throughput: one labelled point per bundle, 3 bundles'],
  ]) {
    const start = html.indexOf(`data-chart="${key}"`);
    assert.ok(start >= 0, `no ${key} figure`);
    const fig = html.slice(start, html.indexOf('</figure>', start));
    assert.match(fig, /<svg role="img" aria-label="([^"]+)"/);
    assert.ok(fig.includes(`aria-label="${label}"`), key);
  }
});

test('one table row per bundle with its measurements, user text escaped', () => {
  assert.equal(html.match(/<tr data-bundle=/g)?.length, 3);
  assert.deepEqual(cells('base').slice(0, 11), [
    'base',
    '2.30M',
    '2.30M',
    '0.0%',
    '9.30 MB',
    '9.20 MB',
    'float32',
    '2909',
    '90.0%',
    '0.890',
    '—',
  ]);
  const pruned = cells('pruned <50%>');
  assert.equal(pruned[0], 'pruned &lt;50%&gt;');
  assert.equal(pruned[2], '1.20M');
  assert.equal(pruned[3], '50.0%');
  assert.equal(pruned[10], 'prune-magnitude sparsity 50.0% ← runs/base');
  assert.equal(cells('uint8')[6], 'uint8');
  assert.ok(!html.includes('<light>') && !html.includes('<note>'));
});

test('notes say how each column was measured', () => {
  const notes = html.slice(html.indexOf('<section id="notes">'));
  assert.match(notes, /stored dense/);
  assert.match(notes, /wasm backend, 1 thread; for each bundle a batch of 32 random 96 px images/);
  assert.match(notes, /2 warm-up runs excluded, then the median of 3 timed runs/);
  assert.match(notes, /measured 2026-01-01T00:00:00\.000Z/);
  assert.match(
    notes,
    /500 images of fashion-mnist \(split test, at most 50 per class chosen with seed 0\)/,
  );
  assert.match(notes, /an extra &lt;note&gt;/);
});

test('the page fetches nothing', () => {
  assert.deepEqual(fetchedRefs(html), []);
  assert.match(html, /http-equiv="Content-Security-Policy" content="default-src 'none'/);
  const stray = html
    .replace(/xmlns(:xlink)?="http:\/\/www\.w3\.org\/[^"]*"/g, '')
    .match(/https?:\/\/[^\s"<&]*/g);
  assert.equal(stray, null);
});

test('writes compare.html; no rows is bad input', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'vt-compare-report-'));
  try {
    const file = await writeCompareReport(path.join(dir, 'out'), report);
    assert.equal(path.basename(file), 'compare.html');
    assert.match(await readFile(file, 'utf8'), /Generated by visiontune \d/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  await assert.rejects(
    renderCompareReport({ ...report, rows: [] }),
    (err: unknown) => err instanceof VisiontuneError && err.exitCode === 2,
  );
});
