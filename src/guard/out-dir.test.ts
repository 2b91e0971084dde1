import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { acquireLock, withLock } from './lock.js';
import { claimOutDir } from './out-dir.js';
import { LOCK_FILE, OWNER_FILE, readOwner } from './owner.js';
import { refusal, tempFolder } from './test-support.js';

const temp = tempFolder('vt-out-');

test('a new folder is created, marked and locked; the same kind may claim it again', async () => {
  const dir = path.join(temp.dir, 'new', 'run');
  const claim = await claimOutDir(dir, { kind: 'run' });
  assert.equal((await readOwner(dir))?.kind, 'run');
  assert.ok((await fs.stat(path.join(dir, LOCK_FILE))).isFile());
  await fs.writeFile(path.join(dir, 'metrics.jsonl'), '{}\n');
  await claim.release();
  await assert.rejects(fs.stat(path.join(dir, LOCK_FILE)));
  const again = await claimOutDir(dir, { kind: 'run' });
  assert.ok(await fs.stat(path.join(dir, 'metrics.jsonl')));
  await again.release();
});

test('a second claim while the first holds the lock is refused with its pid', async () => {
  const dir = path.join(temp.dir, 'busy');
  const first = await claimOutDir(dir, { kind: 'run' });
  try {
    // As if another live process (this one's parent) held it.
    const lock = JSON.parse(await fs.readFile(path.join(dir, LOCK_FILE), 'utf8'));
    assert.equal(lock.pid, process.pid);
    await fs.writeFile(path.join(dir, LOCK_FILE), JSON.stringify({ ...lock, pid: process.ppid }));
    assert.match(
      await refusal(claimOutDir(dir, { kind: 'run', overwrite: true })),
      new RegExp(`in use by another visiontune run \\(pid ${process.ppid}`),
    );
  } finally {
    await first.release();
  }
});

test('a lock left by a killed process is taken over', async () => {
  const file = path.join(temp.dir, 'stale.lock');
  const dead = spawnSync('true').pid!; // exited: its pid is free
  await fs.writeFile(file, JSON.stringify({ pid: dead, host: os.hostname(), since: 'then' }));
  const lock = await acquireLock(file, 'x');
  assert.equal(JSON.parse(await fs.readFile(file, 'utf8')).pid, process.pid);
  await lock.release();
});

test('foreign content is refused by name, and --overwrite moves it aside intact', async () => {
  const dir = path.join(temp.dir, 'photos');
  await fs.mkdir(dir);
  await fs.writeFile(path.join(dir, 'holiday.jpg'), 'mine');
  assert.match(
    await refusal(claimOutDir(dir, { kind: 'run' })),
    /--out .*photos already holds files visiontune did not write \(holiday\.jpg\).*--overwrite/,
  );
  const claim = await claimOutDir(dir, { kind: 'run', overwrite: true });
  assert.ok(claim.movedAside);
  assert.equal(await fs.readFile(path.join(claim.movedAside, 'holiday.jpg'), 'utf8'), 'mine');
  assert.deepEqual((await fs.readdir(dir)).sort(), [OWNER_FILE, LOCK_FILE].sort());
  await claim.release();
});

test('another kind of visiontune output is refused too', async () => {
  const dir = path.join(temp.dir, 'bundle');
  (await claimOutDir(dir, { kind: 'bundle' })).release();
  await fs.writeFile(path.join(dir, 'model.json'), '{}');
  assert.match(
    await refusal(claimOutDir(dir, { kind: 'run' })),
    /already holds a visiontune bundle output/,
  );
});

test('a file, or a path that cannot be created, is refused without retrying', async () => {
  const file = path.join(temp.dir, 'a-file');
  await fs.writeFile(file, 'x');
  assert.match(await refusal(claimOutDir(file, { kind: 'run' })), /is a file, not a folder/);
  assert.match(
    await refusal(claimOutDir(path.join(file, 'sub'), { kind: 'run' })),
    /cannot write there/,
  );
  assert.match(
    await refusal(claimOutDir('/proc/visiontune-x', { kind: 'run' })),
    /cannot write there/,
  );
});

test('waiting callers take the lock one after another (none mistakes a lock being written for a stale one)', async () => {
  const file = path.join(temp.dir, 'wait.lock');
  let inside = 0;
  let most = 0;
  const work = async () => {
    inside++;
    most = Math.max(most, inside);
    await new Promise((r) => setTimeout(r, 30));
    inside--;
  };
  await Promise.all(Array.from({ length: 8 }, () => withLock(file, 'x', work)));
  assert.equal(most, 1);
  await assert.rejects(fs.access(file));
});
