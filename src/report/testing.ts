// Test helpers for the report pages (not a test): find an element of a page, list what a page
// would fetch, check the inline charts and element ids, write into a temp folder.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { XMLValidator } from 'fast-xml-parser';
import { compile, type TopLevelSpec } from 'vega-lite';

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
