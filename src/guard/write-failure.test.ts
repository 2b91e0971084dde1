import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { badInput, VisiontuneError } from '../errors.js';
import { makeDirs } from './make-dirs.js';
import { isMachineError, isSystemError, writeFailure } from './write-failure.js';

const sysError = (code: string) =>
  Object.assign(new Error(`${code}: boom`), { code, syscall: 'write' });

test('a disk-full or permission error becomes exit 1 naming the path and what was kept', () => {
  for (const [code, words] of [
    ['ENOSPC', 'no space left on the device'],
    ['EDQUOT', 'disk quota exceeded'],
    ['EROFS', 'read-only file system'],
    ['EACCES', 'permission denied'],
  ]) {
    const err = writeFailure(sysError(code!), '/x/bundle', 'the previous bundle is unchanged');
    assert.ok(err instanceof VisiontuneError, code);
    assert.equal(err.exitCode, 1);
    assert.equal(err.message, `cannot write /x/bundle: ${words}; the previous bundle is unchanged`);
  }
});

test('other errors pass through unchanged', () => {
  const bug = new TypeError('a bug');
  assert.equal(writeFailure(bug, '/x', 'kept'), bug);
  const user = badInput('bad');
  assert.equal(writeFailure(user, '/x', 'kept'), user);
  assert.equal(isSystemError(user), false);
  const other = sysError('ENOENT');
  assert.equal(writeFailure(other, '/x', 'kept'), other);
  assert.equal(isSystemError(other), true);
  // Only the machine's errors are the user's to resolve; a missing file nothing checked is a bug.
  assert.equal(isMachineError(other), false);
  assert.equal(isMachineError(sysError('ENOSPC')), true);
});

test('makeDirs creates nested folders and fails at once where mkdir -p would spin (/proc)', async () => {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'vt-make-folder-'));
  try {
    await makeDirs(path.join(root, 'a', 'b', 'c'));
    assert.ok((await fs.stat(path.join(root, 'a', 'b', 'c'))).isDirectory());
    await makeDirs(path.join(root, 'a', 'b'));
    const started = Date.now();
    await assert.rejects(makeDirs('/proc/visiontune-test/x'), { code: 'ENOENT' });
    assert.ok(Date.now() - started < 1000);
  } finally {
    await fs.rm(root, { recursive: true, force: true });
  }
});
