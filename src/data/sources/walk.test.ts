import assert from 'node:assert/strict';
import { chmod, mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { inputPolicy, setInputPolicy } from '../../guard/index.js';
import { tempDir } from '../test-fixtures.js';
import type { Problem } from '../validate.js';
import { walkFiles } from './walk.js';

async function walkAll(root: string, dir = root) {
  const problems: Problem[] = [];
  const files = await walkFiles({ root, problems }, dir);
  const rel = (p: string) => p.slice(root.length + 1);
  return { files: files.map(rel), problems: problems.map((p) => `${rel(p.path)}: ${p.reason}`) };
}

test('links inside the root are followed; a loop back up is reported once, not walked', async (t) => {
  const root = await tempDir(t);
  await mkdir(join(root, 'a', 'deep'), { recursive: true });
  await writeFile(join(root, 'a', 'deep', 'x.jpg'), 'x');
  await symlink(join(root, 'a', 'deep', 'x.jpg'), join(root, 'a', 'alias.jpg'));
  await symlink('..', join(root, 'a', 'deep', 'up'));
  const { files, problems } = await walkAll(root);
  assert.deepEqual(files, ['a/alias.jpg', 'a/deep/x.jpg']);
  assert.deepEqual(problems, ['a/deep/up: symbolic link loop']);
});

test('--allow-outside-root follows links out of the root; loops are still caught', async (t) => {
  const base = await tempDir(t);
  const root = join(base, 'data');
  const outside = join(base, 'outside');
  await mkdir(join(root, 'c'), { recursive: true });
  await mkdir(outside);
  await writeFile(join(outside, 'o.jpg'), 'o');
  await symlink(outside, join(root, 'c', 'far'));
  await symlink(root, join(outside, 'back'));
  assert.match((await walkAll(root)).problems.join('\n'), /c\/far: 'c\/far' is outside/);
  const before = setInputPolicy({ ...inputPolicy(), allowOutsideRoot: true });
  try {
    const { files, problems } = await walkAll(root);
    assert.deepEqual(files, ['c/far/o.jpg']);
    assert.deepEqual(problems, ['c/far/back: symbolic link loop']);
  } finally {
    setInputPolicy(before);
  }
});

test('two non-UTF-8 names that read the same are reported; a single one is listed', async (t) => {
  const root = await tempDir(t);
  const raw = (...bytes: number[]) => Buffer.concat([Buffer.from(`${root}/`), Buffer.from(bytes)]);
  await writeFile(raw(0x61, 0xe9), 'a');
  await writeFile(raw(0x62, 0xe9), 'b');
  await writeFile(raw(0x62, 0xe8), 'b');
  const { files, problems } = await walkAll(root);
  assert.deepEqual(files, ['a\uFFFD']);
  assert.equal(problems.length, 2);
  assert.match(
    problems[0]!,
    /^b\uFFFD: file name is not valid UTF-8 and reads the same as another/,
  );
});

test('an unreadable folder is reported as permission denied', async (t) => {
  // Root reads any folder whatever its mode: the check only shows for other users.
  if (process.getuid?.() === 0) return t.skip('running as root, which ignores chmod 000');
  const root = await tempDir(t);
  await mkdir(join(root, 'shut'));
  await chmod(join(root, 'shut'), 0);
  t.after(() => chmod(join(root, 'shut'), 0o755));
  assert.deepEqual((await walkAll(root, join(root, 'shut'))).problems, ['shut: permission denied']);
});
