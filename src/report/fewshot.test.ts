import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { VisiontuneError } from '../errors.js';
import {
  compareToUntrained,
  formatAccuracy,
  formatChange,
  formatSeconds,
  renderFewShotReport,
  writeFewShotReport,
} from './fewshot.js';
import type { FewShotMethodReport, FewShotReport, MetaTrainPoint } from './fewshot-types.js';
import { escapeHtml } from './html.js';
import { assertIdsUnique, element, withTempDir } from './testing.js';

/** A smooth rising curve with a little noise; a validation check every `valEvery` points. */
function curve(steps: number, every: number, valEvery: number, from: number, to: number) {
  const out: MetaTrainPoint[] = [];
  for (let i = 0, s = 0; s <= steps; i++, s += every) {
    const acc = from + (to - from) * (1 - Math.exp((-4 * s) / steps)) + 0.015 * Math.sin(i);
    const p: MetaTrainPoint = {
      step: s,
      loss: 1.6 * (1 - acc) + 0.1,
      accuracy: acc,
      seconds: s / 3,
    };
    if (valEvery > 0 && i % valEvery === 0) {
      p.valAccuracy = acc - 0.04;
      p.valCi95 = 0.012;
    }
    out.push(p);
  }
  return out;
}

const acc = (shots: number, mean: number, ci95: number, episodes = 600) => ({
  shots,
  mean,
  ci95,
  episodes,
});

/** Names chosen to break naive HTML: tags, ampersands, quotes. */
const MAML = 'maml <first-order>';

function fixture(): FewShotReport {
  const methods: FewShotMethodReport[] = [
    {
      method: 'centroid',
      settings: { metric: 'cosine' },
      results: [acc(1, 0.482, 0.0081), acc(5, 0.671, 0.0069)],
      history: [],
      metaSeconds: 0,
      evalSeconds: 12.4,
    },
    {
      method: 'protonet',
      settings: { outerLr: 0.001, metric: 'euclidean', trainShots: [1, 5] },
      results: [acc(1, 0.553, 0.0084), acc(5, 0.731, 0.0065)],
      untrained: [acc(1, 0.47, 0.008), acc(5, 0.725, 0.007)],
      history: curve(1000, 20, 5, 0.4, 0.75),
      bestStep: 800,
      metaSeconds: 312.5,
      evalSeconds: 20.1,
    },
    {
      method: MAML,
      settings: { innerSteps: 5, testInnerSteps: 10, innerLr: 0.01, firstOrder: true },
      results: [acc(1, 0.5, 0.009), acc(5, 0.68, 0.007)],
      untrained: [acc(1, 0.44, 0.009), acc(5, 0.7, 0.007)],
      history: curve(500, 10, 0, 0.3, 0.6),
      metaSeconds: 1500,
      evalSeconds: 95,
    },
    {
      method: 'finetune-head',
      settings: { headSteps: 100, headLr: 0.01 },
      results: [acc(1, 0.46, 0.0088, 300), acc(5, 0.69, 0.0068)],
      history: [],
      metaSeconds: 0,
      evalSeconds: 140,
    },
  ];
  return {
    title: 'Few-shot <fashion> & co',
    createdAt: '2025-01-01T00:00:00.000Z',
    pools: [
      {
        role: 'test',
        source: 'fashion-mnist',
        classes: ['shirt', 'sneaker', 'bag', 'ankle <boot>'],
        images: 2400,
      },
      {
        role: 'train',
        source: 'fashion-mnist',
        classes: ['t-shirt', 'trouser', 'pullover', 'dress'],
        images: 2400,
      },
      { role: 'val', source: 'fashion-mnist', classes: ['coat', 'sandal & "co"'], images: 1200 },
    ],
    backbone: {
      name: 'mobilenet_v2',
      pretrained: true,
      inputSize: 96,
      trainableBlocks: ['block_15', 'block_16'],
    },
    evaluation: { ways: 5, shots: [1, 5], queries: 15, episodes: 600, seed: 7 },
    methods,
    config: { data: 'fashion-mnist', methods: ['centroid', 'protonet'], note: '</pre><script>' },
    notes: ['cached features at <block_14>'],
  };
}

const report = fixture();
const html = await renderFewShotReport(report, { generator: 'visiontune test' });

/** The cells of one results row, as text with tags stripped. */
function row(method: string): string[] {
  const tr = element(element(html, 'data-chart="results"'), `data-method="${escapeHtml(method)}"`);
  return [...tr.matchAll(/<t[hd][^>]*>(.*?)<\/t[hd]>/g)].map((m) =>
    m[1].replace(/<[^>]+>/g, '').trim(),
  );
}

