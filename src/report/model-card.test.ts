import assert from 'node:assert/strict';
import { test } from 'node:test';
import { syntheticRun } from './fixture.js';
import { escapeMarkdown, modelCardFromReport, renderModelCard } from './model-card.js';

const run = await syntheticRun();

test('the card has every section, the metrics table and the load instructions', () => {
  const md = renderModelCard(modelCardFromReport(run, { bundleDir: 'bundles/pets' }));
  for (const h of [
    '## Data',
    '## Backbone',
    '## Method',
    '## Metrics',
    '## Intended use',
    '## Limits',
    '## How to load',
  ]) {
    assert.ok(md.includes(`\n${h}\n`), h);
  }
  assert.ok(md.includes(`| accuracy | ${(run.final.accuracy * 100).toFixed(1)}% |`));
  assert.ok(md.includes(`| macro F1 | ${(run.final.macroF1! * 100).toFixed(1)}% |`));
  assert.ok(md.includes('| ECE | 4.3% |'));
  assert.ok(md.includes('| loss | 0.3127 |'));
  assert.ok(md.includes('Weights source: npm nsfwjs 4.3.0'));
  assert.ok(md.includes('Weights licence: MIT'));
  assert.ok(md.includes('fine-tune: unfroze the last 2 blocks at lr x0.1'));
  assert.ok(md.includes('visiontune predict --model bundles/pets img.jpg'));
  assert.ok(md.includes("await loadBundle('bundles/pets')"));
  assert.ok(md.includes('1200 train, 150 validation, 256 test'));
  assert.match(md, /test split of pets &lt;v2&gt; \(256 images\)/);
});

test('labels cannot break the tables or inject HTML', () => {
  const md = renderModelCard(modelCardFromReport(run));
  assert.ok(md.includes('| a\\|b \\*star\\* |'));
  assert.ok(md.includes('| &lt;script&gt;alert(1)&lt;/script&gt; |'));
  assert.doesNotMatch(md.replace(/`[^`\n]*`/g, ''), /<script|<x>|<v2>/);
  assert.equal(escapeMarkdown('a_b [c](d)\nx'), 'a\\_b \\[c\\](d) x');
});

test('missing facts are said, not skipped; user prose is kept', () => {
  const card = modelCardFromReport(run, {
    intendedUse: ['Sorting **my** pet photos.'],
    limits: ['Never saw night-time images.'],
    bundleDir: "my bundle's dir",
  });
  card.backbone = { name: 'resnet50' };
  const md = renderModelCard(card);
  assert.ok(md.includes('- Sorting **my** pet photos.'));
  assert.ok(md.includes('- Never saw night-time images.'));
  assert.ok(md.includes('Weights licence: not recorded'));
  assert.match(md, /licence of the pretrained weights is not recorded/);
  assert.ok(md.includes("visiontune predict --model 'my bundle'\\''s dir' img.jpg"));
  assert.ok(md.includes("loadBundle('my bundle\\'s dir')"));
});
