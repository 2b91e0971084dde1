import assert from 'node:assert/strict';
import { test } from 'node:test';
import sharp from 'sharp';
import { VisiontuneError } from '../errors.js';
import { TARGET_SERIES } from './adapt-charts.js';
import { NASTY_CLASSES, syntheticAdaptation, syntheticRun } from './fixture.js';
import { escapeHtml, prettyJson, renderReport } from './html.js';
import { assertIdsUnique, assertInlineCharts, chart, fetchedRefs, strayUrls } from './testing.js';

const run = await syntheticRun();
const html = await renderReport(run, { generator: 'visiontune test' });

test('every chart is an inline SVG, identified by its aria label', () => {
  const labels: Record<string, RegExp> = {
    loss: /aria-label="Loss curves/,
    accuracy: /aria-label="Accuracy curves/,
    lr: /aria-label="Learning-rate curve: learning rate per step/,
    confusion: /aria-label="Confusion matrix heatmap/,
    f1: /aria-label="Per-class F1 bar chart/,
    reliability: /aria-label="Reliability diagram/,
  };
  assertInlineCharts(html, labels);
  assert.equal(html.match(/<svg/g)?.length, Object.keys(labels).length);
  // The worst-examples grid and the config block are there too.
  assert.match(chart(html, 'worst'), /<img /);
  assert.match(html, /<pre class="config"/);
});