test('formatting: mean ± CI, signed change, durations', () => {
  assert.equal(formatAccuracy({ mean: 0.7134, ci95: 0.0081 }), '71.3 ± 0.8%');
  assert.equal(formatAccuracy({ mean: Number.NaN, ci95: 0 }), 'n/a');
  assert.equal(formatChange(0.083), '+8.3 pts');
  assert.equal(formatChange(-0.02), '−2.0 pts');
  assert.equal(formatSeconds(4.25), '4.3 s');
  assert.equal(formatSeconds(312.5), '5 min 13 s');
  assert.equal(formatSeconds(7384), '2 h 03 min');
  assert.equal(formatSeconds(Number.NaN), '—');
});

test('the change counts only when it exceeds both intervals added', () => {
  assert.equal(compareToUntrained(acc(1, 0.55, 0.008), acc(1, 0.47, 0.008)).verdict, 'gain');
  assert.equal(compareToUntrained(acc(1, 0.73, 0.007), acc(1, 0.72, 0.007)).verdict, 'within');
  assert.equal(compareToUntrained(acc(1, 0.68, 0.007), acc(1, 0.7, 0.007)).verdict, 'loss');
});

test('results table: mean ± CI per method and shot, untrained value and flagged change', () => {
  assert.deepEqual(row('centroid'), [
    'centroid',
    '48.2 ± 0.8%',
    '—',
    '—',
    '67.1 ± 0.7%',
    '—',
    '—',
    'eval 12 s',
  ]);
  assert.deepEqual(row('protonet'), [
    'protonet',
    '55.3 ± 0.8%',
    '47.0 ± 0.8%',
    '+8.3 pts ✓ beyond the CIs',
    '73.1 ± 0.7%',
    '72.5 ± 0.7%',
    '+0.6 pts within the CIs',
    'meta 5 min 13 s · eval 20 s',
  ]);
  assert.deepEqual(row(MAML).slice(1, 7), [
    '50.0 ± 0.9%',
    '44.0 ± 0.9%',
    '+6.0 pts ✓ beyond the CIs',
    '68.0 ± 0.7%',
    '70.0 ± 0.7%',
    '−2.0 pts ✗ worse beyond the CIs',
  ]);
  // A result over fewer episodes than the protocol says so.
  assert.equal(row('finetune-head')[1], '46.0 ± 0.9% (300 ep.)');
  const table = element(html, 'data-chart="results"');
  assert.equal(table.match(/class="change gain"/g)?.length, 2);
  assert.equal(table.match(/class="change loss"/g)?.length, 1);
  assert.equal(table.match(/class="change within"/g)?.length, 1);
  // The best mean per setting is bold: protonet at both.
  assert.deepEqual(
    [...table.matchAll(/<td class="acc best">([^<]*)</g)].map((m) => m[1]),
    ['55.3 ± 0.8%', '73.1 ± 0.7%'],
  );
  assert.match(table, /<th scope="colgroup" colspan="3" class="shot">1-shot<\/th>/);
});

test('every method and every interval appears in the page', () => {
  for (const m of report.methods) {
    assert.ok(html.includes(`data-method="${escapeHtml(m.method)}"`), m.method);
    for (const a of [...m.results, ...(m.untrained ?? [])]) {
      assert.ok(html.includes(formatAccuracy(a)), `${m.method} ${a.shots}-shot`);
    }
  }
  const header = element(html, '<header>');
  assert.match(header, /55\.3 ± 0\.8%<\/div><div class="name">best 1-shot: protonet/);
  assert.match(header, /mobilenet_v2 <span class="dim">\(pretrained, 96 px\)/);
  assert.match(header, /<code>block_15<\/code> <code>block_16<\/code>/);
});

test('the protocol names ways, shots, queries, episodes, seed and the CI formula', () => {
  const p = element(html, 'data-chart="protocol"');
  assert.match(
    p,
    /5-way 1-shot \/ 5-shot, 15 queries per class, 600 test episodes fixed by seed 7/,
  );
  assert.match(p, /same episodes/);
  assert.match(p, /1\.96·s\/√600/);
});

test('pools list every class, meta-train first, and state they are disjoint', () => {
  const pools = element(html, '<section id="pools">');
  const roles = [...pools.matchAll(/data-role="(\w+)"/g)].map((m) => m[1]);
  assert.deepEqual(roles, ['train', 'val', 'test']);
  for (const p of report.pools) {
    for (const c of p.classes)
      assert.ok(pools.includes(`<span class="class">${escapeHtml(c)}</span>`), c);
  }
  assert.match(
    pools,
    /<p class="disjoint">Meta-train, meta-validation and meta-test classes are disjoint: none of the 4 meta-test classes/,
  );
  assert.doesNotMatch(pools, /class="warn"/);
});

test('a class in both meta-train and meta-test is a visible warning naming it', async () => {
  const leaky = fixture();
  leaky.pools[1].classes = [...leaky.pools[1].classes, 'bag'];
  const page = await renderFewShotReport(leaky);
  const pools = element(page, '<section id="pools">');
  assert.match(
    pools,
    /<p class="warn"><b>Not disjoint:<\/b> 1 class of the meta-test pool is also in the meta-train pool: <span class="class">bag<\/span>/,
  );
  assert.doesNotMatch(pools, /class="disjoint"/);
});

