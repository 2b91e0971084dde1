// Test support: the ```ts examples of README's "Library quick start" section, which tests run
// (library-quickstart.e2e.test.ts) and type-check as a package user would (pack-install test).
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import { fileURLToPath } from 'node:url';

const README = fileURLToPath(new URL('../README.md', import.meta.url));

/** The ```ts blocks between the section's heading and the next level-2 heading. */
export async function quickStartBlocks(): Promise<string[]> {
  const readme = await fs.readFile(README, 'utf8');
  const start = readme.indexOf('## Library quick start');
  assert.ok(start >= 0, 'README has no "Library quick start" section');
  const end = readme.indexOf('\n## ', start + 1);
  const section = readme.slice(start, end < 0 ? undefined : end);
  return [...section.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1] ?? '');
}
