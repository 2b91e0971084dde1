// Test helpers for the report pages (not a test): find an element of a page, list what a page
// would fetch, check the inline charts and element ids, write into a temp folder; for the task
// pages, fixture text that breaks naive HTML and the checks that it came out escaped.
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { XMLValidator } from 'fast-xml-parser';
import { compile, type TopLevelSpec } from 'vega-lite';
import type { SampleImage } from './task-page.js';

/** The element whose start tag carries `attr` (e.g. `data-chart="x"`), up to its closing tag. */
export function element(page: string, attr: string): string {
  const start = page.indexOf(attr);
  assert.ok(start >= 0, `no ${attr} in the page`);
  const tag = page.lastIndexOf('<', start);
  const name = /^<(\w+)/.exec(page.slice(tag))![1];
  const end = page.indexOf(`</${name}>`, start);
  return page.slice(tag, end);
}

/** The body of the element carrying `data-chart="key"`, up to its closing tag. */
export function chart(page: string, key: string): string {
  return element(page, `data-chart="${key}"`);
}

/** Everything in the page a browser would try to fetch: attribute URLs and CSS url()s. */
export function fetchedRefs(page: string): string[] {
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

/** The http(s) URLs in the page's text other than the SVG namespaces; null when none. */
export function strayUrls(page: string): RegExpMatchArray | null {
  return page
    .replace(/xmlns(:xlink)?="http:\/\/www\.w3\.org\/[^"]*"/g, '')
    .match(/https?:\/\/[^\s"<&]*/g);
}

/** Element ids are unique across the page and every `url(#id)` names one of them. */
export function assertIdsUnique(page: string): string[] {
  const ids = [...page.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]);
  assert.equal(new Set(ids).size, ids.length);
  for (const [, ref] of page.matchAll(/url\(#([^)]+)\)/g)) assert.ok(ids.includes(ref), ref);
  return ids;
}

/** Each chart of `labels` is one well-formed inline SVG whose aria label matches. */
export function assertInlineCharts(page: string, labels: Record<string, RegExp>): void {
  for (const [key, label] of Object.entries(labels)) {
    const body = chart(page, key);
    const svgs = body.match(/<svg[\s\S]*?<\/svg>/g) ?? [];
    assert.equal(svgs.length, 1, `${key}: one <svg>`);
    assert.match(body, label, key);
    assert.equal(XMLValidator.validate(svgs[0]), true, `${key}: SVG is well-formed XML`);
  }
}

/** Each spec survives JSON (what a user would paste into the vega editor), has inline data and compiles. */
export function assertSpecsCompile(specs: [name: string, spec: TopLevelSpec | null][]): void {
  for (const [name, spec] of specs) {
    assert.ok(spec, name);
    const parsed = JSON.parse(JSON.stringify(spec)) as TopLevelSpec & { data: { values: [] } };
    assert.ok(Array.isArray(parsed.data.values) && parsed.data.values.length > 0, name);
    assert.ok(compile(parsed).spec, name);
  }
}

/** A spec's inline data rows. */
export const specValues = (s: TopLevelSpec | null) =>
  (s as unknown as { data: { values: Record<string, unknown>[] } }).data.values;

/** Runs `fn` with a fresh temp folder, removed afterwards whatever happens. */
export async function withTempDir(
  prefix: string,
  fn: (dir: string) => Promise<void>,
): Promise<void> {
  const dir = await mkdtemp(path.join(tmpdir(), prefix));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Every `<section id>` of `ids` is in the page. */
export function assertSections(page: string, ids: readonly string[]): void {
  for (const id of ids) assert.match(page, new RegExp(`<section id="${id}"`), id);
}

/**
 * A task page has every section of `sections` and, for each chart key in page order, one
 * well-formed inline SVG with its aria label; no other SVG, no script, a CSP.
 */
export function assertTaskPage(
  page: string,
  sections: readonly string[],
  keys: readonly string[],
  labels: Record<string, RegExp>,
): void {
  assertSections(page, sections);
  assert.deepEqual(Object.keys(labels), [...keys]);
  assertInlineCharts(page, labels);
  assert.equal(page.match(/<svg/g)?.length, keys.length);
  // No scripts, nothing fetched: the CSP and data: images only.
  assert.ok(!/<script/i.test(page));
  assert.match(page, /Content-Security-Policy/);
}

/** A task report's title, samples, config and notes, with text chosen to break naive HTML. */
export async function nastyTaskParts(
  title: string,
  model: string,
  sample: (name: string) => Promise<SampleImage>,
) {
  return {
    title,
    samples: [await sample('images/a <1>.jpg'), await sample('images/b&2.jpg')],
    config: { model, note: '</pre><script>alert("config")</script>' },
    notes: ['Trained <briefly> & on few images.'],
  };
}

/** nastyTaskParts' text (and the class `dog & "co"`) came out escaped; `title` as escaped. */
export function assertTaskTextEscaped(page: string, title: string): void {
  assert.ok(!page.includes('<script>alert(1)</script>'));
  assert.ok(!page.includes('</pre><script>'));
  assert.ok(page.includes('dog &amp; &quot;co&quot;'));
  assert.ok(page.includes(title));
  assert.ok(page.includes('images/a &lt;1&gt;.jpg'));
  assert.ok(page.includes('Trained &lt;briefly&gt; &amp; on few images.'));
}

/** The Samples section holds nastyTaskParts' two images as data: URLs of their bytes. */
export function assertSamplesEmbedded(page: string, samples: readonly SampleImage[]): string {
  const section = chart(page, 'samples');
  const urls = [...section.matchAll(/<img src="data:image\/jpeg;base64,([^"]+)"/g)];
  assert.equal(urls.length, 2);
  assert.deepEqual(
    new Uint8Array(Buffer.from(urls[0][1], 'base64')),
    new Uint8Array(samples[0].image),
  );
  assert.ok(section.includes('<figcaption title="images/b&amp;2.jpg">images/b&amp;2.jpg'));
  return section;
}

/** A task page without history, samples or config says so, and has no empty figures. */
export function assertBareTaskPage(page: string): void {
  assert.match(chart(page, 'losses'), /No loss was logged/);
  assert.ok(!page.includes('data-chart="epoch-values"'));
  assert.match(chart(page, 'samples'), /No sample images/);
  assert.ok(!page.includes('<section id="config"'));
}

/** `write(file)` writes a whole page to `<tmp>/sub/<name>` and returns it, no temp file left. */
export async function assertWritesPage(
  name: string,
  write: (file: string) => Promise<string>,
): Promise<void> {
  await withTempDir('vt-page-', async (dir) => {
    const file = path.join(dir, 'sub', name);
    assert.equal(await write(file), file);
    const page = await readFile(file, 'utf8');
    assert.match(page, /^<!doctype html>/);
    assert.match(page, /Generated by visiontune /);
    // No temp file left beside it.
    assert.deepEqual(await readdir(path.dirname(file)), [name]);
  });
}