test('both charts are inline SVGs with descriptions; ids are unique across them', () => {
  const accuracy = element(html, 'data-chart="fewshot-accuracy"');
  assert.equal(accuracy.match(/<svg/g)?.length, 1);
  assert.match(
    accuracy,
    /<svg role="img" aria-label="Few-shot accuracy chart: mean test accuracy with 95% confidence intervals per method, 1-shot and 5-shot, with accuracy before meta-training"/,
  );
  assert.ok(accuracy.includes('>before meta-training</text>'));
  const meta = element(html, 'data-chart="meta-training"');
  assert.equal(meta.match(/<svg/g)?.length, 1);
  // Only the meta-trained methods have a learning curve.
  assert.ok(
    meta.includes(
      `for protonet, ${escapeHtml(MAML)}; meta-validation accuracy; the step kept by meta-validation"`,
    ),
  );
  assert.doesNotMatch(meta, /centroid|finetune-head/);
  assert.equal(html.match(/<svg/g)?.length, 2);
  assertIdsUnique(html);
});

test('user text is escaped everywhere; the page fetches nothing', () => {
  assert.ok(html.includes(`<title>${escapeHtml(report.title)}</title>`));
  assert.ok(html.includes(`<th scope="row">${escapeHtml(MAML)}</th>`));
  assert.ok(html.includes(escapeHtml('cached features at <block_14>')));
  assert.ok(html.includes('&quot;&lt;/pre&gt;&lt;script&gt;&quot;'));
  const tags = new Set([...html.matchAll(/<\/?([a-zA-Z][\w:-]*)/g)].map((m) => m[1].toLowerCase()));
  for (const t of ['first-order', 'fashion', 'boot', 'block_14', 'script']) {
    assert.ok(!tags.has(t), `unexpected <${t}>`);
  }
  assert.doesNotMatch(html, /<script|<link|<iframe|<img|@import/i);
  assert.match(html, /http-equiv="Content-Security-Policy" content="default-src 'none'/);
  assert.match(html, /<footer>Generated by visiontune test\.<\/footer>/);
});

test('per-method settings, meta-training summary, config and notes', () => {
  const proto = element(element(html, '<section id="methods">'), 'data-method="protonet"');
  assert.match(proto, /<dt>outerLr<\/dt><dd><code>0\.001<\/code><\/dd>/);
  assert.match(proto, /<code>\[ 1, 5 \]<\/code>/);
  assert.match(proto, /1000 outer steps, 5 min 13 s, kept step 800 by meta-validation/);
  const centroid = element(element(html, '<section id="methods">'), 'data-method="centroid"');
  assert.match(centroid, /none: evaluated as is/);
  assert.match(element(html, 'data-chart="config"'), /&quot;data&quot;: &quot;fashion-mnist&quot;/);
  assert.match(html, /<section id="notes">/);
});

test('without meta-learners: no learning curve, no before columns', async () => {
  const plain = fixture();
  plain.methods = plain.methods.filter((m) => m.history.length === 0);
  const page = await renderFewShotReport(plain);
  assert.match(
    element(page, 'data-chart="meta-training"'),
    /class="chart missing".*No method was meta-trained/,
  );
  assert.equal(page.match(/<svg/g)?.length, 1);
  assert.doesNotMatch(page, /<th>before meta-training<\/th>/);
  assert.match(page, /<th scope="colgroup" colspan="1" class="shot">5-shot<\/th>/);
});

test('no methods is a BAD_INPUT error; a method run twice gets a numbered row', async () => {
  await assert.rejects(renderFewShotReport({ ...report, methods: [] }), (err: unknown) => {
    assert.ok(err instanceof VisiontuneError);
    assert.equal(err.code, 'BAD_INPUT');
    assert.match(err.message, /no methods to report/);
    return true;
  });
  const twice = await renderFewShotReport({
    ...report,
    methods: [report.methods[0], report.methods[0]],
  });
  const rows = [...element(twice, 'data-chart="results"').matchAll(/<tr data-method="([^"]+)"/g)];
  assert.deepEqual(
    rows.map((m) => m[1]),
    ['centroid', 'centroid #2'],
  );
});

test('writeFewShotReport writes report.html whole and returns its path', async () => {
  await withTempDir('vt-fewshot-', async (dir) => {
    const out = path.join(dir, 'run');
    const file = await writeFewShotReport(out, report);
    assert.equal(file, path.join(out, 'report.html'));
    const page = await readFile(file, 'utf8');
    assert.match(page, /^<!doctype html>/);
    assert.match(page, /<\/html>\n$/);
    assert.match(page, /Generated by visiontune \d/);
    assert.deepEqual(await readdir(out), ['report.html']);
  });
});
