// Test support for guard/: a per-file temp folder and the message of an expected refusal.
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before } from 'node:test';

/** A temp folder made before the file's tests and removed after them; read `.dir` in tests. */
export function tempFolder(prefix: string): { dir: string } {
  const holder = { dir: '' };
  before(async () => {
    holder.dir = await fs.mkdtemp(path.join(os.tmpdir(), prefix));
  });
  after(() => fs.rm(holder.dir, { recursive: true, force: true }));
  return holder;
}

/** The message of the user error (exit 2) that `work` must reject with. */
export function refusal(work: Promise<unknown>): Promise<string> {
  return work.then(
    () => assert.fail('not refused'),
    (err: Error & { exitCode?: number }) => {
      assert.equal(err.exitCode, 2, String(err));
      return err.message;
    },
  );
}
