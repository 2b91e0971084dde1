import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { confine, isWithin } from './confine.js';
import { inputPolicy, setInputPolicy } from './policy.js';

let tmp: string;
let root: string;
before(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'vt-confine-'));
  root = path.join(tmp, 'root');
  await fs.mkdir(path.join(root, 'a', 'b'), { recursive: true });
  await fs.writeFile(path.join(root, 'a', 'b', 'in.jpg'), 'x');
  await fs.writeFile(path.join(tmp, 'secret.txt'), 'secret');
  await fs.symlink(path.join(tmp, 'secret.txt'), path.join(root, 'link-out'));
  await fs.symlink(path.join(tmp, 'missing.txt'), path.join(root, 'link-missing'));
  await fs.symlink(tmp, path.join(root, 'dir-out'));
  await fs.symlink(path.join(root, 'a'), path.join(root, 'dir-in'));
});
after(() => fs.rm(tmp, { recursive: true, force: true }));

test('isWithin: the root and its descendants only', () => {
  assert.ok(isWithin('/r', '/r'));
  assert.ok(isWithin('/r', '/r/x/y'));
  assert.ok(isWithin('/r', '/r/..x')); // a name starting with two dots stays inside
  assert.ok(!isWithin('/r', '/rx'));
  assert.ok(!isWithin('/r', '/'));
  assert.ok(!isWithin('/r/x', '/r'));
});

test('paths inside the root resolve, through symlinks that stay inside', async () => {
  assert.deepEqual(await confine(root, 'a/b/in.jpg'), { path: path.join(root, 'a/b/in.jpg') });
  assert.deepEqual(await confine(root, './a/../a/b/in.jpg'), {
    path: path.join(root, 'a/b/in.jpg'),
  });
  assert.deepEqual(await confine(root, 'dir-in/b/in.jpg'), {
    path: path.join(root, 'dir-in/b/in.jpg'),
  });
  // A missing file inside the root is not refused here: the caller reports it as missing.
  assert.deepEqual(await confine(root, 'a/nope.jpg'), { path: path.join(root, 'a/nope.jpg') });
});

test('every way out is refused, with one message whether the target exists or not', async () => {
  const cases = [
    ['../secret.txt', '../missing.txt'],
    [path.join(tmp, 'secret.txt'), path.join(tmp, 'missing.txt')],
    ['link-out', 'link-missing'],
    ['dir-out/secret.txt', 'dir-out/missing.txt'],
  ];
  for (const [existing, missing] of cases) {
    const a = await confine(root, existing!);
    const b = await confine(root, missing!);
    assert.ok('reason' in a && 'reason' in b, `${existing} / ${missing} not refused`);
    assert.equal(a.reason.replace(existing!, 'X'), b.reason.replace(missing!, 'X'));
    assert.match(a.reason, /is outside .* --allow-outside-root/);
  }
  assert.deepEqual(await confine(root, 'a\0b'), { reason: 'path contains a NUL character' });
});

test('--allow-outside-root lifts the rule for data, never for a bundle', async () => {
  const before = inputPolicy();
  setInputPolicy({ allowOutsideRoot: true });
  try {
    assert.deepEqual(await confine(root, '../secret.txt'), { path: path.join(tmp, 'secret.txt') });
    const bundle = await confine(root, '../secret.txt', { always: true });
    assert.ok('reason' in bundle && /a bundle reads only its own files/.test(bundle.reason));
  } finally {
    setInputPolicy(before);
  }
});

test('a symlink loop is named as one', async () => {
  await fs.symlink('loop2', path.join(root, 'loop1'));
  await fs.symlink('loop1', path.join(root, 'loop2'));
  assert.deepEqual(await confine(root, 'loop1/x.jpg'), { reason: 'symbolic link loop' });
});

test('a dangling link out of the root is refused like one to an existing file', async (t) => {
  const base = await fs.mkdtemp(path.join(os.tmpdir(), 'vt-confine-'));
  t.after(() => fs.rm(base, { recursive: true, force: true }));
  const root = path.join(base, 'root');
  await fs.mkdir(root);
  await fs.writeFile(path.join(base, 'there.txt'), 'x');
  await fs.symlink(path.join(base, 'there.txt'), path.join(root, 'a'));
  await fs.symlink(path.join(base, 'gone.txt'), path.join(root, 'b'));
  await fs.symlink('inside-gone.txt', path.join(root, 'c'));
  await fs.symlink('d', path.join(root, 'd'));
  const a = await confine(root, 'a');
  const b = await confine(root, 'b');
  assert.ok('reason' in a && 'reason' in b);
  assert.equal(a.reason.replace("'a'", "'x'"), b.reason.replace("'b'", "'x'"));
  assert.deepEqual(await confine(root, 'c'), { path: path.join(root, 'c') });
  assert.deepEqual(await confine(root, 'd'), { reason: 'symbolic link loop' });
});
