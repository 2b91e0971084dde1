import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { confine } from './confine.js';

test('a dangling link out of the root is refused like one to an existing file', async (t) => {
  const base = await mkdtemp(join(tmpdir(), 'vt-confine-'));
  t.after(() => rm(base, { recursive: true, force: true }));
  const root = join(base, 'root');
  await mkdir(root);
  await writeFile(join(base, 'there.txt'), 'x');
  await symlink(join(base, 'there.txt'), join(root, 'a'));
  await symlink(join(base, 'gone.txt'), join(root, 'b'));
  await symlink('inside-gone.txt', join(root, 'c'));
  await symlink('d', join(root, 'd'));
  const a = await confine(root, 'a');
  const b = await confine(root, 'b');
  assert.ok('reason' in a && 'reason' in b);
  assert.equal(a.reason.replace("'a'", "'x'"), b.reason.replace("'b'", "'x'"));
  assert.deepEqual(await confine(root, 'c'), { path: join(root, 'c') });
  assert.deepEqual(await confine(root, 'd'), { reason: 'symbolic link loop' });
});
