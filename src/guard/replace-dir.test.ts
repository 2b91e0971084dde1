import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { OWNER_FILE, writeOwner } from './owner.js';
import { readableDir, recoverDir, replaceDir } from './replace-dir.js';

let tmp: string;
before(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'vt-replace-'));
});
after(() => fs.rm(tmp, { recursive: true, force: true }));

const writeVersion = (v: string) => (dir: string) => fs.writeFile(path.join(dir, 'v.txt'), v);
const versionIn = (dir: string) => fs.readFile(path.join(dir, 'v.txt'), 'utf8');

test('a folder is written whole, then replaced by a later output of its kind', async () => {
  const dir = path.join(tmp, 'a', 'bundle');
  await replaceDir(dir, writeVersion('1'), { kind: 'bundle' });
  assert.equal(await versionIn(dir), '1');
  await replaceDir(dir, writeVersion('2'), { kind: 'bundle' });
  assert.equal(await versionIn(dir), '2');
  // No staging, previous or lock files are left beside it.
  assert.deepEqual(await fs.readdir(path.dirname(dir)), ['bundle']);
});

test('a failed build leaves the old folder as it was', async () => {
  const dir = path.join(tmp, 'b');
  await replaceDir(dir, writeVersion('old'), { kind: 'bundle' });
  await assert.rejects(
    replaceDir(
      dir,
      async (staging) => {
        await writeVersion('half')(staging);
        throw new Error('disk full');
      },
      { kind: 'bundle' },
    ),
    /disk full/,
  );
  assert.equal(await versionIn(dir), 'old');
  assert.deepEqual(await fs.readdir(tmp).then((n) => n.filter((x) => x.startsWith('.b.'))), []);
});

test('content of another kind is refused, or moved aside and kept with overwrite', async () => {
  const dir = path.join(tmp, 'c');
  await fs.mkdir(dir);
  await fs.writeFile(path.join(dir, 'notes.txt'), 'keep me');
  await assert.rejects(
    replaceDir(dir, writeVersion('x'), { kind: 'bundle' }),
    /did not write \(notes\.txt\)/,
  );
  assert.equal(await fs.readFile(path.join(dir, 'notes.txt'), 'utf8'), 'keep me');
  const { movedAside } = await replaceDir(dir, writeVersion('x'), {
    kind: 'bundle',
    overwrite: true,
  });
  assert.equal(await fs.readFile(path.join(movedAside!, 'notes.txt'), 'utf8'), 'keep me');
  assert.equal(await versionIn(dir), 'x');
  // In place (the input being updated) replaces whatever wrote it.
  await replaceDir(movedAside!, writeVersion('grown'), { kind: 'bundle', inPlace: true });
  assert.equal(await versionIn(movedAside!), 'grown');
});

test('killed between its two renames: readers see a whole version, the next writer restores it', async () => {
  const dir = path.join(tmp, 'd');
  await replaceDir(dir, writeVersion('old'), { kind: 'bundle' });
  const dead = spawnSync('true').pid!;
  // The state a SIGKILL leaves after `dir -> previous` and before `staging -> dir`.
  const previous = path.join(tmp, `.d.previous-${dead}-0a0b0c0d`);
  const staging = path.join(tmp, `.d.staging-${dead}-01020304`);
  await fs.rename(dir, previous);
  await fs.mkdir(staging);
  await writeVersion('new')(staging);
  assert.equal(await versionIn(await readableDir(dir)), 'old'); // staging not marked complete
  await writeOwner(staging, 'bundle');
  assert.equal(await versionIn(await readableDir(dir)), 'new');
  await recoverDir(dir);
  assert.equal(await versionIn(dir), 'new');
  assert.deepEqual(await fs.readdir(tmp).then((n) => n.filter((x) => x.startsWith('.d.'))), []);
  assert.ok(await fs.stat(path.join(dir, OWNER_FILE)));
});