test('the page fetches nothing: no scripts, links, remote images or url(http', () => {
  assert.deepEqual(fetchedRefs(html), []);
  assert.doesNotMatch(html, /<script|<link|<iframe|<object|<embed|<base|@import/i);
  assert.match(html, /http-equiv="Content-Security-Policy" content="default-src 'none'/);
  // The only http(s) text left is SVG namespaces and the config's URL, shown as text.
  const stray = strayUrls(html);
  assert.deepEqual(stray, ['https://example.com/weights/model.json']);
});

test('the fetch detector itself catches remote references', () => {
  assert.equal(fetchedRefs('<img src="https://x/y.png"><link href=//x/s.css>').length, 2);
  assert.equal(fetchedRefs('<div style="background:url(http://x/y)">').length, 1);
  assert.equal(fetchedRefs('<img src="data:image/png;base64,AA"><a href="#top">').length, 0);
});

test('user text is escaped: labels, title, paths and config', () => {
  assert.doesNotMatch(html, /<x>|<fine-tune>|<v2>|<train>|<\/pre><script/);
  assert.ok(html.includes(escapeHtml("o'neil <x>")));
  assert.ok(html.includes(escapeHtml('dog & "co"')));
  assert.ok(html.includes(escapeHtml('<script>alert(1)</script>')));
  assert.ok(html.includes(`<title>${escapeHtml(run.title)}</title>`));
  // Inside the SVGs, vega's own escaping: text content with &lt; and &amp;.
  const confusion = chart(html, 'confusion');
  assert.ok(confusion.includes("o'neil &lt;x&gt;</text>"));
  assert.ok(confusion.includes('dog &amp; "co"</text>'));
  // No stray tags from labels anywhere: every tag in the page is one we wrote.
  const tags = new Set([...html.matchAll(/<\/?([a-zA-Z][\w:-]*)/g)].map((m) => m[1].toLowerCase()));
  for (const t of tags) {
    assert.ok(!['x', 'script', 'fine-tune', 'v2', 'train'].includes(t), `unexpected <${t}>`);
  }
});

test('confusion heatmap prints every count; the table has them all', () => {
  const confusion = chart(html, 'confusion');
  for (const row of run.confusion) {
    for (const count of row) assert.ok(confusion.includes(`>${count}</text>`), `count ${count}`);
  }
  const texts = [...confusion.matchAll(/>(\d+)<\/text>/g)].map((m) => Number(m[1]));
  const cellTexts = texts.filter((v) => v > 1); // axis/legend text is 0/50/100% or labels
  for (const diag of run.confusion.map((r, i) => r[i])) assert.ok(cellTexts.includes(diag));
  const n = NASTY_CLASSES.length;
  assert.equal(html.match(/<td class="diag">/g)?.length, n);
});

test('the run config is in the page as pretty JSON', () => {
  assert.ok(html.includes(escapeHtml(prettyJson(run.config))));
  assert.match(html, /&quot;batchSize&quot;: 32/);
});

test('header shows data, backbone, method and final metrics', () => {
  const header = html.slice(html.indexOf('<header>'), html.indexOf('</header>'));
  assert.match(header, /pets &lt;v2&gt;/);
  assert.match(header, /mobilenetv2/);
  assert.match(header, /fine-tune/);
  assert.ok(header.includes(`${(run.final.accuracy * 100).toFixed(1)}%`));
  assert.match(header, /macro F1/);
  assert.match(header, /ECE/);
  assert.match(header, />0\.3127</);
});

test('worst examples are real PNG thumbnails with labels and confidence', async () => {
  const grid = chart(html, 'worst');
  const imgs = [...grid.matchAll(/<img src="data:image\/png;base64,([A-Za-z0-9+/=]+)"/g)];
  assert.equal(imgs.length, run.worst.length);
  const first = Buffer.from(imgs[0][1], 'base64');
  assert.deepEqual(new Uint8Array(first), run.worst[0].png);
  const meta = await sharp(first).metadata();
  assert.equal(meta.format, 'png');
  assert.equal(meta.width, 48);
  for (const w of run.worst) {
    assert.ok(grid.includes(`true: <b>${escapeHtml(w.trueLabel)}</b>`));
    assert.ok(grid.includes(`predicted: <b>${escapeHtml(w.predictedLabel)}</b>`));
    assert.ok(grid.includes(`${(w.confidence * 100).toFixed(1)}%`));
  }
});

test('element ids are unique across the inline SVGs', () => {
  const ids = assertIdsUnique(html);
  assert.ok(
    ids.some((id) => id.includes('gradient')),
    'the heatmap legend has a gradient',
  );
});

test('missing curves become a note, not a crash', async () => {
  const sparse = {
    ...run,
    history: run.history.map(({ epoch, trainLoss }) => ({ epoch, trainLoss })),
    lrSteps: undefined,
    reliability: undefined,
    worst: [],
    notes: undefined,
  };
  const page = await renderReport(sparse);
  assert.match(chart(page, 'accuracy'), /No accuracy was recorded/);
  assert.match(chart(page, 'lr'), /No learning rate was recorded/);
  assert.match(chart(page, 'loss'), /<svg/);
  assert.doesNotMatch(page, /data-chart="reliability"/);
  assert.match(chart(page, 'worst'), /No misclassified examples/);
});

test('a confusion matrix of the wrong shape is a BAD_INPUT error naming the field', async () => {
  const bad = { ...run, confusion: run.confusion.slice(1) };
  await assert.rejects(renderReport(bad), (err: unknown) => {
    assert.ok(err instanceof VisiontuneError);
    assert.equal(err.code, 'BAD_INPUT');
    assert.match(err.message, /confusion must be 5x5/);
    return true;
  });
});

test('100 classes render with a readable heatmap and without per-cell text', async () => {
  const classes = Array.from({ length: 100 }, (_, i) => `class_${i}`);
  const big = await syntheticRun(classes);
  const t0 = performance.now();
  const page = await renderReport(big);
  const ms = performance.now() - t0;
  const confusion = chart(page, 'confusion');
  assert.match(confusion, /<svg/);
  assert.match(confusion, /see the table below/);
  assert.ok(!confusion.includes('>37</text>'), 'no cell counts at 100 classes');
  assert.ok(page.length < 3_000_000, `page is ${page.length} bytes`);
  assert.ok(ms < 5000, `took ${ms} ms`);
});

const adapted = await renderReport({ ...run, adaptation: syntheticAdaptation() });

test('no adaptation section unless the run has one', () => {
  assert.doesNotMatch(html, /id="adaptation"|href="#adaptation"|Proxy A-distance/);
  for (const key of ['domain-accuracy', 'discriminator', 'transfer-loss', 'scatter-before']) {
    assert.ok(!html.includes(`data-chart="${key}"`), key);
  }
});

test('adaptation section: criterion, proxy A-distance before → after, five charts', () => {
  const section = chart(adapted, 'adaptation');
  assert.match(section, /<h2>Adaptation \(dann &lt;grl&gt;\)<\/h2>/);
  assert.ok(
    section.includes(`<b>Model selection:</b> ${escapeHtml(syntheticAdaptation().selection)}</p>`),
  );
  assert.match(
    section,
    /<th scope="row">Proxy A-distance<\/th><td>1\.73<\/td><td>0\.61<\/td><td>−1\.12<\/td>/,
  );
  assert.match(section, /Source-only model on the target: <b>58\.0%<\/b>/);
  assert.ok(section.includes(`drawn dashed as “${TARGET_SERIES}”`));
  assert.match(section, /not used for model selection/);
  const labels: Record<string, RegExp> = {
    'domain-accuracy':
      /aria-label="Domain accuracy curves: source accuracy and target accuracy \(not used for selection\)/,
    discriminator: /aria-label="Discriminator accuracy curve/,
    'transfer-loss': /aria-label="Transfer-loss curve/,
    'scatter-before': /aria-label="Domain scatter before adaptation/,
    'scatter-after': /aria-label="Domain scatter after adaptation/,
  };
  assertInlineCharts(adapted, labels);
  assert.ok(chart(adapted, 'domain-accuracy').includes(`>${TARGET_SERIES}</text>`));
  assert.match(chart(adapted, 'scatter-after'), /proxy A-distance 0\.61/);
  assert.equal(adapted.match(/<svg/g)?.length, html.match(/<svg/g)!.length + 5);
  // Between training and evaluation, with a link in the nav.
  const at = (needle: string) => adapted.indexOf(needle);
  assert.ok(at('id="training"') < at('id="adaptation"'));
  assert.ok(at('id="adaptation"') < at('id="evaluation"'));
  assert.match(adapted, /<a href="#adaptation">Adaptation<\/a>/);
});

test('the adapted page still fetches nothing and keeps ids unique', () => {
  assert.deepEqual(fetchedRefs(adapted), []);
  assert.doesNotMatch(adapted, /<script|<link|<iframe|<object|<embed|<base|@import/i);
  const stray = strayUrls(adapted);
  assert.deepEqual(stray, ['https://example.com/weights/model.json']);
  assert.doesNotMatch(adapted, /<grl>|<source-val>/);
  assertIdsUnique(adapted);
});

test('adaptation without target labels, discriminator, scatter or PAD: only what exists', async () => {
  const { scatter: _s, proxyADistance: _p, ...rest } = syntheticAdaptation(false);
  const mmd = {
    ...rest,
    method: 'mmd',
    epochs: rest.epochs.map(({ epoch, sourceAccuracy, transferLoss }) => ({
      epoch,
      sourceAccuracy,
      transferLoss,
    })),
  };
  const page = await renderReport({ ...run, adaptation: mmd });
  const section = chart(page, 'adaptation');
  assert.match(section, /No target labels were given/);
  assert.ok(!page.includes(TARGET_SERIES));
  assert.doesNotMatch(section, /Source-only model/);
  assert.match(section, /proxy A-distance was not computed/);
  assert.match(chart(page, 'domain-accuracy'), /<svg/);
  assert.match(chart(page, 'transfer-loss'), /<svg/);
  for (const key of ['discriminator', 'scatter-before', 'scatter-after']) {
    assert.ok(!page.includes(`data-chart="${key}"`), key);
  }
});

test('target accuracy without targetLabelsGiven is a BAD_INPUT error, not an unmarked curve', async () => {
  const a = syntheticAdaptation(true);
  await assert.rejects(
    renderReport({ ...run, adaptation: { ...a, targetLabelsGiven: false } }),
    (err: unknown) => {
      assert.ok(err instanceof VisiontuneError);
      assert.equal(err.code, 'BAD_INPUT');
      assert.match(err.message, /targetLabelsGiven is false but epoch 1 has targetAccuracy/);
      return true;
    },
  );
  const baselineOnly = { ...syntheticAdaptation(false), sourceOnlyTargetAccuracy: 0.5 };
  await assert.rejects(
    renderReport({ ...run, adaptation: baselineOnly }),
    /sourceOnlyTargetAccuracy is set/,
  );
});
